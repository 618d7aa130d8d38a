"""Gazetteers: canonical entities with stable IDs, loaded from hand-edited TOML, JSON Lines or records.

Formats
-------
* the project's format: a folder with ``gazetteer.toml`` (name, version, types), ``entities/<id>.toml``
  (one entity per file) and ``redirects.toml`` (retired ID -> successor);
* JSON Lines: one entity object per line, same fields;
* records: an iterable of dicts with at least ``id``, ``name``, ``type`` and ``aliases``.

Loading never runs code (TOML and JSON only), and every problem found is reported at once, each
with its file, line and entry: see :func:`validate_path`.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_TYPES",
    "ENTITY_FIELDS",
    "ID_PATTERN",
    "Gazetteer",
    "default_gazetteer_dir",
    "gazetteer_from_records",
    "load_gazetteer",
    "validate_path",
]

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import GazetteerError, InputError, Problem
from .model import Entity, Role
from .textio import parse_toml, read_limited

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DEFAULT_TYPES = ("person", "organization", "location")
ENTITY_FIELDS = frozenset(
    {
        "id", "type", "name", "aliases", "weak_aliases", "family_name", "description", "country",
        "tags", "related", "namesakes", "prior", "roles", "external_ids",
    }
)  # fmt: skip
ROLE_FIELDS = frozenset({"title", "org", "start", "end"})
MANIFEST_FIELDS = frozenset({"name", "version", "description", "types"})
#: Size caps, checked before parsing so that a huge (or sparse) file is refused at once. JSON Lines
#: files are read one line at a time and have no total cap; a whole-document JSON or TOML file
#: (parsed at once, about 30 times its size in memory) has ``MAX_FILE_BYTES``.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024
MAX_ENTITY_FILE_BYTES = 1024 * 1024  # one entities/<id>.toml file
#: Loading stops after this many problems (a file of garbage would otherwise list one per line).
MAX_PROBLEMS = 1000
_WORD = re.compile(r"\w+")
_ENTITY_HEADER = re.compile(r"^\s*\[\[\s*entity\s*\]\]")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Gazetteer:
    """Entities plus redirects. Look entities up with :meth:`get`, which follows redirects.

    ``entities`` is a tuple, or the lazy view of a loaded index file (:class:`~resolver.columns.EntityColumn`).
    """

    entities: Sequence[Entity]
    redirects: Mapping[str, str] = field(default_factory=dict)
    name: str = "gazetteer"
    version: str = ""
    types: tuple[str, ...] = DEFAULT_TYPES
    source: str | None = None

    def __len__(self) -> int:
        return len(self.entities)

    def __iter__(self) -> Iterator[Entity]:
        return iter(self.entities)

    @cached_property
    def _numbers(self) -> dict[str, int]:
        """Entity ID -> place in ``entities``, made on first use (from the IDs alone where a lazy view has them)."""
        ids = getattr(self.entities, "ids", None)
        return {entity_id: i for i, entity_id in enumerate(ids if ids is not None else (e.id for e in self.entities))}

    def canonical_id(self, entity_id: str) -> str | None:
        """The current ID for ``entity_id``: itself, or where its redirects lead; None if unknown."""
        numbers = self._numbers
        seen = set()
        while entity_id not in numbers:
            if entity_id in seen or entity_id not in self.redirects:
                return None
            seen.add(entity_id)
            entity_id = self.redirects[entity_id]
        return entity_id

    def get(self, entity_id: str) -> Entity | None:
        """The entity with this ID, following redirects of retired and merged IDs."""
        current = self.canonical_id(entity_id)
        return None if current is None else self.entities[self._numbers[current]]


# -- parsing ---------------------------------------------------------------------------------------
class _Source:
    """Where a record came from, to point problems at a file and a line.

    ``lines`` are the lines of a TOML file (shared by the entries of a one-file gazetteer), split at
    line feeds as TOML splits them (a string may hold U+2028, which ``str.splitlines`` would also
    split at), and ``first`` the line where this entry starts, so that a problem names the line of
    the key at fault.
    """

    def __init__(self, file: str | None, lines: list[str] | None = None, line: int | None = None, first: int = 1) -> None:
        self.file = file
        self.lines = lines
        self.line = line
        self.first = first

    def line_of(self, key: str, value: str | None = None) -> int | None:
        if self.line is not None or self.lines is None:
            return self.line
        for i in range(self.first - 1, len(self.lines)):
            line = self.lines[i]
            stripped = line.lstrip()
            i += 1
            if value is not None and value in line:
                return i
            if value is None and (stripped.startswith(key + " ") or stripped.startswith(key + "=")):
                return i
        return None

    def problem(self, message: str, entry: str | None, key: str = "", value: str | None = None) -> Problem:
        return Problem(message, self.file, self.line_of(key, value) if key or value else self.line, entry)


def _strings(value: Any, what: str, src: _Source, entry: str, problems: list[Problem]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(src.problem(f"'{what}' must be a list of strings", entry, what))
        return ()
    out = []
    for v in value:
        if not v.strip():
            problems.append(src.problem(f"empty string in '{what}'", entry, what))
        else:
            out.append(v.strip())
    return tuple(out)


_PLAIN_FIELDS = frozenset({"id", "type", "name", "aliases", "country", "external_ids"})


def _plain_entity(data: dict[str, Any], src: _Source, types: tuple[str, ...]) -> Entity | None:
    """The entity of a record with only an id, a type, a name, aliases, a country and external IDs,
    all valid (the records of an imported source: GeoNames, CSV), checked in one go; None for
    anything else, which `_entity` then checks field by field. A law (tests/test_gazetteer.py) shows
    that both make the same entity."""
    if not data.keys() <= _PLAIN_FIELDS:
        return None
    raw_id, etype, name, aliases = data.get("id"), data.get("type"), data.get("name"), data.get("aliases")
    country, ext = data.get("country"), data.get("external_ids")
    if aliases is None:
        aliases = []
    if ext is None:
        ext = {}
    if not (type(raw_id) is str and type(etype) is str and type(name) is str and etype in types
            and ID_PATTERN.fullmatch(raw_id) and name.strip() and type(aliases) is list
            and (country is None or type(country) is str) and type(ext) is dict
            and all(type(k) is str and type(v) is str for k, v in ext.items())):  # fmt: skip
        return None
    stripped = [a.strip() for a in aliases if type(a) is str]
    if len(stripped) != len(aliases) or not all(stripped):
        return None
    name = name.strip()
    country = country.strip().lower() if country is not None and country.strip() else None
    return Entity(
        id=raw_id, type=etype, name=name, aliases=tuple(dict.fromkeys(a for a in stripped if a != name)),
        country=country, external_ids=tuple(sorted(ext.items())),
        source=src.file if src.line is None else f"{src.file}:{src.line}",
    )  # fmt: skip


def _entity(data: Any, src: _Source, types: tuple[str, ...], problems: list[Problem], index: int) -> Entity | None:
    if type(data) is dict:
        plain = _plain_entity(data, src, types)
        if plain is not None:
            return plain
    if not isinstance(data, dict):
        problems.append(src.problem("an entity must be an object/table", f"#{index}"))
        return None
    raw_id = data.get("id")
    entry = raw_id if isinstance(raw_id, str) and raw_id else f"#{index}"
    start = len(problems)
    for key in sorted(set(data) - ENTITY_FIELDS):
        problems.append(src.problem(f"unknown field '{key}' (known: {', '.join(sorted(ENTITY_FIELDS))})", entry, key))
    if not isinstance(raw_id, str) or not ID_PATTERN.fullmatch(raw_id):
        problems.append(src.problem("malformed id: must be lowercase kebab-case like 'faiz-hameed'", entry, "id"))
    etype = data.get("type")
    if not isinstance(etype, str) or etype not in types:
        problems.append(src.problem(f"unknown type {etype!r} (declared types: {', '.join(types)})", entry, "type"))
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(src.problem("empty or missing name", entry, "name"))
    aliases = _strings(data.get("aliases"), "aliases", src, entry, problems)
    weak = _strings(data.get("weak_aliases"), "weak_aliases", src, entry, problems)
    tags = _strings(data.get("tags"), "tags", src, entry, problems)
    related = _strings(data.get("related"), "related", src, entry, problems)
    namesakes = _strings(data.get("namesakes"), "namesakes", src, entry, problems)
    texts: dict[str, str | None] = {}
    for key in ("family_name", "description", "country"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(src.problem(f"'{key}' must be a string", entry, key))
        texts[key] = value.strip() if isinstance(value, str) and value.strip() else None
    prior = data.get("prior")
    if prior is None:  # (as every optional field: null is as good as absent)
        prior = 0.5
    if isinstance(prior, bool) or not isinstance(prior, (int, float)) or not 0.0 <= float(prior) <= 1.0:
        problems.append(src.problem("'prior' must be a number from 0 to 1", entry, "prior"))
        prior = 0.5
    roles: list[Role] = []
    raw_roles = data.get("roles")
    if raw_roles is None:
        raw_roles = []
    if not isinstance(raw_roles, list):
        problems.append(src.problem("'roles' must be a list of tables", entry, "roles"))
        raw_roles = []
    for r in raw_roles:
        if not isinstance(r, dict) or not isinstance(r.get("title"), str) or not r["title"].strip():
            problems.append(src.problem("each role needs a 'title'", entry, "title"))
            continue
        for key in sorted(set(r) - ROLE_FIELDS):
            problems.append(src.problem(f"unknown role field '{key}'", entry, key))
        for key in ("start", "end"):
            if key in r and not (isinstance(r[key], str) and _DATE.match(r[key])):
                problems.append(src.problem(f"role '{key}' must be YYYY, YYYY-MM or YYYY-MM-DD", entry, key))
        org = r.get("org")
        roles.append(Role(r["title"].strip(), org if isinstance(org, str) else None, r.get("start"), r.get("end")))
    ext = data.get("external_ids")
    if ext is None:
        ext = {}
    if not isinstance(ext, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in ext.items()):
        problems.append(src.problem("'external_ids' must map names to strings", entry, "external_ids"))
        ext = {}
    if len(problems) > start:
        return None
    assert isinstance(raw_id, str) and isinstance(name, str) and isinstance(etype, str)
    name = name.strip()
    return Entity(
        id=raw_id,
        type=etype,
        name=name,
        aliases=tuple(dict.fromkeys(a for a in aliases if a != name)),
        weak_aliases=tuple(dict.fromkeys(weak)),
        family_name=texts["family_name"],
        description=texts["description"],
        country=texts["country"].lower() if texts["country"] else None,
        tags=tags,
        related=related,
        namesakes=namesakes,
        roles=tuple(roles),
        external_ids=tuple(sorted(ext.items())),
        prior=float(prior),
        source=src.file if src.line is None else f"{src.file}:{src.line}",
    )


def _fold(alias: str) -> str:
    """An alias as written, up to Unicode form, case, punctuation and spacing."""
    from .normalize import clean

    return " ".join(_WORD.findall(clean(alias).casefold()))


def _check_links(
    entities: list[Entity],
    redirects: Mapping[str, str],
    src_of: dict[str, _Source],
    redirects_file: str | None = None,
    shared_aliases: bool = True,
) -> list[Problem]:
    problems: list[Problem] = []
    ids = {e.id for e in entities}
    for e in entities:
        src = src_of[e.id]
        for other in e.related:
            if other not in ids:
                problems.append(src.problem(f"related id '{other}' is not in the gazetteer", e.id, value=other))
        for role in e.roles:
            if role.org and role.org not in ids:
                problems.append(src.problem(f"role org '{role.org}' is not in the gazetteer", e.id, value=role.org))
        for other in e.namesakes:
            if other not in ids:
                problems.append(src.problem(f"namesake id '{other}' is not in the gazetteer", e.id, value=other))
    if shared_aliases:
        problems += _shared_aliases(entities, src_of)
    problems += _redirect_problems(redirects, ids, redirects_file)
    return problems


_SHARED_ALIAS = "list each other in 'namesakes' if both are right"  # (how `is_shared_alias` knows one)


def is_shared_alias(problem: Problem) -> bool:
    """True for the problem of an alias shared by two entities that do not list each other as namesakes."""
    return problem.message.endswith(_SHARED_ALIAS)


def _shared_aliases(entities: list[Entity], src_of: dict[str, _Source]) -> list[Problem]:
    """One alias, two entities: allowed only when they name each other as namesakes.

    Each entity that shares a form is reported once, against the first owner it is not linked to, so
    the work stays proportional to the input even when thousands of entities claim one alias.
    """
    problems: list[Problem] = []
    owners: dict[str, list[Entity]] = {}
    for e in entities:
        for form in {_fold(alias) for alias in e.names}:
            if form:
                owners.setdefault(form, []).append(e)
    linked = {e.id: set(e.namesakes) for e in entities}
    for form, owning in sorted(owners.items()):
        for i, b in enumerate(owning[1:], 1):
            for first in owning[:i]:
                if b.id not in linked[first.id] and first.id not in linked[b.id]:
                    problems.append(
                        src_of[b.id].problem(
                            f"alias '{form}' is also claimed by '{first.id}' ({src_of[first.id].file}); {_SHARED_ALIAS}",
                            b.id,
                        )
                    )
                    break
    return problems


def _redirect_problems(redirects: Mapping[str, str], ids: set[str], redirects_file: str | None) -> list[Problem]:
    """Redirects whose source is an entity, that loop, or that lead nowhere; linear in the number of redirects."""
    problems: list[Problem] = []
    ends: dict[str, str] = {}  # redirect source -> "ok" (reaches an entity), "loop" or "nowhere"
    lines = _redirect_lines(redirects_file)
    for old, new in redirects.items():
        if old in ids:
            problems.append(Problem(f"redirect source '{old}' is also an entity id", redirects_file, lines.get(old), old))
        chain = [old]
        on_chain = {old}
        target = new
        while target not in ids and target not in ends and target not in on_chain and target in redirects:
            chain.append(target)
            on_chain.add(target)
            target = redirects[target]
        where = (redirects_file, lines.get(old), old)
        if target in ids:
            end = "ok"
        elif target in ends:
            end = ends[target]
            if end == "loop":
                problems.append(Problem(f"redirect '{old}' -> '{new}' leads into a loop", *where))
        elif target in on_chain:
            end = "loop"
            problems.append(Problem(f"redirects loop: {' -> '.join([*chain, target])}", *where))
        else:
            end = "nowhere"
        if end == "nowhere":
            problems.append(Problem(f"redirect '{old}' -> '{new}' points to no entity", *where))
        for item in chain:
            ends.setdefault(item, end)
    return problems


def _redirect_lines(redirects_file: str | None) -> dict[str, int]:
    """The line of each redirect in ``redirects_file`` (best effort: the line where its key is written)."""
    if not redirects_file:
        return {}
    try:
        text = read_limited(redirects_file, MAX_FILE_BYTES).decode("utf-8-sig", "replace")
    except InputError:
        return {}
    found: dict[str, int] = {}
    for i, line in enumerate(text.split("\n"), 1):  # (TOML ends lines at line feeds only, see `_Source`)
        key = line.split("=", 1)[0].strip().strip("\"'") if "=" in line else ""
        if key:
            found.setdefault(key, i)
    return found


def _read_text(path: Any, label: str, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a data file, at most ``limit`` bytes; :class:`GazetteerError` naming the file otherwise."""
    try:
        data = read_limited(path, limit, label=label)
    except InputError as exc:
        raise GazetteerError(Problem(str(exc).removeprefix(f"{label}: "), label)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise GazetteerError(Problem(f"not UTF-8 (byte {exc.start})", label, line)) from None


def _toml_file(path: Any, label: str, problems: list[Problem], limit: int = MAX_FILE_BYTES) -> tuple[dict[str, Any], str] | None:
    """A TOML file parsed, and its text; None (with the problem recorded) if it cannot be read or parsed."""
    try:
        text = _read_text(path, label, limit)
        return parse_toml(text, label), text
    except GazetteerError as exc:
        problems += exc.problems
    return None


def _collect_dir(folder: Any, label: str) -> tuple[list[tuple[Any, _Source]], dict[str, str], dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    manifest: dict[str, Any] = {}
    man = folder / "gazetteer.toml"
    if man.is_file():
        parsed = _toml_file(man, f"{label}/gazetteer.toml", problems, MAX_ENTITY_FILE_BYTES)
        manifest = parsed[0] if parsed else {}
        for key in sorted(set(manifest) - MANIFEST_FIELDS):
            problems.append(Problem(f"unknown field '{key}'", f"{label}/gazetteer.toml"))
    redirects: dict[str, str] = {}
    red = folder / "redirects.toml"
    if red.is_file():
        parsed = _toml_file(red, f"{label}/redirects.toml", problems)
        redirects = _redirect_table(parsed[0] if parsed else {}, f"{label}/redirects.toml", problems)
    records: list[tuple[Any, _Source]] = []
    ent_dir = folder / "entities"
    try:
        files = sorted((p for p in ent_dir.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name) if ent_dir.is_dir() else []
    except OSError as exc:
        problems.append(Problem(f"cannot list the folder: {exc.strerror or exc}", f"{label}/entities"))
        files = []
    if not files and not problems:
        problems.append(Problem("no entities/*.toml files found", label))
    for p in files:
        if len(problems) >= MAX_PROBLEMS:
            break
        file_label = f"{label}/entities/{p.name}"
        parsed = _toml_file(p, file_label, problems, MAX_ENTITY_FILE_BYTES)
        if parsed is None:
            continue
        data, text = parsed
        src = _Source(file_label, text.split("\n"))
        if isinstance(data.get("id"), str) and data["id"] != p.name[: -len(".toml")]:
            problems.append(src.problem(f"id '{data['id']}' differs from the file name", data["id"], "id"))
        records.append((data, src))
    return records, redirects, manifest, problems


def _redirect_table(data: dict[str, Any], label: str, problems: list[Problem]) -> dict[str, str]:
    """The ``[redirects]`` table of ``data``, checked: old id -> new id, both strings."""
    for key in sorted(set(data) - {"redirects", "entity"}):
        problems.append(Problem(f"unknown field '{key}' (known: redirects)", label, entry=key))
    table = data.get("redirects", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        problems.append(Problem("[redirects] must map old ids to new ids (strings)", label))
        return {}
    return dict(table)


def _json_lines(path: Path, label: str) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of each line of ``path``, reading at most :data:`MAX_LINE_BYTES` per line.

    A line that is longer, or a NUL byte (a binary file, a sparse file), stops the reading at once
    with a :class:`GazetteerError`: no JSON Lines gazetteer has either, and a 2 GB file of zeros must
    not be read to the end to find that out.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise GazetteerError(Problem(f"cannot read: {exc.strerror or exc}", label)) from None
    with handle:
        lineno = 0
        while True:
            try:
                raw = handle.readline(MAX_LINE_BYTES + 1)
            except OSError as exc:
                raise GazetteerError(Problem(f"cannot read: {exc.strerror or exc}", label, lineno + 1)) from None
            if not raw:
                return
            lineno += 1
            nul = raw.find(b"\0")
            if nul >= 0:
                raise GazetteerError(Problem(f"binary file (NUL byte at byte {nul} of the line): not JSON Lines", label, lineno))
            if len(raw) > MAX_LINE_BYTES:
                raise GazetteerError(Problem(f"line longer than {MAX_LINE_BYTES} bytes: stopped reading", label, lineno))
            yield lineno, raw


def _iter_jsonl(path: Path) -> Iterator[tuple[Any, _Source, Problem | None]]:
    label = str(path)
    for lineno, raw in _json_lines(path, label):
        src = _Source(label, line=lineno)
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            yield json.loads(text), src, None
        except UnicodeDecodeError as exc:
            yield None, src, Problem(f"not UTF-8 (byte {exc.start} of the line)", label, lineno)
        except RecursionError:
            yield None, src, Problem("nested too deeply", label, lineno)
        except json.JSONDecodeError as exc:
            yield None, src, Problem(f"invalid JSON: {exc.msg} (column {exc.colno})", label, lineno)
        except (ValueError, MemoryError) as exc:  # an integer of more than 4300 digits...
            yield None, src, Problem(f"invalid JSON: {exc}", label, lineno)


def _build(
    records: Iterable[tuple[Any, _Source]],
    redirects: Mapping[str, str],
    types: tuple[str, ...],
    problems: list[Problem],
    *,
    name: str,
    version: str,
    source: str | None,
    redirects_file: str | None = None,
    shared_aliases: bool = False,
) -> Gazetteer:
    entities: list[Entity] = []
    src_of: dict[str, _Source] = {}
    for i, (data, src) in enumerate(records, 1):
        if len(problems) >= MAX_PROBLEMS:
            problems.append(Problem(f"more than {MAX_PROBLEMS} problems: stopped checking", src.file))
            raise GazetteerError(problems)
        ent = _entity(data, src, types, problems, i)
        if ent is None:
            continue
        if ent.id in src_of:
            first = src_of[ent.id]
            where = (first.file or "<records>") + (f":{first.line}" if first.line else "")
            problems.append(src.problem(f"duplicate id (first defined at {where})", ent.id, "id"))
            continue
        src_of[ent.id] = src
        entities.append(ent)
    problems += _check_links(entities, redirects, src_of, redirects_file, shared_aliases)
    if len(problems) > MAX_PROBLEMS + 1:  # (the first ones, and how many more: not a list of a hundred thousand)
        problems = [*problems[:MAX_PROBLEMS], Problem(f"{len(problems) - MAX_PROBLEMS} more problems not listed ({len(problems)} in all)", source)]
    if problems:
        raise GazetteerError(problems)
    return Gazetteer(tuple(entities), dict(redirects), name, version, types, source)


def load_gazetteer(path: str | Path | Any, *, strict: bool | None = None) -> Gazetteer:
    """Load a gazetteer folder (the project's TOML format), a ``.jsonl`` file or a ``.json`` list.

    Raises :class:`GazetteerError` listing every problem (file, line, entry). ``strict`` also
    refuses an alias claimed by two entities that do not list each other as ``namesakes``; it is
    the default for the hand-edited folder format, while bulk data (JSON Lines, records: GeoNames
    has a dozen Springfields) loads with shared aliases, which the resolver reports as ambiguous.
    """
    label = str(path)
    p = path if not isinstance(path, str) else Path(path)
    if p.is_dir():
        records, redirects, manifest, problems = _collect_dir(p, label)
        types = manifest.get("types", DEFAULT_TYPES)
        if not isinstance(types, list | tuple) or not all(isinstance(t, str) for t in types):
            problems.append(Problem("'types' must be a list of strings", f"{label}/gazetteer.toml"))
            types = DEFAULT_TYPES
        return _build(
            records, redirects, tuple(types), problems,
            name=str(manifest.get("name", Path(label).name)), version=str(manifest.get("version", "")), source=label,
            redirects_file=f"{label}/redirects.toml", shared_aliases=strict is not False,
        )  # fmt: skip
    if not p.is_file():
        raise GazetteerError(Problem("no such file or folder", label))
    problems = []
    if label.endswith(".toml"):
        parsed = _toml_file(Path(label), label, problems)
        data, text = parsed if parsed else ({}, "")
        items = data.get("entity", [])
        if not isinstance(items, list):
            problems.append(Problem("expected [[entity]] tables", label))
            items = []
        redirects = _redirect_table(data, label, problems)
        lines = text.split("\n")
        starts = [i for i, line in enumerate(lines, 1) if _ENTITY_HEADER.match(line)]
        sources = (_Source(label, lines, first=starts[i] if i < len(starts) else 1) for i in range(len(items)))
        return _build(zip(items, sources, strict=True), redirects, DEFAULT_TYPES, problems, name=Path(label).stem, version="",
                      source=label, redirects_file=label, shared_aliases=bool(strict))  # fmt: skip
    if label.endswith(".json"):
        text = _read_text(Path(label), label)
        try:
            items = json.loads(text)
        except RecursionError:
            raise GazetteerError(Problem("nested too deeply", label)) from None
        except json.JSONDecodeError as exc:
            raise GazetteerError(Problem(f"invalid JSON: {exc.msg} (column {exc.colno})", label, exc.lineno)) from None
        except (ValueError, MemoryError) as exc:
            raise GazetteerError(Problem(f"invalid JSON: {exc}", label)) from None
        if not isinstance(items, list):
            raise GazetteerError(Problem("expected a JSON list of entity objects", label))
        return _build(((d, _Source(label)) for d in items), {}, DEFAULT_TYPES, problems,
                      name=Path(label).stem, version="", source=label, shared_aliases=bool(strict))  # fmt: skip
    records_ok: list[tuple[Any, _Source]] = []
    try:
        for data, src, problem in _iter_jsonl(Path(label)):
            if problem is not None:
                problems.append(problem)
                if len(problems) > MAX_PROBLEMS:
                    problems.append(Problem(f"more than {MAX_PROBLEMS} problems: stopped checking", label))
                    raise GazetteerError(problems)
            else:
                records_ok.append((data, src))
    except GazetteerError as exc:  # reading stopped: the entries read so far are still checked
        if exc.problems is not problems:
            problems += exc.problems
        if len(problems) > MAX_PROBLEMS:
            raise
    return _build(records_ok, {}, DEFAULT_TYPES, problems, name=Path(label).stem, version="", source=label,
                  shared_aliases=bool(strict))  # fmt: skip


def gazetteer_from_records(
    records: Iterable[Mapping[str, Any]], *, types: Iterable[str] | None = None, strict: bool = False
) -> Gazetteer:
    """Build a gazetteer from dicts with ``id``, ``name``, ``type`` and ``aliases`` (plus any optional field)."""
    problems: list[Problem] = []
    declared = tuple(types) if types is not None else DEFAULT_TYPES
    items = ((dict(r) if isinstance(r, Mapping) else r, _Source("<records>", line=i)) for i, r in enumerate(records, 1))
    return _build(items, {}, declared, problems, name="records", version="", source=None, shared_aliases=strict)


def validate_path(path: str | Path | None = None, *, namesakes: bool = True) -> list[Problem]:
    """Every problem of a gazetteer (empty when it is valid). ``None`` validates the embedded default.

    ``namesakes``: also report each alias shared by entities that do not list each other as
    namesakes (`is_shared_alias`), in any format; without it, those are left out, as loading a
    file of bulk data leaves them (GeoNames shares thousands: "San José", "Springfield")."""
    try:
        if path is not None and not Path(path).is_dir():
            from .compiled import is_index_file, load_index

            if is_index_file(path):
                load_index(path)
                return []
        load_gazetteer(path if path is not None else default_gazetteer_dir(), strict=namesakes)
    except GazetteerError as exc:
        return exc.problems
    return []


def default_gazetteer_dir() -> Any:
    """The embedded default gazetteer: inside the installed package, or ``gazetteer/`` of a source checkout."""
    here = Path(__file__).resolve().parent
    shipped = here / "gazetteer"  # a wheel carries it inside the package (see pyproject.toml)
    return shipped if shipped.is_dir() else here.parent / "gazetteer"
