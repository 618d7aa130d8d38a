"""Compiled index files: a gazetteer and its rules, normalized once, stored as checksummed columns.

Layout (format 3): line 1 is a JSON header (``format``, ``format_version``, ``resolver_version``,
``source_checksum``, ``payload_sha256``, ``payload_bytes``, ``entities``); the rest is the payload.
The payload opens with a JSON part (its length as 8 bytes, little-endian, then the gazetteer's
name and redirects, the rules, the normalizer's tables, and where each binary section lies), then
the binary sections of :data:`SECTIONS`, each at a multiple of 8 bytes: arrays of little-endian
numbers and UTF-8 string blobs (see :mod:`resolver.columns`), and one JSON object per entity.

Loading reads the file in one piece and checks the format, its version, the payload's length and
its SHA-256 before anything else, so a truncated, corrupted or foreign file is refused with a clear
error; then the sizes and the numbers of every section are checked, and the sections are read in
place, as arrays: no object is made per alias or entity until one is used. It never runs code
(JSON, numbers and UTF-8 text only).

The embedded default gazetteer is compiled on first use into a cache file keyed by the checksum
of its sources and rule tables (``$RESOLVER_CACHE_DIR``, else ``$XDG_CACHE_HOME/resolver``, else
``~/.cache/resolver``; ``RESOLVER_CACHE_DIR=off`` disables it), so later starts skip the parsing.
"""

from __future__ import annotations

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "SECTIONS",
    "index_source",
    "is_index_file",
    "load_default",
    "load_index",
    "save_index",
    "source_checksum",
]

import hashlib
import json
import os
import sys
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from operator import ge
from pathlib import Path
from typing import Any, Literal, TypeAlias, cast

from .aliases import Compiled, compile_gazetteer, country_words
from .candidates import AliasRecord, CandidateIndex, Tables
from .columns import AliasColumns, EntityColumn, HashedTable, StringColumn, pack_aliases, pack_strings, pack_table
from .errors import GazetteerError, Problem, ResolverError
from .gazetteer import ID_PATTERN, Gazetteer, default_gazetteer_dir, load_gazetteer
from .model import Entity, EntityFacts, Role
from .normalize import Normalizer, default_normalizer
from .rules import RULES_DIR, Pattern, RuleSet, VariantClass, default_rules

FORMAT = "resolver-index"
_PACKAGE = Path(__file__).resolve().parent
FORMAT_VERSION = 4  # 2: the neighbour table is stored; 3: every table is stored as columns, read in place; 4: entity facts
_MAGIC = b'{"format": "resolver-index"'
MAX_HEADER = 4096
_READ_WHOLE = 20_000  # searchable forms up to which a loaded index is read into plain objects
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024 * 1024  # a header that claims more is not believed
_ALIGN = 8
_Bytes: TypeAlias = "array[int] | array[float] | bytes | memoryview"  # a section as written
_Column: TypeAlias = "array[int] | memoryview"  # a section as read: numbers, or the bytes of a blob
#: The binary sections of a format-3 payload, in file order, with the type of their items
#: (``array`` type codes; "B": bytes). ``X_offsets`` are the string offsets of the blob ``X``.
SECTIONS: tuple[tuple[str, Literal["B", "I", "i", "Q", "d"]], ...] = (
    ("alias_entity", "I"), ("alias_flags", "B"), ("alias_family", "i"), ("alias_sizes", "I"),
    ("alias_texts_offsets", "I"), ("alias_texts", "B"), ("alias_keys_offsets", "I"), ("alias_keys", "B"),
    ("alias_cased_offsets", "I"), ("alias_cased", "B"),
    ("exact_keys_offsets", "I"), ("exact_keys", "B"), ("exact_hashes", "Q"), ("exact_offsets", "I"), ("exact_items", "I"),
    ("parts_offsets", "I"), ("parts", "B"), ("part_hashes", "Q"), ("posting_offsets", "I"), ("posting_items", "I"),
    ("neighbours", "Q"),
    ("entity_ids", "B"), ("entities_offsets", "I"), ("entities", "B"),
    ("entity_names_offsets", "I"), ("entity_names", "B"), ("entity_types", "I"), ("entity_countries", "I"), ("entity_priors", "d"),
)  # fmt: skip


