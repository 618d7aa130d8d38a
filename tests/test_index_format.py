"""Compiled index files, format 3: the same results whether a resolver is built from records, read
from JSON Lines or loaded from an index; the index's lazy views read like the tuples and dicts they
stand for; and a damaged, truncated, forged or older file is refused with an error naming it."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import GAZETTEER_DIR

from resolver import GazetteerError, Match, Resolver, load_gazetteer, parallel
from resolver.candidates import alias_rows
from resolver.cli import main
from resolver.compiled import FORMAT_VERSION, SECTIONS, load_index
from resolver.importers import recorded_source

# -- what a resolver returns, in full ----------------------------------------------------------------------


def _outcome(m: Match | None) -> Any:
    if m is None:
        return None
    return (m.id, m.score, m.alias, m.ambiguous, [(a.id, a.score, a.alias) for a in m.alternatives], m.explanation.to_dict())


def _results(r: Resolver, names: list[str], text: str) -> Any:
    resolved = [_outcome(r.resolve(name)) for name in names]
    many = [_outcome(m) for m in r.resolve_many(names, threshold=0.0)]
    candidates = [[_outcome(m) for m in r.candidates(name, k=3)] for name in names[:50]]
    mentions = [m.to_dict(explain=True) for m in r.annotate(text, unresolved=True)]
    return resolved, many, candidates, mentions


def _typos(names: list[str], seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    out = []
    for name in names:
        i = rng.randrange(len(name))
        out.append(name[:i] + name[i + 1 :] if rng.random() < 0.5 else name[:i] + rng.choice("aeiouy") + name[i:])
    return out


@pytest.fixture(params=["views", "read whole"])
def read_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of loading: a large index is read through its views, a small one into plain objects."""
    if request.param == "views":
        monkeypatch.setattr("resolver.compiled._READ_WHOLE", 0)
    return str(request.param)


@pytest.fixture
def views(monkeypatch: pytest.MonkeyPatch) -> None:
    """Load every index through its views, however small."""
    monkeypatch.setattr("resolver.compiled._READ_WHOLE", 0)


def _three_ways(records: list[dict[str, Any]], folder: Path) -> tuple[Resolver, Resolver, Resolver]:
    """A resolver built from ``records``, one read from them as JSON Lines, one loaded from its index."""
    built = Resolver.from_records(records)
    jsonl = folder / "g.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    built.save_index(folder / "g.rindex")
    return built, Resolver.from_path(jsonl), Resolver.from_path(folder / "g.rindex")


def test_the_default_gazetteer_resolves_and_annotates_alike_from_records_jsonl_and_index(tmp_path: Path, read_mode: str) -> None:
    records = [e.to_dict() for e in load_gazetteer(GAZETTEER_DIR).entities]
    built, from_jsonl, loaded = _three_ways(records, tmp_path)
    names = [n for rec in records for n in (rec["name"], *rec["aliases"], *rec.get("weak_aliases", []))]
    queries = [*names, *_typos(names), "Pakistan ISI", "Russia's SVR", "IS", "is", "Dawn", "dawn", "zzzz qqqq"]
    text = " ".join(f"{a} met {b} in {c}." for a, b, c in zip(names, reversed(names), _typos(names), strict=True))
    expected = _results(built, queries, text)
    assert expected[3], "the text names entities"
    assert _results(from_jsonl, queries, text) == expected
    assert _results(loaded, queries, text) == expected


