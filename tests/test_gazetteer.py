"""Gazetteers: loading the project's folder format and JSON Lines, every problem reported with its
place, redirects, the default gazetteer, and compiled index files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import GAZETTEER_DIR
from hypothesis import example, given, settings
from hypothesis import strategies as st

from resolver import GazetteerError, Problem, Resolver, load_gazetteer, validate_path
from resolver.gazetteer import ENTITY_FIELDS

ORG_A = {"id": "alpha-org", "type": "organization", "name": "Alpha Liberation Front", "aliases": ["ALF Group"]}
ORG_B = {"id": "beta-org", "type": "organization", "name": "Beta Intelligence Service", "aliases": []}
PERSON = {
    "id": "john-doe",
    "type": "person",
    "name": "John Doe",
    "aliases": ["Jonathan Doe"],
    "family_name": "Doe",
    "related": ["alpha-org"],
}


def write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _toml_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings and lists of strings are valid TOML


def write_folder(root: Path, records: list[dict[str, Any]], redirects: dict[str, str] | None = None) -> Path:
    (root / "entities").mkdir(parents=True)
    (root / "gazetteer.toml").write_text(
        'name = "test"\nversion = "1"\ntypes = ["person", "organization", "location"]\n', encoding="utf-8"
    )
    for rec in records:
        lines = [f"{k} = {_toml_value(v)}" for k, v in rec.items()]
        (root / "entities" / f"{rec['id']}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if redirects is not None:
        body = "[redirects]\n" + "".join(f"{_toml_value(k)} = {_toml_value(v)}\n" for k, v in redirects.items())
        (root / "redirects.toml").write_text(body, encoding="utf-8")
    return root


# -- loading --------------------------------------------------------------------------------------------
def test_from_path_on_a_jsonl_file(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "small.jsonl", [ORG_A, ORG_B, PERSON])
    r = Resolver.from_path(path)
    assert len(r) == 3
    assert r.resolve("Alpha Liberation Front").id == "alpha-org"  # type: ignore[union-attr]
    assert r.resolve("ALF Group").id == "alpha-org"  # type: ignore[union-attr]
    assert r.resolve("Jonathan Doe").id == "john-doe"  # type: ignore[union-attr]
    assert r.resolve("BIS").id == "beta-org"  # type: ignore[union-attr]  # derived acronym
    assert r.resolve("Sergei Ivanov") is None  # not the default gazetteer
    e = r.get("john-doe")
    assert e is not None and e.related == ("alpha-org",) and e.family_name == "Doe"
    assert r.resolve_many(["John Doe", "nobody"])[1] is None
    assert Resolver.from_path(str(path)).resolve("John Doe").id == "john-doe"  # type: ignore[union-attr]


def test_from_path_on_a_folder_in_the_project_format(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "gaz", [ORG_A, ORG_B, PERSON], {"old-alpha": "alpha-org"})
    r = Resolver.from_path(root)
    assert len(r) == 3
    assert r.gazetteer.name == "test" and r.gazetteer.version == "1"
    assert r.resolve("Alpha Liberation Front").id == "alpha-org"  # type: ignore[union-attr]
    assert r.get("old-alpha").id == "alpha-org"  # type: ignore[union-attr]
    assert validate_path(root) == []


def test_the_default_gazetteer_validates_clean() -> None:
    assert validate_path() == []
    assert validate_path(GAZETTEER_DIR) == []
    assert len(load_gazetteer(GAZETTEER_DIR)) == 176


def test_the_default_resolver_has_the_default_gazetteer(resolver: Resolver) -> None:
    assert len(resolver) == 176
    assert {e.type for e in resolver.entities} == {"person", "organization", "location"}
    assert len({e.id for e in resolver.entities}) == 176


def test_redirects_follow_retired_ids(resolver: Resolver) -> None:
    daesh = resolver.get("daesh")
    assert daesh is not None and daesh.id == "islamic-state"
    assert resolver.get("isil").id == "islamic-state"  # type: ignore[union-attr]
    assert resolver.get("itar-tass").id == "tass"  # type: ignore[union-attr]
    assert resolver.get("islamic-state").id == "islamic-state"  # type: ignore[union-attr]
    assert resolver.get("nope") is None
    assert resolver.get("") is None


# -- problems ---------------------------------------------------------------------------------------------
def _problems(path: Path) -> list[Problem]:
    with pytest.raises(GazetteerError) as info:
        Resolver.from_path(path)
    problems = info.value.problems
    assert problems, "a GazetteerError must list its problems"
    assert validate_path(path) == problems
    return problems


def test_shared_alias_loads_as_ambiguous_but_fails_validation(tmp_path: Path) -> None:
    """Bulk data (JSON Lines) may share aliases; `validate` still reports each one without namesakes."""
    path = write_jsonl(tmp_path / "shared.jsonl", [ORG_A, {**ORG_B, "aliases": ["ALF group"]}])
    r = Resolver.from_path(path)
    m = r.resolve("ALF group")
    assert m is not None and m.ambiguous
    assert {m.id, *(a.id for a in m.alternatives)} == {"alpha-org", "beta-org"}
    problems = validate_path(path)
    assert len(problems) == 1, problems
    (p,) = problems
    assert p.file == str(path) and p.line == 2 and p.entry == "beta-org" and "alpha-org" in p.message
    with pytest.raises(GazetteerError):
        load_gazetteer(path, strict=True)


JSONL_PROBLEMS = [
    pytest.param([ORG_A, {**ORG_B, "id": "alpha-org"}], 2, "alpha-org", "duplicate", id="duplicate-id"),
    pytest.param([ORG_A, {**ORG_B, "id": "Bad_ID"}], 2, "Bad_ID", "malformed id", id="malformed-id"),
    pytest.param([ORG_A, {**ORG_B, "name": "  "}], 2, "beta-org", "name", id="empty-name"),
    pytest.param([ORG_A, {**ORG_B, "name": ""}], 2, "beta-org", "name", id="missing-name"),
    pytest.param([ORG_A, {**ORG_B, "colour": "red"}], 2, "beta-org", "unknown field 'colour'", id="unknown-field"),
    pytest.param([{**ORG_A, "type": "planet"}, ORG_B], 1, "alpha-org", "unknown type", id="unknown-type"),
    pytest.param(
        [ORG_A, ORG_B, {**PERSON, "related": ["gamma-org"]}], 3, "john-doe", "gamma-org", id="related-missing"
    ),
    pytest.param([ORG_A, {**ORG_B, "aliases": "BIS"}], 2, "beta-org", "aliases", id="aliases-not-a-list"),
    pytest.param([ORG_A, {**ORG_B, "prior": 3}], 2, "beta-org", "prior", id="prior-out-of-range"),
]


@pytest.mark.parametrize(("records", "line", "entry", "words"), JSONL_PROBLEMS)
def test_each_jsonl_problem_names_file_line_and_entry(
    tmp_path: Path, records: list[Any], line: int, entry: str, words: str
) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", records)
    problems = _problems(path)
    assert len(problems) == 1, problems
    (p,) = problems
    assert p.file == str(path)
    assert p.line == line
    assert p.entry == entry
    assert words in p.message
    text = str(p)
    assert str(path) in text and f":{line}" in text and entry in text


def test_alias_shared_by_namesakes_is_allowed(tmp_path: Path) -> None:
    a = {"id": "ali-one", "type": "person", "name": "Ali Raza", "aliases": [], "namesakes": ["ali-two"]}
    b = {"id": "ali-two", "type": "person", "name": "Ali Raza", "aliases": [], "namesakes": ["ali-one"]}
    r = Resolver.from_path(write_jsonl(tmp_path / "ok.jsonl", [a, b]))
    m = r.resolve("Ali Raza")
    assert m is not None and m.ambiguous and {m.id, *(x.id for x in m.alternatives)} == {"ali-one", "ali-two"}


def test_invalid_json_line_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text(json.dumps(ORG_A) + "\n{not json\n" + json.dumps(ORG_B) + "\n", encoding="utf-8")
    (p,) = _problems(path)
    assert p.file == str(path) and p.line == 2 and "JSON" in p.message


def test_validate_path_returns_all_problems_of_a_file_at_once(tmp_path: Path) -> None:
    records: list[Any] = [
        ORG_A,
        {**ORG_B, "id": "Bad_ID"},
        {**ORG_B, "type": "planet"},
        {**PERSON, "name": ""},
        {**PERSON, "id": "jane-doe", "colour": "red"},
        {**PERSON, "id": "jim-doe", "related": ["nowhere-org"]},
        ORG_A,
    ]
    path = write_jsonl(tmp_path / "many.jsonl", records)
    problems = validate_path(path)
    assert {p.line for p in problems} == {2, 3, 4, 5, 6, 7}
    assert all(p.file == str(path) for p in problems)
    assert {p.entry for p in problems} >= {"Bad_ID", "beta-org", "john-doe", "jane-doe", "jim-doe", "alpha-org"}
    with pytest.raises(GazetteerError) as info:
        load_gazetteer(path)
    assert info.value.problems == problems
    assert f"and {len(problems) - 1} more problems" in str(info.value)


def test_folder_problems_name_the_entity_file(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "gaz", [ORG_A, {**ORG_B, "type": "planet"}, {**PERSON, "related": ["gone"]}])
    problems = _problems(root)
    by_entry = {p.entry: p for p in problems}
    assert set(by_entry) == {"beta-org", "john-doe"}
    assert by_entry["beta-org"].file is not None and by_entry["beta-org"].file.endswith("entities/beta-org.toml")
    assert by_entry["john-doe"].file is not None and by_entry["john-doe"].file.endswith("entities/john-doe.toml")
    assert by_entry["beta-org"].line == 2  # the `type = ...` line of the file


def test_a_problem_names_its_line_past_a_unicode_line_break_in_a_string(tmp_path: Path) -> None:
    """TOML ends lines at line feeds: a name holding U+2028 or U+0085 is one line."""
    root = write_folder(tmp_path / "gaz", [ORG_A, {"id": "beta-org", "name": "Beta\u2028Inter\x85national", "type": "planet"}])
    (problem,) = _problems(root)
    assert problem.entry == "beta-org" and problem.line == 3  # the `type = ...` line


def test_folder_entity_id_must_match_its_file_name(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "gaz", [ORG_A, ORG_B])
    (root / "entities" / "beta-org.toml").rename(root / "entities" / "gamma-org.toml")
    (p,) = _problems(root)
    assert p.file is not None and p.file.endswith("gamma-org.toml") and p.entry == "beta-org"


@pytest.mark.parametrize(
    ("redirects", "entry", "words"),
    [
        pytest.param({"old-a": "old-b", "old-b": "old-a"}, "old-a", "loop", id="redirect-loop"),
        pytest.param({"old-a": "nowhere"}, "old-a", "no entity", id="redirect-to-nowhere"),
        pytest.param({"alpha-org": "beta-org"}, "alpha-org", "also an entity", id="redirect-from-an-entity"),
    ],
)
def test_redirect_problems_name_the_redirects_file_and_entry(
    tmp_path: Path, redirects: dict[str, str], entry: str, words: str
) -> None:
    root = write_folder(tmp_path / "gaz", [ORG_A, ORG_B], redirects)
    problems = _problems(root)
    mine = [p for p in problems if p.entry == entry]
    assert mine, problems
    assert words in mine[0].message
    assert mine[0].file is not None and mine[0].file.endswith("redirects.toml"), str(mine[0])


def test_missing_path_raises_gazetteer_error(tmp_path: Path) -> None:
    with pytest.raises(GazetteerError) as info:
        Resolver.from_path(tmp_path / "absent.jsonl")
    assert str(tmp_path / "absent.jsonl") in str(info.value)


# -- compiled index -----------------------------------------------------------------------------------------
QUERIES = [
    "Sergei Ivano", "Faiz Hamid", "Lt Gen Faiz Hameed", "I.S.I.", "Daesh", "IS", "is", "Dawn", "dawn",
    "The Nation", "IVANOV, Sergei", "Сергей Иванов", "Bill Burns", "Abdul Ghani Biradar", "Faiz", "BLA",
    "Washington Post", "Sergei Lavrov", "zzzz qqqq",
]  # fmt: skip


def _summary(r: Resolver, names: list[str]) -> list[Any]:
    out = []
    for m in r.resolve_many(names):
        out.append(None if m is None else (m.id, m.score, m.ambiguous, [a.id for a in m.alternatives], m.alias))
    return out


@pytest.fixture(scope="module")
def index_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("index") / "default.rindex"
    Resolver().save_index(path)
    return path


def test_saved_index_gives_the_same_results(resolver: Resolver, index_file: Path) -> None:
    loaded = Resolver.from_path(index_file)
    assert len(loaded) == len(resolver)
    assert _summary(loaded, QUERIES) == _summary(resolver, QUERIES)
    names = [n for e in resolver.entities for n in e.names]
    assert _summary(loaded, names) == _summary(resolver, names)
    assert loaded.get("daesh").id == "islamic-state"  # type: ignore[union-attr]
    assert [p.message for p in loaded.acronym_collisions] == [p.message for p in resolver.acronym_collisions]
    assert loaded.normalizer.key("Lt Gen Faiz Hameed’s") == resolver.normalizer.key("Lt Gen Faiz Hameed’s")
    assert Resolver.from_path(index_file, threshold=0.95).resolve("Sergei Ivano") is None


def test_saved_index_of_a_small_gazetteer(tmp_path: Path) -> None:
    r = Resolver.from_path(write_jsonl(tmp_path / "small.jsonl", [ORG_A, ORG_B, PERSON]))
    r.save_index(tmp_path / "small.rindex")
    loaded = Resolver.from_path(tmp_path / "small.rindex")
    names = ["John Doe", "Jon Doe", "ALF Group", "BIS", "bis", "Alpha Liberation Front", "nobody"]
    assert _summary(loaded, names) == _summary(r, names)
    assert _summary(loaded, names)[0][0] == "john-doe"


def test_truncated_index_raises_gazetteer_error(index_file: Path, tmp_path: Path) -> None:
    data = index_file.read_bytes()
    for size in (len(data) - 1, len(data) // 2, 200, 40, 10):
        bad = tmp_path / f"cut-{size}.rindex"
        bad.write_bytes(data[:size])
        with pytest.raises(GazetteerError):
            Resolver.from_path(bad)


def test_index_truncated_to_nothing_raises_gazetteer_error(tmp_path: Path) -> None:
    # a zero-byte file is not a gazetteer with no entities: loading it must fail loudly
    empty = tmp_path / "empty.rindex"
    empty.write_bytes(b"")
    with pytest.raises(GazetteerError):
        Resolver.from_path(empty)


@settings(max_examples=40, deadline=None)
@given(position=st.floats(0.0, 1.0, exclude_max=True), flip=st.integers(1, 255))
def test_byte_flipped_index_raises_gazetteer_error(index_file: Path, position: float, flip: int) -> None:
    data = bytearray(index_file.read_bytes())
    i = int(position * len(data))
    data[i] ^= flip
    bad = index_file.with_name("flipped.rindex")
    bad.write_bytes(bytes(data))
    try:
        with pytest.raises(GazetteerError):
            Resolver.from_path(bad)
    finally:
        bad.unlink()


def test_rules_cannot_be_changed_on_a_compiled_index(index_file: Path, tmp_path: Path) -> None:
    from resolver import ResolverError

    with pytest.raises(ResolverError):
        Resolver.from_path(index_file, rules_dir=tmp_path)


def test_acronym_collisions_point_at_the_gazetteer_not_at_an_index_file(index_file: Path) -> None:
    # the same gazetteer reports the same collision, whether compiled now or read back from an index file
    fresh = Resolver.from_path(GAZETTEER_DIR)
    loaded = Resolver.from_path(index_file)
    assert fresh.acronym_collisions, "the default gazetteer has a known collision (JUA)"
    assert "JUA" in str(fresh.acronym_collisions[0])
    assert [str(p) for p in loaded.acronym_collisions] == [str(p) for p in fresh.acronym_collisions]
    assert not any(".rindex" in str(p) for p in Resolver().acronym_collisions)


_PLAIN_VALUES = st.one_of(
    st.none(), st.integers(), st.text(max_size=8), st.sampled_from(["x-1", "faiz-hameed", "Bad Id", "", "  ", "person", "location"]),
    st.lists(st.one_of(st.text(max_size=6), st.sampled_from(["", " ", " Faiz ", "Faiz"]), st.integers()), max_size=4),
    st.tuples(st.text(max_size=4)),
    st.sampled_from([" PK ", "pk", ""]),
    st.dictionaries(st.one_of(st.text(max_size=3), st.integers()), st.one_of(st.text(max_size=3), st.integers()), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "type", "name", "aliases", "country", "external_ids", "tags"]), _PLAIN_VALUES, max_size=7))
@example({"id": "0", "external_ids": None, "type": "person", "name": "0"})
@example({"id": "0", "type": "person", "name": "0", "tags": 0})  # (a field the shortcut does not take)
def test_the_plain_record_shortcut_makes_the_entity_the_full_check_makes(record: dict[str, Any]) -> None:
    """A record of the fields an imported source writes: the shortcut either makes the very entity
    that the field-by-field check makes (with no problem), or leaves the record to it."""
    from unittest import mock

    from resolver.gazetteer import _entity, _plain_entity, _Source

    src, types = _Source("g.jsonl", line=3), ("person", "organization", "location")
    problems: list[Problem] = []
    entity = _entity(record, src, types, problems, 0)
    slow_problems: list[Problem] = []
    with mock.patch("resolver.gazetteer._plain_entity", return_value=None):  # the field-by-field check alone
        slow = _entity(record, src, types, slow_problems, 0)
    fast = _plain_entity(record, src, types)
    if fast is not None:
        assert fast == slow and not slow_problems
    assert entity == slow and problems == slow_problems


@pytest.mark.parametrize("field", sorted(ENTITY_FIELDS - {"id", "type", "name"}))
def test_an_optional_field_given_as_null_is_as_good_as_absent(field: str) -> None:
    """JSON null (None in records) for any optional field: the entity of the record without it, and
    no problem (a database's export writes null for what it does not know)."""
    from resolver.gazetteer import _entity, _Source

    record: dict[str, Any] = {"id": "faiz-hameed", "type": "person", "name": "Faiz Hameed"}
    record["tags" if field != "tags" else "description"] = ["intelligence"] if field != "tags" else "ISI chief"  # (checked field by field)
    src, types = _Source("g.jsonl", line=1), ("person",)
    problems: list[Problem] = []
    assert _entity({**record, field: None}, src, types, problems, 0) == _entity(dict(record), src, types, [], 0)
    assert problems == []


def test_the_plain_record_shortcut_takes_imported_records() -> None:
    from resolver.gazetteer import _plain_entity, _Source

    record = {"id": "geonames-1", "type": "location", "name": " Kabul ", "aliases": ["Kabol", " Kabul", "کابل"],
              "country": "AF", "external_ids": {"geonames": "1"}}  # fmt: skip
    e = _plain_entity(record, _Source("g.jsonl", line=1), ("location",))
    assert e is not None and e.name == "Kabul" and e.aliases == ("Kabol", "کابل") and e.source == "g.jsonl:1"
    assert e.country == "af" and e.external_ids == (("geonames", "1"),)
