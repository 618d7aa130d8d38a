"""Bad gazetteers, rule tables and indexes: clear errors naming file, entry and line; bombs refused (item 2)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from resolver import Resolver
from resolver.compiled import load_index
from resolver.errors import GazetteerError, RuleError
from resolver.gazetteer import MAX_PROBLEMS, load_gazetteer, validate_path
from resolver.rules import load_rules

from .helpers import cli

PERSON = 'type = "person"\nname = "{name}"\n'


def entity(folder: Path, eid: str, body: str) -> None:
    (folder / "entities").mkdir(parents=True, exist_ok=True)
    (folder / "entities" / f"{eid}.toml").write_text(body)


def problems(path: Path) -> list[str]:
    return [str(p) for p in validate_path(path)]


def test_validate_reports_every_problem_in_one_run(tmp_path: Path) -> None:
    g = tmp_path / "g"
    entity(g, "faiz-hameed", 'id = "faiz-hameed"\ntype = "person"\nname = "Faiz Hameed"\naliases = ["Faiz"]\n')
    entity(g, "faiz-2", 'id = "faiz-2"\ntype = "person"\nname = "Faiz"\n')
    entity(g, "other", 'id = "other"\ntype = "person"\nname = "Other"\naliases = ["FAIZ"]\n')  # an alias claimed twice
    entity(g, "Bad_Id", 'id = "Bad_Id"\ntype = "persn"\nname = "X"\ncolour = "red"\n')
    entity(g, "dup", 'id = "faiz-hameed"\ntype = "person"\nname = "Dup"\n')
    entity(g, "newline", 'id = "newline\\n"\ntype = "person"\nname = "N"\n')
    entity(g, "broken", 'id = "broken"\nname = \n')
    (g / "redirects.toml").write_text('[redirects]\nold-a = "old-b"\nold-b = "old-a"\ngone = "nowhere"\nfaiz-2 = "faiz-hameed"\n')
    found = problems(g)
    text = "\n".join(found)
    for expected in (
        f"{g}/entities/Bad_Id.toml:1: entry 'Bad_Id': malformed id",
        f"{g}/entities/Bad_Id.toml:2: entry 'Bad_Id': unknown type 'persn'",
        f"{g}/entities/Bad_Id.toml:4: entry 'Bad_Id': unknown field 'colour'",
        f"{g}/entities/dup.toml:1: entry 'faiz-hameed': id 'faiz-hameed' differs from the file name",
        f"{g}/entities/faiz-hameed.toml:1: entry 'faiz-hameed': duplicate id (first defined at {g}/entities/dup.toml",
        "entry 'newline\\n': malformed id",  # one line: the newline is escaped
        f"{g}/entities/broken.toml:2: invalid TOML",
        f"{g}/entities/other.toml: entry 'other': alias 'faiz' is also claimed by 'faiz-2'",
        f"{g}/redirects.toml:2: entry 'old-a': redirects loop: old-a -> old-b -> old-a",
        f"{g}/redirects.toml:4: entry 'gone': redirect 'gone' -> 'nowhere' points to no entity",
        f"{g}/redirects.toml:5: entry 'faiz-2': redirect source 'faiz-2' is also an entity id",
    ):
        assert expected in text, (expected, found)
    r = cli("gazetteer", "validate", str(g))
    assert r.exit_code == 2 and r.stdout.count("\n") == len(found) and f"{len(found)} problems" in r.stderr


def test_errors_name_file_and_line_for_jsonl(tmp_path: Path) -> None:
    f = tmp_path / "g.jsonl"
    f.write_text(
        '{"id": "a", "type": "person", "name": "A"}\n'
        "not json\n"
        '{"id": "a", "type": "person", "name": "A again"}\n'
        '{"id": "b", "type": "robot", "name": "B", "extra": 1}\n'
        '{"id": "c", "type": "person", "name": "C", "prior": NaN}\n'
        '{"id": "d", "type": "person", "name": "D", "prior": ' + "9" * 5000 + "}\n"
        "[1, 2]\n"
    )
    text = "\n".join(problems(f))
    assert f"{f}:2: invalid JSON: Expecting value (column 1)" in text
    assert f"{f}:3: entry 'a': duplicate id (first defined at {f}:1)" in text
    assert f"{f}:4: entry 'b': unknown field 'extra'" in text and f"{f}:4: entry 'b': unknown type 'robot'" in text
    assert f"{f}:5: entry 'c': 'prior' must be a number from 0 to 1" in text
    assert f"{f}:6: invalid JSON: Exceeds the limit" in text
    assert f"{f}:7: entry '#5': an entity must be an object/table" in text


def test_redirect_chain_of_100000_is_linear(tmp_path: Path) -> None:
    g = tmp_path / "g"
    entity(g, "end", 'id = "end"\n' + PERSON.format(name="End"))
    n = 100_000
    lines = [f'r{i} = "r{i + 1}"' for i in range(n)] + [f'r{n} = "r0"']
    (g / "redirects.toml").write_text("[redirects]\n" + "\n".join(lines) + "\n")
    t0 = time.perf_counter()
    found = problems(g)
    assert time.perf_counter() - t0 < 20
    assert len(found) > 0 and "redirects loop: r0 -> r1 -> r2" in found[0]


def test_one_alias_claimed_by_5000_entities_is_fast(tmp_path: Path) -> None:
    f = tmp_path / "g.jsonl"
    f.write_text("".join(json.dumps({"id": f"e{i}", "type": "person", "name": "Same Name"}) + "\n" for i in range(5000)))
    t0 = time.perf_counter()
    found = problems(f)
    assert time.perf_counter() - t0 < 10
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1] == f"{f}: {4999 - MAX_PROBLEMS} more problems not listed (4999 in all)"
    assert load_gazetteer(f).entities  # bulk data loads with shared aliases (strict=False)
    assert validate_path(f, namesakes=False) == []


# -- bombs ---------------------------------------------------------------------------------------------
BOMBS = {
    "nested.jsonl": "[" * 100_000 + "\n",
    "nested-in-entity.jsonl": '{"id": "a", "type": "person", "name": "A", "aliases": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
    "nested.json": "[" * 100_000,
    "objects.json": json.dumps([{}] * 2_000_000),
    "nested.toml": "[[entity]]\nx = " + "[" * 100_000 + "\n",
    "inline.toml": "x = " + "{a = " * 50_000 + "\n",
    "dotted.toml": "a." * 100_000 + "b = 1\n",
    "bigint.toml": "x = " + "1" * 100_000 + "\n",
    "longline.jsonl": '{"id": "' + "a" * 2_000_000 + '"}\n',
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_are_refused_fast(tmp_path: Path, name: str) -> None:
    f = tmp_path / name
    f.write_text(BOMBS[name])
    t0 = time.perf_counter()
    with pytest.raises(GazetteerError) as info:
        load_gazetteer(f)
    assert time.perf_counter() - t0 < 10
    assert all(p.file == str(f) for p in info.value.problems)
    r = cli("resolve", "-g", str(f), "x")
    assert r.exit_code == 2 and r.stderr.startswith(f"resolver: error: {f}")


@pytest.mark.parametrize("name", ["g.jsonl", "g.json", "g.toml", "g.rindex", "entities-folder"])
def test_sparse_2gb_gazetteer_file_is_refused_fast(tmp_path: Path, name: str) -> None:
    target = tmp_path / name
    if name == "entities-folder":
        (target / "entities").mkdir(parents=True)
        target = target / "entities" / "a.toml"
    with target.open("wb") as fh:
        fh.truncate(2 * 1024**3)
    path = tmp_path / name
    t0 = time.perf_counter()
    found = problems(path)
    with pytest.raises(GazetteerError):
        Resolver.from_path(path)
    assert time.perf_counter() - t0 < 5
    assert found and str(target) in found[0]


def test_manifest_and_redirects_not_utf8_or_wrong_types(tmp_path: Path) -> None:
    g = tmp_path / "g"
    entity(g, "a", 'id = "a"\n' + PERSON.format(name="A"))
    (g / "gazetteer.toml").write_bytes(b'name = "caf\xe9"\n')
    (g / "redirects.toml").write_text("[redirects]\nold = [1, 2]\n")
    text = "\n".join(problems(g))
    assert f"{g}/gazetteer.toml:1: not UTF-8 (byte 11)" in text
    assert f"{g}/redirects.toml: [redirects] must map old ids to new ids" in text
    one = tmp_path / "one.toml"
    one.write_text('redirects = {x = ["y"]}\n[[entity]]\nid = "a"\ntype = "person"\nname = "A"\n')
    assert "[redirects] must map old ids to new ids" in "\n".join(problems(one))


def test_entity_file_that_is_a_folder(tmp_path: Path) -> None:
    g = tmp_path / "g"
    entity(g, "a", 'id = "a"\n' + PERSON.format(name="A"))
    (g / "entities" / "b.toml").mkdir()
    assert any(f"{g}/entities/b.toml: is a folder" in p for p in problems(g))


def test_one_file_toml_points_at_the_entry_line(tmp_path: Path) -> None:
    f = tmp_path / "g.toml"
    f.write_text(
        '[[entity]]\nid = "a"\ntype = "person"\nname = "A"\n\n[[entity]]\nid = "b"\ntype = "persn"\nname = "B"\n'
    )
    assert problems(f) == [f"{f}:8: entry 'b': unknown type 'persn' (declared types: person, organization, location)"]


# -- indexes --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def index_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("index") / "small.rindex"
    Resolver.from_records([{"id": "a", "type": "person", "name": "Alpha Beta", "aliases": ["AB"]}]).save_index(path)
    return path.read_bytes()


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda b: b[: len(b) // 2], "truncated or corrupted"),
        (lambda b: b[:-10] + b"0123456789", "truncated or corrupted"),
        (lambda b: b.replace(b'"format_version": 4', b'"format_version": 99', 1), "index format version 99 is not 4"),
        (lambda b: b.replace(b'"format_version": 4', b'"format_version": "4"', 1), "index format version '4' is not 4"),
        (lambda b: b.replace(b'"format_version": 4', b'"format_version": 3', 1), "index format version 3 is not 4"),
        (lambda b: b.replace(b'"payload_bytes": ', b'"payload_bytes": 9999999999999', 1), "bad payload_bytes"),
        (lambda b: b'{"format": "resolver-index", "format_version": 4, [\n', "bad header"),
        (lambda b: b"\0" * 100, "bad header"), (lambda b: b'{"format": "other"}\n', "unknown format"),
        (lambda b: b.split(b"\n", 1)[0], "truncated or corrupted"),
    ],
)
def test_damaged_index(tmp_path: Path, index_bytes: bytes, damage: object, message: str) -> None:
    path = tmp_path / "x.rindex"
    path.write_bytes(damage(index_bytes))  # type: ignore[operator]
    with pytest.raises(GazetteerError) as info:
        load_index(path)
    assert message in str(info.value) and str(info.value).startswith(str(path))
    r = cli("resolve", "-g", str(path), "Alpha Beta")
    assert r.exit_code == 2 and message in r.stderr and "Traceback" not in r.stderr


def test_index_with_valid_checksum_but_wrong_content(tmp_path: Path, index_bytes: bytes) -> None:
    import hashlib

    header = json.loads(index_bytes.split(b"\n", 1)[0])
    for payload in (b"[]", b'{"rules": 1}', b'{"rules": {"patterns": "x"}}', b"[" * 10_000, b"1" * 5000):
        header.update(payload_bytes=len(payload), payload_sha256=hashlib.sha256(payload).hexdigest())
        path = tmp_path / "forged.rindex"
        path.write_bytes(json.dumps(header).encode() + b"\n" + payload)
        with pytest.raises(GazetteerError, match="index content is malformed"):
            load_index(path)


def test_validate_checks_an_index(tmp_path: Path, index_bytes: bytes) -> None:
    path = tmp_path / "ok.rindex"
    path.write_bytes(index_bytes)
    assert problems(path) == []
    path.write_bytes(index_bytes[:-1])
    assert "truncated or corrupted" in problems(path)[0]


# -- rule tables ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, content, message",
    [
        ("patterns_x.toml", "pattern = 5\n", "'pattern' must be an array of tables"),
        ("patterns_x.toml", "[[pattern]]\nname = 'p'\nfrom = 'kh'\nto = 'H'\n", "'to' must be lowercase ASCII"),
        ("patterns_x.toml", "[[pattern]]\nname = 'p'\nfrom = '" + "a" * 40 + "'\nto = 'a'\n", "longer than 32"),
        ("patterns_x.toml", "[options]\ncollapse_double_letters = 'yes'\n", "must be true or false"),
        ("patterns_x.toml", "options = 3\n", "expected a table"),
        ("name_variants_x.toml", "class = {a = 1}\n", "'class' must be an array of tables"),
        ("titles_x.toml", "group = 'x'\n", "'group' must be an array of tables"),
        ("script_x.toml", "map = [1, 2]\n", "'map' must be a table"),
        ("org_variants_x.toml", "[acronym]\nskip_words = 3\n", "'skip_words' must be a list of strings"),
        ("patterns_x.toml", "a." * 100_000 + "b = 1\n", "a dotted key with more than 128 parts"),
        ("patterns_x.toml", "x = " + "[" * 100_000, "nested too deeply"),
        ("common_words_x.txt", b"caf\xe9\n", "not UTF-8 (byte 3)"),
    ],
)
def test_bad_rule_tables(tmp_path: Path, name: str, content: str | bytes, message: str) -> None:
    (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(RuleError) as info:
        load_rules([tmp_path])
    assert message in str(info.value) and str(tmp_path / name) in str(info.value)
    r = cli("resolve", "--rules", str(tmp_path), "x")
    assert r.exit_code == 2 and message in r.stderr


def test_sparse_rule_table(tmp_path: Path) -> None:
    with (tmp_path / "patterns_big.toml").open("wb") as fh:
        fh.truncate(2 * 1024**3)
    t0 = time.perf_counter()
    with pytest.raises(RuleError, match="larger than"):
        load_rules([tmp_path])
    assert time.perf_counter() - t0 < 2