@pytest.fixture(scope="module")
def cities(geonames_cities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 3000 most populous GeoNames cities as records."""
    return geonames_cities[:3000]


def test_geonames_cities_resolve_and_annotate_alike_from_records_jsonl_and_index(
    cities: list[dict[str, Any]], tmp_path: Path, read_mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    built, from_jsonl, loaded = _three_ways(cities, tmp_path)
    names = [rec["name"] for rec in cities[::10]]
    queries = [*names, *_typos(names), *(a for rec in cities[::50] for a in rec["aliases"][:3])]
    text = " ".join(f"From {a} to {b}, then {c}." for a, b, c in zip(names, reversed(names), _typos(names), strict=True))
    expected = _results(built, queries, text)
    assert sum(m is not None for m in expected[0]) > len(names)
    assert _results(from_jsonl, queries, text) == expected
    assert _results(loaded, queries, text) == expected
    if parallel.workers(2, 10_000) > 1:  # forked workers share the loaded index; the parent explains their matches
        monkeypatch.setattr(parallel, "MIN_PER_WORKER", 50)
        assert [_outcome(m) for m in loaded.resolve_many(queries, threshold=0.0, jobs=2)] == expected[1]


# -- the views of a loaded index -------------------------------------------------------------------------


def test_the_views_of_a_loaded_index_hold_what_was_built(
    cities: list[dict[str, Any]], tmp_path: Path, views: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = Resolver.from_records(cities[:500])
    built.save_index(tmp_path / "g.rindex")
    loaded = Resolver.from_path(tmp_path / "g.rindex")
    a, b = built.index, loaded.index
    assert len(b.aliases) == len(a.aliases) and list(b.aliases) == list(a.aliases)
    assert list(alias_rows(b.aliases)) == list(alias_rows(a.aliases))
    monkeypatch.setattr("resolver.columns._ITER_CHUNK", 7)  # (a scan decodes its strings a chunk at a time)
    assert list(b.aliases) == list(a.aliases) and list(alias_rows(b.aliases)) == list(alias_rows(a.aliases))
    assert b.aliases[-1] == a.aliases[-1] and b.aliases[2:5] == list(a.aliases[2:5])
    with pytest.raises(IndexError):
        b.aliases[len(a.aliases)]
    assert {k: list(v) for k, v in b.exact.items()} == {k: list(v) for k, v in a.exact.items()}
    assert {k: list(v) for k, v in b.postings.items()} == {k: list(v) for k, v in a.postings.items()}
    assert len(b.postings) == len(a.postings) and list(b.parts) == list(a.parts)
    assert "nosuchpart" not in b.postings and b.exact.get("no such key") is None
    with pytest.raises(KeyError):
        b.postings["nosuchpart"]
    assert list(b.neighbours) == list(a.neighbours)
    assert list(b.aliases.keys) == [rec.key for rec in a.aliases]  # type: ignore[attr-defined]
    assert list(b.sizes) == list(a.sizes) == [len(rec.tokens) for rec in a.aliases]
    assert len(loaded.entities) == len(built.entities) and list(loaded.entities) == list(built.entities)
    assert loaded.entities[-1] == built.entities[-1] and loaded.entities[:3] == list(built.entities[:3])
    assert all(loaded.get(e.id) == e for e in built.entities)
    assert loaded.get("no-such-city") is None
    assert dict(loaded.compiled.country_words or {}) == dict(built.compiled.country_words or {})


def test_parts_that_do_not_survive_a_space_are_kept_whole(tmp_path: Path) -> None:
    from resolver.candidates import AliasRecord, AliasRow
    from resolver.columns import AliasColumns, StringColumn, pack_aliases

    odd = [AliasRecord(0, "x", "name", ("a b", ""), ("A B", ""), False), AliasRecord(0, "y", "alias", ("y",), ("Y",), True, 0)]
    columns, kinds, split = pack_aliases(odd)
    assert kinds == ["name", "alias"] and split == [[0, ["a b", ""], ["A B", ""]]]
    strings = [StringColumn(columns[f"alias_{name}_offsets"], columns[f"alias_{name}"]) for name in ("texts", "keys", "cased")]
    view = AliasColumns(columns["alias_entity"], columns["alias_flags"], columns["alias_family"], columns["alias_sizes"],
                        *strings, kinds, {0: (("a b", ""), ("A B", ""))})  # fmt: skip
    assert list(view) == [view[0], view[1]] == odd
    assert list(alias_rows(view)) == list(alias_rows(odd)) == [
        AliasRow("x", "name", False, 0, 2, ("A B", "")), AliasRow("y", "alias", True, 0, 1, ("Y",))]  # fmt: skip


def test_saving_a_loaded_index_writes_the_same_bytes(tmp_path: Path) -> None:
    Resolver(load_gazetteer(GAZETTEER_DIR)).save_index(tmp_path / "a.rindex")
    Resolver.from_path(tmp_path / "a.rindex").save_index(tmp_path / "b.rindex")
    assert (tmp_path / "a.rindex").read_bytes() == (tmp_path / "b.rindex").read_bytes()


def test_stats_and_the_recorded_source_of_an_index(tmp_path: Path) -> None:
    r = Resolver(load_gazetteer(GAZETTEER_DIR))
    r.save_index(tmp_path / "d.rindex")
    assert recorded_source(tmp_path / "d.rindex") == str(GAZETTEER_DIR)

    def stats(gazetteer: str) -> dict[str, Any]:
        res = CliRunner().invoke(main, ["gazetteer", "stats", "--json", "--gazetteer", gazetteer])
        assert res.exit_code == 0, res.output
        figures: dict[str, Any] = json.loads(res.stdout)
        del figures["load_and_build_seconds"], figures["peak_rss_mb"]
        return figures

    of_index, of_folder = stats(str(tmp_path / "d.rindex")), stats(str(GAZETTEER_DIR))
    assert of_index.pop("index_file_mb") == round((tmp_path / "d.rindex").stat().st_size / 1e6, 2)
    assert of_folder.pop("index_file_mb") is None  # (not an index file)
    assert of_index == of_folder


# -- damaged, truncated, forged and older files -------------------------------------------------------------


@pytest.fixture(scope="module")
def index_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("index") / "default.rindex"
    Resolver(load_gazetteer(GAZETTEER_DIR)).save_index(path)
    return path.read_bytes()


def _parts(data: bytes) -> tuple[dict[str, Any], dict[str, Any], int, bytes]:
    """(header, JSON part, where the sections start in the payload, payload) of an index file."""
    line, payload = data.split(b"\n", 1)
    size = int.from_bytes(payload[:8], "little")
    return json.loads(line), json.loads(payload[8 : 8 + size]), 8 + size + (-(8 + size) % 8), payload


def _forged(data: bytes, meta: Callable[[dict[str, Any]], None] | None = None, section: tuple[str, bytes] | None = None) -> bytes:
    """``data`` with its JSON part or a section changed, and a header that fits (a valid checksum)."""
    header, head, base, payload = _parts(data)
    sections = bytearray(payload[base:])
    if section is not None:
        name, value = section
        offset, size = head["sections"][name]
        sections[offset : offset + size] = (value * size)[:size]
    if meta is not None:
        meta(head)
    raw = json.dumps(head).encode()
    payload = len(raw).to_bytes(8, "little") + raw + b"\0" * (-(8 + len(raw)) % 8) + bytes(sections)
    header.update(payload_bytes=len(payload), payload_sha256=hashlib.sha256(payload).hexdigest())
    return json.dumps(header).encode() + b"\n" + payload


def _refused(path: Path, data: bytes, message: str) -> None:
    path.write_bytes(data)
    with pytest.raises(GazetteerError) as info:
        Resolver.from_path(path)
    assert str(info.value).startswith(str(path)) and message in str(info.value), str(info.value)


def test_the_index_is_format_4(index_bytes: bytes, tmp_path: Path) -> None:
    header, head, _, _ = _parts(index_bytes)
    assert FORMAT_VERSION == 4 and header["format_version"] == 4
    assert [name for name, _ in SECTIONS] == list(head["sections"])
    old = index_bytes.replace(b'"format_version": 4', b'"format_version": 3', 1)
    _refused(tmp_path / "old.rindex", old, "index format version 3 is not 4: rebuild it with 'resolver gazetteer build'")


def test_every_section_is_under_the_checksum(index_bytes: bytes, tmp_path: Path) -> None:
    _, head, base, _ = _parts(index_bytes)
    start = index_bytes.index(b"\n") + 1
    for name, (offset, size) in head["sections"].items():
        if size:
            data = bytearray(index_bytes)
            data[start + base + offset + size // 2] ^= 0x55
            _refused(tmp_path / f"{name}.rindex", bytes(data), "index is truncated or corrupted (checksum mismatch)")


def test_a_truncated_index_is_refused(index_bytes: bytes, tmp_path: Path) -> None:
    for size in (len(index_bytes) - 1, len(index_bytes) - 4096, len(index_bytes) // 2, 300, 1):
        path = tmp_path / f"cut-{size}.rindex"
        path.write_bytes(index_bytes[:size])
        with pytest.raises(GazetteerError) as info:
            load_index(path)
        assert str(info.value).startswith(str(path))


def _set_section(name: str, value: list[int]) -> Callable[[dict[str, Any]], None]:
    def change(head: dict[str, Any]) -> None:
        head["sections"][name] = value

    return change


@pytest.mark.parametrize(
    "meta, section",
    [
        (_set_section("alias_entity", [0, 10**9]), None),  # a section beyond the end
        (_set_section("exact_hashes", [0, 12]), None),  # not a whole number of 8-byte keys
        (_set_section("alias_texts_offsets", [0, 4]), None),  # offsets that do not fit their aliases
        (lambda head: head["sections"].pop("neighbours"), None),
        (lambda head: head.update(split_aliases=[[0, "x", []]]), None),
        (lambda head: head.update(country_words=[1]), None),
        (lambda head: head["gazetteer"].update(entities=3), None),  # fewer or more IDs than entities
        (None, ("alias_entity", b"\xff")),  # aliases of no entity
        (None, ("alias_flags", b"\xff")),  # of no kind
        (None, ("alias_family", b"\x7f")),  # a family name beyond the last part
        (None, ("exact_items", b"\xff")),  # exact keys of no alias
        (None, ("posting_items", b"\xff")),
        (None, ("entity_ids", b"a")),  # the same ID for every entity
        (None, ("entity_types", b"\xff")),  # entities of no declared type
        (None, ("entity_countries", b"\xff")),  # ... of no country named in the index
        (None, ("entity_priors", b"\xff")),  # priors that are not numbers between 0 and 1 (NaN)
        (None, ("entity_priors", b"\x40")),  # (2.0, 514.0...)
        (_set_section("entity_names_offsets", [0, 4]), None),  # names that do not fit their entities
        (lambda head: head.update(countries=[1]), None),
    ],
)
def test_a_forged_index_with_a_valid_checksum_is_refused(
    index_bytes: bytes, tmp_path: Path, meta: Callable[[dict[str, Any]], None] | None, section: tuple[str, bytes] | None,
    views: None,
) -> None:
    # (read whole, a small index rebuilds its exact and posting tables from its aliases: forged ones go unread)
    _refused(tmp_path / "forged.rindex", _forged(index_bytes, meta, section), "index content is malformed")


def test_a_small_index_is_read_into_plain_objects(tmp_path: Path) -> None:
    built = Resolver(load_gazetteer(GAZETTEER_DIR))
    built.save_index(tmp_path / "g.rindex")
    loaded = Resolver.from_path(tmp_path / "g.rindex")
    assert type(loaded.index.postings) is dict and type(loaded.index.aliases) is tuple and type(loaded.entities) is tuple
    assert loaded.index.aliases == tuple(built.index.aliases) and loaded.entities == tuple(built.entities)


def test_a_forged_entity_of_a_small_index_is_refused_at_load(index_bytes: bytes, tmp_path: Path) -> None:
    _refused(tmp_path / "forged.rindex", _forged(index_bytes, section=("entities", b"[")), "index content is malformed")


def test_a_forged_entity_is_refused_when_first_read(index_bytes: bytes, tmp_path: Path, views: None) -> None:
    # through the views, an entity's JSON is parsed on first use, not at load: a forged one is refused then, naming the file
    path = tmp_path / "forged.rindex"
    path.write_bytes(_forged(index_bytes, section=("entities", b"[")))
    # (resolving reads the entity facts columns, not the entity: it is read to be shown)
    r = Resolver.from_path(path)
    assert r.resolve("Sergei Ivanov").id == "sergei-ivanov-svr"  # type: ignore[union-attr]
    with pytest.raises(GazetteerError) as info:
        r.get("sergei-ivanov-svr")
    assert str(info.value).startswith(str(path)) and "index content is malformed" in str(info.value)
    res = CliRunner().invoke(main, ["gazetteer", "show", "sergei-ivanov-svr", "--gazetteer", str(path)])
    assert res.exit_code == 2 and "index content is malformed" in res.stderr and "Traceback" not in res.stderr


def test_a_garbled_string_section_reads_as_text_not_as_an_exception(index_bytes: bytes, tmp_path: Path, views: None) -> None:
    path = tmp_path / "forged.rindex"
    path.write_bytes(_forged(index_bytes, section=("alias_texts", b"\xff")))
    r = Resolver.from_path(path)
    assert all(set(rec.text) == {"\ufffd"} for rec in r.index.aliases)