def _version() -> str:
    from . import __version__

    return __version__


def is_index_file(path: str | Path) -> bool:
    """True when ``path`` is a file that starts like a compiled index."""
    p = Path(path)
    if not p.is_file():
        return False
    try:
        with p.open("rb") as fh:
            return fh.read(len(_MAGIC)) == _MAGIC
    except OSError:
        return False


def _rules_payload(rules: RuleSet) -> dict[str, Any]:
    return {
        "patterns": [[p.name, p.source, p.target, p.where, p.example] for p in rules.patterns],
        "collapse_double_letters": rules.collapse_double_letters,
        "titles": [list(t) for t in rules.titles],
        "name_classes": [[c.canonical, list(c.variants), c.origin] for c in rules.name_classes],
        "org_classes": [[c.canonical, list(c.variants), c.origin] for c in rules.org_classes],
        "acronym_skip_words": sorted(rules.acronym_skip_words),
        "common_words": sorted(rules.common_words),
        "legal_forms": sorted(rules.legal_forms),
        "script_map": [list(x) for x in rules.script_map],
        "sources": list(rules.sources),
    }


def _rules_from(data: dict[str, Any]) -> RuleSet:
    return RuleSet(
        patterns=tuple(Pattern(*p) for p in data["patterns"]),
        collapse_double_letters=bool(data["collapse_double_letters"]),
        titles=tuple((k, f) for k, f in data["titles"]),
        name_classes=tuple(VariantClass(c, tuple(v), o) for c, v, o in data["name_classes"]),
        org_classes=tuple(VariantClass(c, tuple(v), o) for c, v, o in data["org_classes"]),
        acronym_skip_words=frozenset(data["acronym_skip_words"]),
        common_words=frozenset(data["common_words"]),
        legal_forms=frozenset(_strings_list(data.get("legal_forms", []))),  # (an index built before legal forms has none)
        script_map=tuple((c, t) for c, t in data["script_map"]),
        sources=tuple(data["sources"]),
    )


# -- writing -----------------------------------------------------------------------------------------------
def _entity_json(e: Entity) -> str:
    """An entity as the index stores it: ``Entity.to_dict`` less the ID (kept in a column), plus its source."""
    d = e.to_dict()
    del d["id"]
    if e.source is not None:
        d["source"] = e.source
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def _sections(compiled: Compiled) -> tuple[dict[str, Any], dict[str, _Bytes]]:
    """The small parts of an index (JSON) and its binary sections, named as :data:`SECTIONS`."""
    g = compiled.gazetteer
    index = compiled.index if compiled.index is not None else CandidateIndex(compiled.aliases)
    words = compiled.country_words
    if words is None:
        words = country_words(compiled.aliases, g.entities)
    columns, kinds, split = _search_sections(compiled.aliases, index)
    ids = [e.id for e in g.entities]
    columns["entity_ids"] = "\n".join(ids).encode("utf-8")
    columns["entities_offsets"], columns["entities"] = pack_strings(_entity_json(e) for e in g.entities)
    facts = compiled.facts if compiled.facts is not None else EntityFacts.of(g.entities)
    countries = ["", *sorted({c for c in facts.countries if c})]  # 0: none
    number = {c: i for i, c in enumerate(countries)}
    columns["entity_names_offsets"], columns["entity_names"] = pack_strings(facts.names)
    kind = {t: i for i, t in enumerate(g.types)}
    columns["entity_types"] = array("I", [kind[t] for t in facts.types])
    columns["entity_countries"] = array("I", [number[c or ""] for c in facts.countries])
    columns["entity_priors"] = array("d", facts.priors)
    meta = {
        "gazetteer": {"name": g.name, "version": g.version, "types": list(g.types), "source": g.source,
                      "redirects": dict(g.redirects), "entities": len(ids)},
        "rules": _rules_payload(compiled.normalizer.rules),
        "normalizer": compiled.normalizer.compiled_tables(),
        "acronym_collisions": [[p.message, p.file] for p in compiled.acronym_collisions],
        "country_words": dict(words),
        "alias_kinds": kinds,
        "split_aliases": split,
        "countries": countries,
    }  # fmt: skip
    return meta, columns


