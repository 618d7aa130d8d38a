"""The ``resolver`` command line, through click's CliRunner, plus one real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from resolver.cli import main

ORG = {"id": "alpha-org", "type": "organization", "name": "Alpha Liberation Front", "aliases": ["ALF Group"]}
PERSON = {"id": "john-doe", "type": "person", "name": "John Doe", "aliases": []}


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# -- resolve ----------------------------------------------------------------------------------------------
def test_resolve_json_prints_one_json_line_with_the_id() -> None:
    res = run("resolve", "Sergei Ivano", "--json")
    assert res.exit_code == 0, res.output
    (row,) = json_lines(res.stdout)
    assert row["id"] == "sergei-ivanov-svr"
    assert row["query"] == "Sergei Ivano"
    assert row["ambiguous"] is True
    assert [a["id"] for a in row["alternatives"]] == ["sergei-ivanov"]  # type: ignore[union-attr]
    assert row["explanation"]["alias"] == "Sergei Ivanov"  # type: ignore[index]


def test_resolve_json_of_an_unknown_name_has_a_null_id() -> None:
    res = run("resolve", "--json", "Zxqv Wrtp", "I.S.I.")
    assert res.exit_code == 0
    rows = json_lines(res.stdout)
    assert [r["id"] for r in rows] == [None, "isi"]
    assert rows[0]["query"] == "Zxqv Wrtp"


def test_resolve_table_has_a_header_and_the_ids() -> None:
    res = run("resolve", "Sergei Ivano", "I.S.I.", "Zxqv Wrtp")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0].split()[:3] == ["query", "id", "name"]
    assert "score" in lines[0]
    assert "sergei-ivanov-svr" in lines[1] and "ambiguous" in lines[1] and "sergei-ivanov " in lines[1] + " "
    assert lines[2].startswith("I.S.I.") and " isi " in lines[2]
    assert "(no match)" in lines[3]
    assert len(lines) == 4


def test_resolve_explain_prints_the_rules() -> None:
    res = run("resolve", "--explain", "Lt Gen Faiz Hameed")
    assert res.exit_code == 0
    assert "faiz-hameed" in res.stdout
    assert "title" in res.stdout and "matched name 'Faiz Hameed'" in res.stdout


def test_resolve_top_lists_up_to_k_candidates() -> None:
    res = run("resolve", "--top", "3", "--json", "Sergei Ivano")
    assert res.exit_code == 0
    (row,) = json_lines(res.stdout)
    ids = [c["id"] for c in row["candidates"]]  # type: ignore[union-attr]
    assert 2 <= len(ids) <= 3
    assert set(ids[:2]) == {"sergei-ivanov-svr", "sergei-ivanov"}
    scores = [c["score"] for c in row["candidates"]]  # type: ignore[union-attr]
    assert scores == sorted(scores, reverse=True)
    table = run("resolve", "--top", "3", "Sergei Ivano")
    assert table.exit_code == 0
    body = table.stdout.splitlines()[1:]
    assert 2 <= len(body) <= 3 and all(line.startswith("Sergei Ivano") for line in body)


@pytest.mark.parametrize("bad", ["0", "101", "x"])
def test_resolve_top_out_of_range_is_a_usage_error(bad: str) -> None:
    res = run("resolve", "--top", bad, "ISI")
    assert res.exit_code == 2
    assert "Traceback" not in res.output


def test_resolve_names_from_a_file(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("I.S.I.\n\nDaesh\nFaiz Hamid\n", encoding="utf-8")
    res = run("resolve", "--json", "--from", str(names))
    assert res.exit_code == 0, res.output
    assert [r["id"] for r in json_lines(res.stdout)] == ["isi", "islamic-state", "faiz-hameed"]


def test_resolve_answers_a_file_a_chunk_at_a_time_as_it_answers_each_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The names are resolved together (`resolve_many`), a chunk at a time, in their order; each
    answer, with its explanation, is the one `Resolver.resolve` gives the name alone."""
    from resolver import Resolver

    names = ["Sergei Ivano", "Faiz Hamid", "IS", "is", "ISI", "Faiz Hamid", "Dawn", "dawn", "zzzz qqqq", "Sergei Ivano"] * 5
    path = tmp_path / "names.txt"
    path.write_text("\n".join(names) + "\n", encoding="utf-8")
    r = Resolver()
    expected = [m.to_dict() if m else {"query": n, "id": None} for n in names for m in [r.resolve(n)]]
    for chunk in (3, 7, 20_000):
        monkeypatch.setattr("resolver.cli._RESOLVE_CHUNK", chunk)
        res = run("resolve", "--json", "--from", str(path))
        assert res.exit_code == 0 and json_lines(res.stdout) == expected, chunk


