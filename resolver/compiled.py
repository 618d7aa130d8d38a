"""Compiled index files: a gazetteer and its rules, normalized once, stored as checksummed JSON.

Layout: line 1 is a JSON header (``format``, ``format_version``, ``resolver_version``,
``source_checksum``, ``payload_sha256``, ``payload_bytes``); the rest is the JSON payload.
Loading checks the format, its version and the payload's SHA-256 before parsing, so a truncated,
corrupted or foreign file is refused with a clear error; it never runs code (JSON only).

The embedded default gazetteer is compiled on first use into a cache file keyed by the checksum
of its sources and rule tables (``$RESOLVER_CACHE_DIR``, else ``$XDG_CACHE_HOME/resolver``, else
``~/.cache/resolver``; ``RESOLVER_CACHE_DIR=off`` disables it), so later starts skip the parsing.
"""

from __future__ import annotations

__all__ = ["FORMAT", "FORMAT_VERSION", "is_index_file", "load_default", "load_index", "save_index", "source_checksum"]

import base64
import hashlib
import json
import os
import sys
from array import array
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .aliases import Compiled, compile_gazetteer
from .candidates import AliasRecord, CandidateIndex
from .errors import GazetteerError, Problem, ResolverError
from .gazetteer import ID_PATTERN, Gazetteer, default_gazetteer_dir, load_gazetteer
from .model import Entity, Role
from .normalize import Normalizer, default_normalizer
from .rules import RULES_DIR, Pattern, RuleSet, VariantClass, default_rules

FORMAT = "resolver-index"
_PACKAGE = Path(__file__).resolve().parent
FORMAT_VERSION = 2  # 2: the candidate index's neighbour table is stored
_MAGIC = b'{"format": "resolver-index"'
MAX_HEADER = 4096
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024 * 1024  # a header that claims more is not believed


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
        script_map=tuple((c, t) for c, t in data["script_map"]),
        sources=tuple(data["sources"]),
    )


def _payload(compiled: Compiled) -> dict[str, Any]:
    g = compiled.gazetteer
    return {
        "gazetteer": {"name": g.name, "version": g.version, "types": list(g.types), "source": g.source,
                      "redirects": dict(g.redirects)},
        "entities": [e.to_dict() for e in g.entities],
        "entity_sources": [e.source for e in g.entities],
        "rules": _rules_payload(compiled.normalizer.rules),
        "normalizer": compiled.normalizer.compiled_tables(),
        "aliases": [[a.entity, a.text, a.kind, list(a.tokens), list(a.cased), a.case_sensitive, a.family_index]
                    for a in compiled.aliases],
        "acronym_collisions": [[p.message, p.file] for p in compiled.acronym_collisions],
        "neighbours": _packed(compiled.neighbours if compiled.neighbours is not None
                              else CandidateIndex(compiled.aliases).neighbours),
    }  # fmt: skip


def _packed(table: array[int]) -> str:
    """The neighbour table as base64 of its 8-byte keys, little-endian (JSON has no bytes)."""
    if sys.byteorder != "little":
        table = array("Q", table)
        table.byteswap()
    return base64.b64encode(table.tobytes()).decode("ascii")


def _unpacked(text: Any) -> array[int]:
    if not isinstance(text, str):
        raise TypeError("malformed neighbour table")
    raw = base64.b64decode(text, validate=True)
    if len(raw) % 8:
        raise ValueError("malformed neighbour table")
    table = array("Q")
    table.frombytes(raw)
    if sys.byteorder != "little":
        table.byteswap()
    return table


def save_index(compiled: Compiled, path: str | Path, *, source_checksum: str = "") -> None:
    """Write ``compiled`` as an index file, atomically (a temporary file in the same folder, then rename)."""
    payload = json.dumps(_payload(compiled), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "resolver_version": _version(),
        "source_checksum": source_checksum,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "payload_bytes": len(payload),
        "entities": len(compiled.gazetteer.entities),
    }
    from .textio import atomic_write

    with atomic_write(path) as fh:
        fh.write(json.dumps(header).encode("ascii") + b"\n")
        fh.write(payload)


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