def _search_sections(aliases: Sequence[AliasRecord], index: CandidateIndex) -> tuple[dict[str, _Bytes], list[str], list[list[object]]]:
    """The sections of the searchable forms and of the candidate index (see `_sections`), the alias
    kinds and the aliases kept apart (see `pack_aliases`)."""
    # (forms and tables already held as columns, a loaded or compacted index's, are taken as they are)
    packed, kinds, split = aliases.packed() if isinstance(aliases, AliasColumns) else pack_aliases(aliases)
    columns: dict[str, _Bytes] = {**packed}
    columns.update(_table_sections(index.exact, None, ("exact_keys", "exact_hashes", "exact_offsets", "exact_items")))
    columns.update(_table_sections(index.postings, index.parts, ("parts", "part_hashes", "posting_offsets", "posting_items")))
    columns["neighbours"] = index.neighbours if isinstance(index.neighbours, array) else array("Q", index.neighbours)
    return columns, kinds, split


def _table_sections(table: Mapping[str, Sequence[int]], keys: Sequence[str] | None, names: tuple[str, str, str, str]) -> dict[str, _Bytes]:
    """The sections of a look-up table, named ``names`` (keys, hashes, offsets, items), its keys in the
    order of ``keys`` (None: its own)."""
    held = table.packed() if isinstance(table, HashedTable) else None
    if held is not None:
        (key_offsets, key_blob), numbers = held[0].buffers, cast(tuple[_Bytes, _Bytes, _Bytes], held[1])  # (arrays or views)
    else:
        keys = list(table) if keys is None else keys
        (key_offsets, key_blob), numbers = pack_strings(keys), pack_table(table, keys)
    strings, hashes, offsets, items = names
    return {strings + "_offsets": cast(_Bytes, key_offsets), strings: key_blob, hashes: numbers[0], offsets: numbers[1], items: numbers[2]}


def compact(compiled: Compiled) -> Compiled:
    """``compiled`` (with its candidate index) with its searchable forms and look-up tables moved into
    the columns an index file holds, in memory: a few arrays and blobs instead of a million objects
    and dicts. A gazetteer of hundreds of thousands of entities then holds half the memory, and
    `resolve_many` over it is a fifth faster (`CandidateIndex.lookup_many` reads strings decoded
    afresh from one blob, not objects strewn over the heap). The entities stay as they are."""
    assert compiled.index is not None
    written, kinds, split = _search_sections(compiled.aliases, compiled.index)
    columns = {name: memoryview(data) if isinstance(data, bytes) else data for name, data in written.items()}
    aliases = _aliases_from(cast(dict[str, _Column], columns), kinds, split, len(compiled.gazetteer.entities))  # (no floats among them)
    return replace(compiled, aliases=aliases, index=_index_from(cast(dict[str, _Column], columns), aliases))


def _little_endian(data: _Bytes) -> memoryview:
    if isinstance(data, array) and sys.byteorder != "little":
        data = array(data.typecode, data)
        data.byteswap()
    return memoryview(data).cast("B")


def _padding(size: int) -> bytes:
    return b"\0" * (-size % _ALIGN)