def test_resolve_names_from_stdin() -> None:
    res = run("resolve", "--json", "-", input="I.S.I.\nDaesh\nСергей Иванов\n")
    assert res.exit_code == 0, res.output
    assert [r["id"] for r in json_lines(res.stdout)] == ["isi", "islamic-state", "sergei-ivanov-svr"]
    res = run("resolve", "--json", "--from", "-", input="Bill Burns\n")
    assert [r["id"] for r in json_lines(res.stdout)] == ["william-burns"]


def test_resolve_with_a_jsonl_gazetteer(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "g.jsonl", [ORG, PERSON])
    res = run("resolve", "--json", "--gazetteer", str(path), "ALF Group", "Jon Doe", "Sergei Ivanov")
    assert res.exit_code == 0, res.output
    assert [r["id"] for r in json_lines(res.stdout)] == ["alpha-org", "john-doe", None]


def test_resolve_with_a_bad_gazetteer_exits_2_without_traceback(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [ORG, {**PERSON, "id": "Bad_ID"}])
    res = run("resolve", "--gazetteer", str(path), "John Doe")
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert str(path) in res.stderr and "Bad_ID" in res.stderr


def test_resolve_without_names_is_a_usage_error() -> None:
    res = run("resolve")
    assert res.exit_code == 2
    assert "NAME" in res.stderr


def test_resolve_threshold_option() -> None:
    res = run("resolve", "--json", "--threshold", "0.95", "Sergei Ivano", "Faiz Hameed")
    assert res.exit_code == 0
    assert [r["id"] for r in json_lines(res.stdout)] == [None, "faiz-hameed"]


# -- gazetteer ------------------------------------------------------------------------------------------
def test_gazetteer_validate_default_exits_0() -> None:
    res = run("gazetteer", "validate")
    assert res.exit_code == 0
    assert res.stdout == ""
    assert "ok" in res.stderr


def test_gazetteer_validate_bad_gazetteer_exits_2_with_one_problem_per_line(tmp_path: Path) -> None:
    bad = [ORG, {**PERSON, "id": "Bad_ID"}, {**PERSON, "type": "planet"}, {**ORG, "id": "beta-org", "colour": "red"}]
    path = write_jsonl(tmp_path / "bad.jsonl", bad)
    res = run("gazetteer", "validate", str(path))
    assert res.exit_code == 2
    lines = res.stdout.splitlines()
    assert len(lines) == 3
    for line, entry, lineno in zip(lines, ["Bad_ID", "john-doe", "beta-org"], [2, 3, 4], strict=True):
        assert line.startswith(f"{path}:{lineno}:"), line
        assert f"'{entry}'" in line
    assert "3 problems" in res.stderr
    assert "Traceback" not in res.output


def test_gazetteer_validate_tells_shared_aliases_apart_and_leaves_them_out_on_request(tmp_path: Path) -> None:
    """A JSON Lines file loads with aliases shared by entities that are not namesakes (bulk data such as
    GeoNames has thousands); `validate` reports them, says which they are, and --no-namesakes leaves
    them out while still reporting every other problem."""
    shared = [ORG, {**ORG, "id": "beta-org", "name": "Beta", "aliases": [ORG["name"]]}, {**PERSON, "type": "planet"}]
    path = write_jsonl(tmp_path / "bulk.jsonl", shared)
    res = run("gazetteer", "validate", str(path))
    assert res.exit_code == 2 and len(res.stdout.splitlines()) == 2
    assert "2 problems" in res.stderr and "1 of those listed is an alias shared by entities" in res.stderr
    res = run("gazetteer", "validate", "--no-namesakes", str(path))
    assert res.exit_code == 2 and len(res.stdout.splitlines()) == 1 and "planet" in res.stdout
    assert "shared" not in res.stderr
    write_jsonl(path, shared[:2])
    res = run("gazetteer", "validate", "--no-namesakes", str(path))
    assert res.exit_code == 0 and "ok" in res.stderr


