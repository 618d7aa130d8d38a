"""``resolver gazetteer import``, ``build`` and ``check-index`` through click's CliRunner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from resolver import Resolver
from resolver.cli import main
from resolver.compiled import read_header
from resolver.importers import FORMATS, gazetteer_checksum

CSV = "id,name,type,aliases\nada-lovelace,Ada Lovelace,person,Ada King|A. Lovelace\nBad Id,Someone,person,\n"
JSONL = (
    '{"id": "ahmad-shah-massoud", "type": "person", "name": "Ahmad Shah Massoud", "aliases": ["Ahmed Shah Massoud"]}\n'
    '{"id": "northern-alliance", "type": "organization", "name": "Northern Alliance", "aliases": ["United Front"]}\n'
)


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- import -------------------------------------------------------------------------------------------------
def test_import_reports_rejected_rows_and_exits_1(here: Path) -> None:
    Path("people.csv").write_text(CSV, encoding="utf-8")
    res = run("gazetteer", "import", "--from", "csv", "people.csv", "-o", "people.jsonl")
    assert res.exit_code == 1
    assert res.stderr.splitlines() == [
        "rejected: people.csv:3: entry 'Bad Id': malformed id: must be lowercase kebab-case like 'faiz-hameed'",
        "people.csv -> people.jsonl: 1 entity written, 1 row rejected",
    ]
    assert res.stdout == ""
    assert [json.loads(line)["id"] for line in Path("people.jsonl").read_text(encoding="utf-8").splitlines()] == [
        "ada-lovelace"
    ]


def test_import_without_rejections_exits_0(here: Path) -> None:
    Path("g.jsonl").write_text(JSONL, encoding="utf-8")
    res = run("gazetteer", "import", "--from", "jsonl", "g.jsonl", "-o", "out.jsonl")
    assert res.exit_code == 0, res.output
    assert res.stderr == "g.jsonl -> out.jsonl: 2 entities written, 0 rows rejected\n"


def test_import_refuses_to_overwrite_without_force(here: Path) -> None:
    Path("g.jsonl").write_text(JSONL, encoding="utf-8")
    Path("out.jsonl").write_text("old\n", encoding="utf-8")
    res = run("gazetteer", "import", "--from", "jsonl", "g.jsonl", "-o", "out.jsonl")
    assert res.exit_code == 2
    assert res.stderr == "resolver: error: out.jsonl: already exists; use --force to overwrite it\n"
    assert Path("out.jsonl").read_text(encoding="utf-8") == "old\n"
    res = run("gazetteer", "import", "--from", "jsonl", "g.jsonl", "-o", "out.jsonl", "--force")
    assert res.exit_code == 0 and len(Path("out.jsonl").read_text(encoding="utf-8").splitlines()) == 2


def test_import_from_stdin_to_stdout(here: Path) -> None:
    res = run("gazetteer", "import", "--from", "csv", "--alias-sep", ";", "-", "-o", "-",
              input="id,name,type,aliases\nx-1,Foo Bar,person,F. Bar;Foo B.\n")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"id": "x-1", "type": "person", "name": "Foo Bar", "aliases": ["F. Bar", "Foo B."]}
    assert res.stderr == "stdin -> stdout: 1 entity written, 0 rows rejected\n"


def test_import_of_an_unreadable_source_is_one_line(here: Path) -> None:
    res = run("gazetteer", "import", "--from", "ftm", "missing.json", "-o", "out.jsonl")
    assert res.exit_code == 2
    assert res.stderr == "resolver: error: missing.json: cannot read: No such file or directory\n"
    assert not Path("out.jsonl").exists()


def test_import_formats_are_the_library_formats() -> None:
    from resolver.cli import gazetteer

    command = gazetteer.commands["import"]
    (option,) = [p for p in command.params if p.name == "fmt"]
    assert isinstance(option.type, click.Choice)
    assert tuple(option.type.choices) == FORMATS


# -- build and check-index ----------------------------------------------------------------------------------
def test_build_writes_an_index_with_the_source_checksum(here: Path) -> None:
    Path("g.jsonl").write_text(JSONL, encoding="utf-8")
    res = run("gazetteer", "build", "g.jsonl", "-o", "g.rindex")
    assert res.exit_code == 0, res.output
    assert res.stderr.startswith("g.rindex: 2 entities, ") and "built in" in res.stderr
    assert read_header("g.rindex")["source_checksum"] == gazetteer_checksum("g.jsonl")
    index, source = Resolver.from_path("g.rindex"), Resolver.from_path("g.jsonl")
    for name in ("Ahmed Shah Masoud", "United Front", "Northern Aliance", "Nobody"):
        a, b = index.resolve(name), source.resolve(name)
        assert (a and (a.id, a.score)) == (b and (b.id, b.score)), name


def test_build_replaces_an_index_and_no_other_file_unless_forced(here: Path) -> None:
    Path("g.jsonl").write_text(JSONL, encoding="utf-8")
    Path("other.jsonl").write_text("precious\n", encoding="utf-8")
    res = run("gazetteer", "build", "g.jsonl", "-o", "other.jsonl")
    assert res.exit_code == 2
    assert res.stderr == "resolver: error: other.jsonl: already exists and is not an index (use --force to overwrite it)\n"
    assert Path("other.jsonl").read_text(encoding="utf-8") == "precious\n"
    assert run("gazetteer", "build", "g.jsonl", "-o", "other.jsonl", "--force").exit_code == 0
    assert read_header("other.jsonl")["entities"] == 2
    with Path("g.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "panjshir", "type": "location", "name": "Panjshir"}\n')
    assert run("gazetteer", "build", "g.jsonl", "-o", "other.jsonl").exit_code == 0  # (an index: rebuilt)
    assert read_header("other.jsonl")["entities"] == 3


def test_check_index_fresh_stale_and_rebuilt(here: Path) -> None:
    Path("g.jsonl").write_text(JSONL, encoding="utf-8")
    assert run("gazetteer", "build", "g.jsonl", "-o", "g.rindex").exit_code == 0
    res = run("gazetteer", "check-index", "g.rindex")
    assert res.exit_code == 0 and res.stdout == f"g.rindex: up to date with {here / 'g.jsonl'}\n"
    with Path("g.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "panjshir", "type": "location", "name": "Panjshir"}\n')
    res = run("gazetteer", "check-index", "g.rindex")
    assert res.exit_code == 1 and res.stdout.startswith("g.rindex: stale: ")
    res = run("gazetteer", "check-index", "g.rindex", "--rebuild")
    assert res.exit_code == 0 and res.stderr.startswith("g.rindex: 3 entities")
    assert run("gazetteer", "check-index", "g.rindex", "--source", "g.jsonl").exit_code == 0
    assert Resolver.from_path("g.rindex").resolve("Panjsher") is not None


def test_a_command_on_a_stale_index_warns_and_goes_on(here: Path) -> None:
    """A command given an index checks its source's stamp (names, sizes and times of the files): when
    the source changed since the build it warns on stderr and answers from the index as it is; a
    source touched but not changed, or gone (an index shared without it), gives no warning."""
    Path("g.jsonl").write_text(JSONL, encoding="utf-8")
    assert run("gazetteer", "build", "g.jsonl", "-o", "g.rindex").exit_code == 0
    res = run("resolve", "-g", "g.rindex", "Panjsher")
    assert res.exit_code == 0 and res.stderr == ""
    later = Path("g.jsonl").stat().st_mtime + 60
    os.utime("g.jsonl", (later, later))  # the same bytes, a newer time: read again, found the same
    assert run("resolve", "-g", "g.rindex", "Panjsher").stderr == ""
    with Path("g.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "panjshir", "type": "location", "name": "Panjshir"}\n')
    res = run("resolve", "-g", "g.rindex", "--json", "Panjsher")
    assert res.exit_code == 0
    assert res.stderr == (f"resolver: warning: g.rindex: stale: {here / 'g.jsonl'}, the rules or the resolver changed "
                          "since it was built; rebuild it with 'resolver gazetteer check-index g.rindex --rebuild'\n")  # fmt: skip
    assert json.loads(res.stdout)["id"] is None  # (the index as built)
    Path("news.txt").write_text("Massoud fought in Panjshir.\n", encoding="utf-8")
    res = run("annotate", "-g", "g.rindex", "news.txt")
    assert res.exit_code == 0 and res.stderr.startswith("resolver: warning: g.rindex: stale: ")
    assert run("gazetteer", "check-index", "g.rindex", "--rebuild").exit_code == 0
    res = run("resolve", "-g", "g.rindex", "--json", "Panjsher")
    assert res.stderr == "" and json.loads(res.stdout)["id"] == "panjshir"
    with Path("g.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"id": "kabul", "type": "location", "name": "Kabul"}\n')
    Path("g.jsonl").rename("elsewhere.jsonl")
    assert run("resolve", "-g", "g.rindex", "Kabul").stderr == ""


@pytest.mark.parametrize("rules", [False, True])
def test_an_unchanged_source_is_not_read_to_tell_it_is_unchanged(here: Path, monkeypatch: pytest.MonkeyPatch, rules: bool) -> None:
    """Its stamp tells (a source of gigabytes would take seconds to hash at every command)."""
    Path("g.jsonl").write_text(JSONL, encoding="utf-8")
    Path("rules").mkdir()
    Path("rules/titles.toml").write_text('[[group]]\nkind = "address"\nforms = ["Comrade"]\n', encoding="utf-8")
    assert run("gazetteer", "build", "g.jsonl", "-o", "g.rindex", *(["--rules", "rules"] if rules else [])).exit_code == 0

    def unread(*args: object, **kwargs: object) -> str:
        raise AssertionError("the source was read")

    monkeypatch.setattr("resolver.importers.gazetteer_checksum", unread)
    res = run("resolve", "-g", "g.rindex", "Panjsher")
    assert res.exit_code == 0 and res.stderr == ""


def test_an_index_is_checked_and_rebuilt_with_the_extra_rules_it_was_built_with(here: Path) -> None:
    Path("g.jsonl").write_text(JSONL, encoding="utf-8")
    Path("rules").mkdir()
    Path("rules/titles.toml").write_text('[[group]]\nkind = "address"\nforms = ["Comrade"]\n', encoding="utf-8")
    assert run("gazetteer", "build", "g.jsonl", "-o", "g.rindex", "--rules", "rules").exit_code == 0
    assert read_header("g.rindex")["source_rules"] == str(here / "rules")
    res = run("gazetteer", "check-index", "g.rindex")  # (no --rules: the folder it records)
    assert res.exit_code == 0 and "up to date" in res.stdout
    assert run("resolve", "-g", "g.rindex", "Comrade Ahmad Shah Massoud").stderr == ""
    Path("rules/titles.toml").write_text('[[group]]\nkind = "address"\nforms = ["Comrade", "Citizen"]\n', encoding="utf-8")
    assert "warning: g.rindex: stale" in run("resolve", "-g", "g.rindex", "Citizen Ahmad Shah Massoud").stderr
    assert run("gazetteer", "check-index", "g.rindex", "--rebuild").exit_code == 0
    m = Resolver.from_path("g.rindex").resolve("Citizen Ahmad Shah Massoud")
    assert m is not None and m.score == 1.0, m  # rebuilt with the rules, the title stripped
    assert run("gazetteer", "check-index", "g.rindex").exit_code == 0


def test_check_index_without_a_recorded_checksum_is_not_fresh(here: Path) -> None:
    Path("g.jsonl").write_text(JSONL, encoding="utf-8")
    Resolver.from_path("g.jsonl").save_index("g.rindex")
    res = run("gazetteer", "check-index", "g.rindex", "--source", "g.jsonl")
    assert res.exit_code == 1 and "no source checksum recorded" in res.stdout


def test_check_index_of_a_damaged_or_missing_index(here: Path) -> None:
    Path("g.jsonl").write_text(JSONL, encoding="utf-8")
    Path("bad.rindex").write_text("not an index\n", encoding="utf-8")
    res = run("gazetteer", "check-index", "bad.rindex", "--source", "g.jsonl")
    assert res.exit_code == 2 and res.stderr.startswith("resolver: error: bad.rindex:1: not a resolver index")
    res = run("gazetteer", "check-index", "new.rindex", "--source", "g.jsonl", "--rebuild")
    assert res.exit_code == 0 and res.stderr.startswith("new.rindex: missing\nnew.rindex: 2 entities")
    assert run("gazetteer", "check-index", "new.rindex").exit_code == 0


def test_build_of_a_broken_gazetteer_exits_2(here: Path) -> None:
    Path("g.jsonl").write_text('{"id": "Bad Id", "type": "person", "name": "X"}\n', encoding="utf-8")
    res = run("gazetteer", "build", "g.jsonl", "-o", "g.rindex")
    assert res.exit_code == 2 and "malformed id" in res.stderr
    assert not Path("g.rindex").exists()