def save_index(
    compiled: Compiled, path: str | Path, *, source_checksum: str = "", source_stamp: str = "", source_rules: str = ""
) -> None:
    """Write ``compiled`` as an index file, atomically (a temporary file in the same folder, then rename).
    ``source_checksum``, ``source_stamp`` and ``source_rules`` (see `resolver.importers.build_index`)
    go in its header."""
    try:
        meta, columns = _sections(compiled)
    except OverflowError:
        raise ResolverError(f"{path}: too large for an index (a table would pass 4 GiB)") from None
    chunks: list[_Bytes] = []
    directory: dict[str, list[int]] = {}
    offset = 0
    for name, _typecode in SECTIONS:
        data = _little_endian(columns[name])
        directory[name] = [offset, data.nbytes]
        chunks += [data, _padding(data.nbytes)]
        offset += data.nbytes + len(chunks[-1])
    meta["sections"] = directory
    head = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    chunks[:0] = [len(head).to_bytes(8, "little"), head, _padding(8 + len(head))]
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    size = sum(memoryview(c).nbytes for c in chunks)
    if size > MAX_PAYLOAD_BYTES:
        raise ResolverError(f"{path}: an index holds at most {MAX_PAYLOAD_BYTES} bytes, this one would take {size}")
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "resolver_version": _version(),
        "source_checksum": source_checksum,
        "source_stamp": source_stamp,
        "source_rules": source_rules,
        "payload_sha256": digest.hexdigest(),
        "payload_bytes": size,
        "entities": len(compiled.gazetteer.entities),
    }
    from .textio import atomic_write

    with atomic_write(path) as fh:
        fh.write(json.dumps(header).encode("ascii") + b"\n")
        for chunk in chunks:
            fh.write(chunk)


# -- reading ---------------------------------------------------------------------------------------------
def read_header(path: str | Path) -> dict[str, Any]:
    """The header of an index file, checked for format and version."""
    label = str(path)
    try:
        with Path(path).open("rb") as fh:
            line = fh.readline(MAX_HEADER)
    except OSError as exc:
        raise GazetteerError(Problem(f"cannot read index: {exc.strerror or exc}", label)) from None
    try:
        header = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise GazetteerError(Problem("not a resolver index (bad header)", label, 1)) from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise GazetteerError(Problem("not a resolver index (unknown format)", label, 1))
    if header.get("format_version") != FORMAT_VERSION:
        raise GazetteerError(
            Problem(f"index format version {header.get('format_version')!r} is not {FORMAT_VERSION}: rebuild it with "
                    "'resolver gazetteer build'", label, 1)
        )  # fmt: skip
    size, digest = header.get("payload_bytes"), header.get("payload_sha256")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_PAYLOAD_BYTES or not isinstance(digest, str):
        raise GazetteerError(Problem("not a resolver index (bad payload_bytes or payload_sha256 in the header)", label, 1))
    return header


def _damaged(label: str) -> GazetteerError:
    return GazetteerError(Problem("index is truncated or corrupted (checksum mismatch): rebuild it", label, 2))


def load_index(path: str | Path) -> Compiled:
    """Load a compiled index; raises :class:`GazetteerError` if it is truncated, corrupted or of another version.

    The file is read in one piece and its checksum checked; its sections then stay bytes, read
    through the views of :mod:`resolver.columns` (an entity's JSON is parsed on first use).
    """
    label = str(path)
    header = read_header(path)
    expected = header["payload_bytes"]
    try:
        with Path(path).open("rb") as fh:
            start = len(fh.readline(MAX_HEADER))
            if os.fstat(fh.fileno()).st_size - start != expected:
                raise _damaged(label)
            payload = fh.read(expected + 1)
    except OSError as exc:
        raise GazetteerError(Problem(f"cannot read index: {exc.strerror or exc}", label)) from None
    if len(payload) != expected or hashlib.sha256(payload).hexdigest() != header["payload_sha256"]:
        raise _damaged(label)
    try:
        meta, base = _meta(memoryview(payload))
        return _compiled_from(meta, _columns(memoryview(payload)[base:], meta), label)
    except GazetteerError as exc:
        raise GazetteerError([Problem(f"index content is malformed: {p.message}", label, 2, p.entry) for p in exc.problems]) from None
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError, MemoryError) as exc:
        raise GazetteerError(Problem(f"index content is malformed ({type(exc).__name__}): rebuild it", label, 2)) from None