def test_gazetteer_validate_a_folder(tmp_path: Path) -> None:
    root = tmp_path / "gaz"
    (root / "entities").mkdir(parents=True)
    (root / "entities" / "alpha-org.toml").write_text(
        'id = "alpha-org"\ntype = "organization"\nname = "Alpha Front"\naliases = []\n', encoding="utf-8"
    )
    assert run("gazetteer", "validate", str(root)).exit_code == 0
    (root / "entities" / "beta-org.toml").write_text('id = "beta-org"\ntype = "planet"\nname = "B"\n', encoding="utf-8")
    res = run("gazetteer", "validate", str(root))
    assert res.exit_code == 2
    (line,) = res.stdout.splitlines()
    assert "entities/beta-org.toml" in line and "'beta-org'" in line and "planet" in line


def test_gazetteer_show_an_entity() -> None:
    res = run("gazetteer", "show", "isi")
    assert res.exit_code == 0
    assert "id: isi" in res.stdout.splitlines()
    assert "name: Inter-Services Intelligence" in res.stdout
    as_json = json.loads(run("gazetteer", "show", "isi", "--json").stdout)
    assert as_json["id"] == "isi" and "ISI" in as_json["aliases"]


def test_gazetteer_show_follows_a_redirect() -> None:
    res = run("gazetteer", "show", "daesh")
    assert res.exit_code == 0
    assert "id: islamic-state" in res.stdout.splitlines()
    assert "redirected_from: daesh" in res.stdout
    as_json = json.loads(run("gazetteer", "show", "daesh", "--json").stdout)
    assert as_json["id"] == "islamic-state" and as_json["redirected_from"] == "daesh"


def test_gazetteer_show_unknown_id_exits_2_with_one_line() -> None:
    res = run("gazetteer", "show", "nope")
    assert res.exit_code == 2
    assert res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1
    assert "nope" in res.stderr
    assert "Traceback" not in res.output
    close = run("gazetteer", "show", "isii")
    assert close.exit_code == 2 and "Did you mean" in close.stderr and "isi" in close.stderr


def test_gazetteer_stats() -> None:
    res = run("gazetteer", "stats", "--json")
    assert res.exit_code == 0
    figures = json.loads(res.stdout)
    assert figures["entities"] == 176
    assert figures["redirects"] == 5
    assert figures["entities_by_type"]["person"] > 0
    assert figures["searchable_forms"] >= figures["entities"]
    assert figures["peak_rss_mb"] > 0 and figures["index_file_mb"] is None  # (the embedded gazetteer: no index file named)
    text = run("gazetteer", "stats")
    assert text.exit_code == 0
    assert "entities: 176" in text.stdout.splitlines() and "index_file_mb: none" in text.stdout.splitlines()


def test_gazetteer_stats_of_a_jsonl_gazetteer(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "g.jsonl", [ORG, PERSON])
    figures = json.loads(run("gazetteer", "stats", "--json", "--gazetteer", str(path)).stdout)
    assert figures["entities"] == 2


# -- help -----------------------------------------------------------------------------------------------
def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):  # as click lists them: lazily loaded commands included
        cmd = group.get_command(ctx, name)
        assert cmd is not None, name
        if isinstance(cmd, click.Group):
            paths += _command_paths(cmd, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


COMMANDS = _command_paths(main)


def test_the_expected_commands_exist() -> None:
    assert {
        ("resolve",),
        ("gazetteer",),
        ("gazetteer", "validate"),
        ("gazetteer", "show"),
        ("gazetteer", "stats"),
    } <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "resolver")
def test_every_command_help_exits_0_and_shows_an_example(path: tuple[str, ...]) -> None:
    res = run(*path, "--help")
    assert res.exit_code == 0
    assert "Usage:" in res.stdout
    assert "Example" in res.stdout


# -- a real process -------------------------------------------------------------------------------------
def test_module_runs_in_a_subprocess_from_any_folder_with_the_default_gazetteer(tmp_path: Path) -> None:
    env = {**os.environ, "RESOLVER_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-m", "resolver.cli", "resolve", "--json", "Sergei Ivano", "I.S.I."],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert [r["id"] for r in json_lines(proc.stdout)] == ["sergei-ivanov-svr", "isi"]
    assert proc.stderr == ""