def load_index(path: str | Path) -> Compiled:
    """Load a compiled index; raises :class:`GazetteerError` if it is truncated, corrupted or of another version."""
    label = str(path)
    header = read_header(path)
    expected = header["payload_bytes"]
    try:
        with Path(path).open("rb") as fh:
            start = len(fh.readline(MAX_HEADER))
            size = os.fstat(fh.fileno()).st_size - start
            if size != expected:
                raise GazetteerError(Problem("index is truncated or corrupted (checksum mismatch): rebuild it", label, 2))
            payload = fh.read(expected + 1)
    except OSError as exc:
        raise GazetteerError(Problem(f"cannot read index: {exc.strerror or exc}", label)) from None
    if len(payload) != expected or hashlib.sha256(payload).hexdigest() != header["payload_sha256"]:
        raise GazetteerError(Problem("index is truncated or corrupted (checksum mismatch): rebuild it", label, 2))
    try:
        data = json.loads(payload)
        if not isinstance(data, dict):
            raise TypeError("payload is not an object")
        return _compiled_from(data, label)
    except GazetteerError as exc:
        raise GazetteerError([Problem(f"index content is malformed: {p.message}", label, 2, p.entry) for p in exc.problems]) from None
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError, MemoryError) as exc:
        raise GazetteerError(Problem(f"index content is malformed ({type(exc).__name__}): rebuild it", label, 2)) from None


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of strings")
    return tuple(value)


def _text(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _entity(d: Any, source: Any, types: tuple[str, ...]) -> Entity:
    """An entity as an index stores it (written by ``Entity.to_dict``): its shape is checked, not
    re-validated field by field like a hand-edited gazetteer (the index was validated when built)."""
    if not isinstance(d, dict) or not isinstance(d.get("id"), str) or not ID_PATTERN.fullmatch(d["id"]):
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
        id=d["id"], type=d["type"], name=d["name"],
        aliases=_strings(d.get("aliases", [])), weak_aliases=_strings(d.get("weak_aliases", [])),
        family_name=_text(d.get("family_name")), description=_text(d.get("description")), country=_text(d.get("country")),
        tags=_strings(d.get("tags", [])), related=_strings(d.get("related", [])), namesakes=_strings(d.get("namesakes", [])),
        roles=tuple(Role(_text(r["title"]) or "", _text(r.get("org")), _text(r.get("start")), _text(r.get("end"))) for r in roles),
        external_ids=tuple(sorted(ext.items())), prior=float(prior), source=_text(source),
    )  # fmt: skip


def _compiled_from(data: dict[str, Any], label: str) -> Compiled:
    rules = _rules_from(data["rules"])
    normalizer = Normalizer(rules, compiled=data["normalizer"])
    g = data["gazetteer"]
    raw = data["entities"]
    sources = data.get("entity_sources") or [None] * len(raw)
    if len(sources) != len(raw):
        raise ValueError("entity sources do not match the entities")
    entities = tuple(_entity(d, src, tuple(g["types"])) for d, src in zip(raw, sources, strict=True))
    if len({e.id for e in entities}) != len(entities):
        raise ValueError("duplicate entity ids")
    gazetteer = Gazetteer(entities, dict(g["redirects"]), g["name"], g["version"], tuple(g["types"]), g["source"] or label)
    aliases = tuple(
        AliasRecord(int(e), str(t), str(k), tuple(tok), tuple(cased), bool(cs), fam if fam is None else int(fam))
        for e, t, k, tok, cased, cs, fam in data["aliases"]
    )
    if any(not 0 <= a.entity < len(gazetteer.entities) for a in aliases):
        raise ValueError("alias points to no entity")
    collisions = tuple(Problem(m, f) for m, f in data["acronym_collisions"])
    return Compiled(gazetteer, normalizer, aliases, collisions, _unpacked(data["neighbours"]))


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


def _stat_key(*folders: Path) -> str:
    """A cheap key for the cache of the embedded gazetteer: the version, and the name, size and
    modification time of every code and data file (a start-up reads no file to check freshness)."""
    h = hashlib.sha256(_version().encode())
    for f in [*sorted(_PACKAGE.glob("*.py")), *(p for folder in folders for p in _files(folder))]:
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
    key = _stat_key(Path(str(gaz_dir)), RULES_DIR)
    target = cache / f"default-{key[:24]}.rindex" if cache else None
    if target is not None and target.is_file():
        try:
            return load_index(target)
        except GazetteerError:
            pass  # a damaged cache is rebuilt below
    compiled = compile_gazetteer(load_gazetteer(gaz_dir), default_normalizer())
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