def _meta(payload: memoryview) -> tuple[dict[str, Any], int]:
    """The JSON part of a payload, and where its binary sections start."""
    size = int.from_bytes(payload[:8], "little")
    if len(payload) < 8 or size > len(payload) - 8:
        raise ValueError("no JSON part")
    meta = json.loads(str(payload[8 : 8 + size], "utf-8", "surrogatepass"))
    if not isinstance(meta, dict):
        raise TypeError("the JSON part is not an object")
    return meta, 8 + size + len(_padding(8 + size))


def index_source(path: str | Path) -> str | None:
    """The gazetteer path recorded in an index (read from its JSON part alone: the rest is not checked)."""
    label = str(path)
    header = read_header(path)
    try:
        with Path(path).open("rb") as fh:
            fh.readline(MAX_HEADER)
            size = int.from_bytes(fh.read(8), "little")
            head = fh.read(min(size, header["payload_bytes"]))
        source = json.loads(head.decode("utf-8", "surrogatepass"))["gazetteer"]["source"]
    except OSError as exc:
        raise GazetteerError(Problem(f"cannot read index: {exc.strerror or exc}", label)) from None
    except (ValueError, KeyError, TypeError, RecursionError, MemoryError):
        raise GazetteerError(Problem("index content is malformed: rebuild it", label, 2)) from None
    return source if isinstance(source, str) and source else None


def _columns(data: memoryview, meta: dict[str, Any]) -> dict[str, _Column]:
    """Each section of :data:`SECTIONS` as a view of ``data`` (numbers in this machine's byte order)."""
    directory = meta["sections"]
    out: dict[str, _Column] = {}
    for name, typecode in SECTIONS:
        offset, size = directory[name]
        if not (isinstance(offset, int) and isinstance(size, int) and 0 <= offset <= offset + size <= len(data)):
            raise ValueError(f"section {name} lies outside the file")
        raw = data[offset : offset + size]
        if typecode == "B":
            out[name] = raw
        elif sys.byteorder == "little":
            out[name] = cast(memoryview, raw.cast(typecode))  # a ValueError when the size is not a whole number of items
        else:
            numbers = array(typecode, raw.tobytes())
            numbers.byteswap()
            out[name] = numbers
    return out


def _strings(columns: Mapping[str, _Column], name: str, count: int | None = None) -> StringColumn:
    offsets, blob = columns[name + "_offsets"], columns[name]
    if not offsets or offsets[0] != 0 or offsets[-1] != len(blob) or (count is not None and len(offsets) != count + 1):
        raise ValueError(f"section {name} does not fit its offsets")
    return StringColumn(offsets, blob)


def _table(keys: StringColumn, hashes: Sequence[int], offsets: Sequence[int], items: Sequence[int], bound: int) -> HashedTable:
    if len(hashes) != len(keys) or len(offsets) != len(keys) + 1 or offsets[0] != 0 or offsets[-1] != len(items):
        raise ValueError("a hashed table does not fit its keys")
    if items and max(items) >= bound:
        raise ValueError("a hashed table points to no alias")
    return HashedTable(keys, hashes, offsets, items)


def _strings_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of strings")
    return tuple(value)


def _text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _entity(entity_id: str, d: Any, types: tuple[str, ...]) -> Entity:
    """An entity as an index stores it (written by :func:`_entity_json`): its shape is checked, not
    re-validated field by field like a hand-edited gazetteer (the index was validated when built)."""
    if not isinstance(d, dict) or not ID_PATTERN.fullmatch(entity_id):
        raise TypeError("malformed entity")
    if d.get("type") not in types or not isinstance(d.get("name"), str):
        raise TypeError("malformed entity")
    roles = d.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(r, dict) and isinstance(r.get("title"), str) for r in roles):
        raise TypeError("malformed roles")
    ext = d.get("external_ids", {})
    if not isinstance(ext, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in ext.items()):
        raise TypeError("malformed external ids")
    prior = d.get("prior", 0.5)
    if isinstance(prior, bool) or not isinstance(prior, int | float):
        raise TypeError("malformed prior")
    return Entity(
        id=entity_id, type=d["type"], name=d["name"],
        aliases=_strings_list(d.get("aliases", [])), weak_aliases=_strings_list(d.get("weak_aliases", [])),
        family_name=_text(d.get("family_name")), description=_text(d.get("description")), country=_text(d.get("country")),
        tags=_strings_list(d.get("tags", [])), related=_strings_list(d.get("related", [])),
        namesakes=_strings_list(d.get("namesakes", [])),
        roles=tuple(Role(_text(r["title"]) or "", _text(r.get("org")), _text(r.get("start")), _text(r.get("end"))) for r in roles),
        external_ids=tuple(sorted(ext.items())), prior=float(prior), source=_text(d.get("source")),
    )  # fmt: skip


def _entity_parser(types: tuple[str, ...], label: str) -> Callable[[str, str], Entity]:
    """Parses one entity of the index ``label`` on first use; a malformed one is a :class:`GazetteerError` then."""

    def parse(entity_id: str, text: str) -> Entity:
        try:
            return _entity(entity_id, json.loads(text), types)
        except (ValueError, KeyError, TypeError, RecursionError, MemoryError) as exc:
            raise GazetteerError(
                Problem(f"index content is malformed ({type(exc).__name__} in an entity): rebuild it", label, 2, entity_id)
            ) from None

    return parse


def _facts(columns: dict[str, _Column], meta: dict[str, Any], ids: list[str], types: tuple[str, ...]) -> EntityFacts:
    """The entity facts of an index, checked: one of each per entity, each type and country one of those named."""
    kinds, where, priors = columns["entity_types"], columns["entity_countries"], columns["entity_priors"]
    countries = [c or None for c in _strings_list(meta["countries"])]
    if not len(kinds) == len(where) == len(priors) == len(ids):
        raise ValueError("entity facts of different lengths")
    if ids and (max(kinds) >= len(types) or max(where) >= len(countries) or not all(0.0 <= p <= 1.0 for p in priors)):
        raise ValueError("an entity's type, country or prior is out of range")
    names = _strings(columns, "entity_names", len(ids))
    return EntityFacts(ids, names, [types[k] for k in kinds], [countries[c] for c in where], cast(Sequence[float], priors))


def _compiled_from(meta: dict[str, Any], columns: dict[str, _Column], label: str) -> Compiled:
    """A compiled gazetteer over the sections of an index: their sizes and the numbers that point
    elsewhere (entities, aliases, kinds, family names) are checked here, so no lookup fails later."""
    rules = _rules_from(meta["rules"])
    normalizer = Normalizer(rules, compiled=meta["normalizer"])
    g = meta["gazetteer"]
    types = tuple(_strings_list(g["types"]))
    n_entities = g["entities"]
    ids = str(columns["entity_ids"], "utf-8").split("\n") if n_entities else []
    if len(ids) != n_entities or len(set(ids)) != len(ids):
        raise ValueError("duplicate or missing entity ids")
    entities = EntityColumn(ids, _strings(columns, "entities", len(ids)), _entity_parser(types, label))
    facts = _facts(columns, meta, ids, types)
    gazetteer = Gazetteer(entities, dict(g["redirects"]), g["name"], g["version"], types, g["source"] or label)

    words = meta["country_words"]
    if not isinstance(words, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in words.items()):
        raise TypeError("malformed country words")
    collisions = tuple(Problem(m, f) for m, f in meta["acronym_collisions"])
    aliases = _aliases_from(columns, _strings_list(meta["alias_kinds"]), meta["split_aliases"], len(ids))
    if len(aliases) <= _READ_WHOLE:
        # a small index (the embedded gazetteer's) is read into plain objects and dicts: that takes a
        # few milliseconds, and every later look-up is then a dict's, not a view's
        records = tuple(aliases)
        index = CandidateIndex(records, tables=CandidateIndex.build(records, neighbours=columns["neighbours"]))
        return Compiled(replace(gazetteer, entities=tuple(entities)), normalizer, records, collisions, index, words, facts)
    return Compiled(gazetteer, normalizer, aliases, collisions, _index_from(columns, aliases), words, facts)


def _aliases_from(columns: Mapping[str, _Column], kinds: Sequence[str], split_aliases: Any, n_entities: int) -> AliasColumns:
    """The searchable forms over their sections, checked to point at entities, kinds and parts that exist."""
    entity, flags, family, sizes = (columns[f"alias_{name}"] for name in ("entity", "flags", "family", "sizes"))
    n = len(entity)
    if not len(flags) == len(family) == len(sizes) == n:
        raise ValueError("alias columns of different lengths")
    if n and (max(entity) >= n_entities or max(flags) >> 1 >= len(kinds) or min(family) < -1 or any(map(ge, family, sizes))):
        raise ValueError("an alias points to no entity, kind or part")
    split = {int(i): (_strings_list(tokens), _strings_list(cased)) for i, tokens, cased in split_aliases}
    return AliasColumns(entity, flags, family, sizes, _strings(columns, "alias_texts", n), _strings(columns, "alias_keys", n),
                        _strings(columns, "alias_cased", n), kinds, split)  # fmt: skip


def _index_from(columns: Mapping[str, _Column], aliases: AliasColumns) -> CandidateIndex:
    """The candidate index over its sections."""
    n = len(aliases)
    exact = _table(_strings(columns, "exact_keys"), columns["exact_hashes"], columns["exact_offsets"], columns["exact_items"], n)
    parts = _strings(columns, "parts")
    postings = _table(parts, columns["part_hashes"], columns["posting_offsets"], columns["posting_items"], n)
    return CandidateIndex(aliases, tables=Tables(exact, postings, parts, postings.lists, columns["neighbours"], aliases.sizes,
                                                 aliases.keys))  # fmt: skip


# -- the cache of the embedded default gazetteer -------------------------------------------------------
def _files(folder: Any) -> Iterable[Any]:
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.is_dir():
            yield from _files(item)
        elif item.name.endswith((".toml", ".txt", ".jsonl", ".json")):
            yield item


def source_checksum(*folders: Any) -> str:
    """SHA-256 over the resolver's version and code and the names and bytes of every data file under ``folders``."""
    h = hashlib.sha256(_version().encode())
    for f in sorted(_PACKAGE.glob("*.py")):
        h.update(f.read_bytes())
    for folder in folders:
        for f in _files(folder):
            h.update(f.name.encode() + b"\0")
            h.update(f.read_bytes())
    return h.hexdigest()


def stat_key(*folders: Any, files: Iterable[Path] = ()) -> str:
    """A cheap key of what an index is made from: the version, and the name, size and modification
    time of every code file, every data file under ``folders`` and ``files`` (no file is read: the
    cache of the embedded gazetteer is checked so at start-up, a built index's source so on use)."""
    h = hashlib.sha256(_version().encode())
    for f in [*sorted(_PACKAGE.glob("*.py")), *(p for folder in folders for p in _files(folder)), *files]:
        st = f.stat()
        h.update(f"{f}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _cache_dir() -> Path | None:
    env = os.environ.get("RESOLVER_CACHE_DIR")
    if env is not None:
        return None if env.lower() in ("", "off", "0", "none") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "resolver"


def load_default() -> Compiled:
    """The embedded gazetteer with the built-in rules, from the cache when its checksum is current."""
    gaz_dir = default_gazetteer_dir()
    cache = _cache_dir()
    key = stat_key(Path(str(gaz_dir)), RULES_DIR)
    target = cache / f"default-{key[:24]}.rindex" if cache else None
    if target is not None and target.is_file():
        try:
            return load_index(target)
        except GazetteerError:
            pass  # a damaged cache is rebuilt below
    compiled = compile_gazetteer(load_gazetteer(gaz_dir), default_normalizer())
    compiled = replace(compiled, index=CandidateIndex(compiled.aliases))  # built once: saved, then used
    if target is not None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            save_index(compiled, target, source_checksum=source_checksum(gaz_dir, RULES_DIR))
            for old in target.parent.glob("default-*.rindex"):
                if old != target:
                    old.unlink(missing_ok=True)  # caches of other versions of the sources
        except (OSError, ResolverError):
            pass  # a read-only home only costs start-up time
    return compiled


__all__ += ["default_rules", "read_header"]
