"""Alias rule tables: the data behind every name rule, loaded from TOML files a user can extend.

The tables live in ``resolver/data/rules/``:

``patterns.toml``       transliteration patterns (``kh``~``h``, ``ee``~``i``, ``-off``~``-ov`` ...)
``name_variants.toml``  name-part equivalence classes (Sergei/Sergey/Serguei, Mohammad/Muhammad ...)
``org_variants.toml``   organization word classes (Organisation/Organization), legal forms and acronym skip-words
``titles.toml``         titles, ranks and honorifics stripped from names (Lt Gen, Dr, Ayatollah ...)
``script_*.toml``       script transliteration overrides, applied before anyascii (Arabic-script letters)
``common_words.txt``    common English words: an alias that is one ("Dawn", "IS") matches only with its case

A user extends them with a folder of files named like these (``titles*.toml`` ...), passed as
``Resolver(rules_dir=...)`` or ``--rules DIR``; its entries are added to the built-in ones.
Loading a table never runs code: TOML and plain text only.
"""

from __future__ import annotations

__all__ = ["MAX_PATTERN_CHARS", "MAX_TABLE_BYTES", "Pattern", "RuleSet", "VariantClass", "default_rules", "load_rules"]

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .errors import GazetteerError, InputError, Problem, RuleError
from .textio import parse_toml, read_limited

MAX_TABLE_BYTES = 16 * 1024 * 1024
RULES_DIR = Path(__file__).resolve().parent / "data" / "rules"
MAX_PATTERN_CHARS = 32  # the longest 'from' of a pattern
_WHERE = ("any", "start", "end")


@dataclass(frozen=True)
class Pattern:
    """A spelling rewrite applied to each name part: ``from`` becomes ``to`` (anywhere, at the start or at the end)."""

    name: str
    source: str
    target: str
    where: str = "any"
    example: str = ""

    def apply(self, token: str) -> str:
        if self.where == "any":
            return token.replace(self.source, self.target)
        if self.where == "start":
            return self.target + token[len(self.source) :] if token.startswith(self.source) else token
        return token[: -len(self.source)] + self.target if token.endswith(self.source) else token


@dataclass(frozen=True)
class VariantClass:
    """Spellings of one name part (or organization word) that are treated as the same."""

    canonical: str
    variants: tuple[str, ...]
    origin: str = ""


@dataclass(frozen=True)
class RuleSet:
    """Every rule table, as loaded. Build a normalizer from it with ``resolver.normalize.Normalizer``."""

    patterns: tuple[Pattern, ...] = ()
    collapse_double_letters: bool = True
    titles: tuple[tuple[str, str], ...] = ()  # (kind, form)
    name_classes: tuple[VariantClass, ...] = ()
    org_classes: tuple[VariantClass, ...] = ()
    acronym_skip_words: frozenset[str] = frozenset()
    common_words: frozenset[str] = frozenset()
    legal_forms: frozenset[str] = frozenset()  # company legal forms ("Ltd", "GmbH"): light parts of an organization's name
    script_map: tuple[tuple[str, str], ...] = ()
    sources: tuple[str, ...] = field(default=())


def _read_text(path: Path | Any, label: str) -> str:
    try:
        raw = read_limited(path, MAX_TABLE_BYTES, label=label)
    except InputError as exc:
        raise RuleError(Problem(f"rule table {str(exc).removeprefix(label + ': ')}", label)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RuleError(Problem(f"not UTF-8 (byte {exc.start})", label, raw.count(b"\n", 0, exc.start) + 1)) from None


def _read_toml(path: Path | Any, label: str) -> dict[str, Any]:
    try:
        return parse_toml(_read_text(path, label), label)
    except GazetteerError as exc:
        raise RuleError(exc.problems) from None


def _items(data: dict[str, Any], key: str, label: str, problems: list[Problem]) -> list[Any]:
    """``data[key]``, which must be an array of tables (``[[key]]``); [] with a problem otherwise."""
    value = data.get(key, [])
    if not isinstance(value, list):
        problems.append(Problem(f"'{key}' must be an array of tables ([[{key}]])", label, entry=key))
        return []
    return value


def _check_keys(item: Any, allowed: set[str], label: str, entry: str) -> list[Problem]:
    if not isinstance(item, dict):
        return [Problem("expected a table", label, entry=entry)]
    unknown = sorted(set(item) - allowed)
    return [Problem(f"unknown field '{k}' (known: {', '.join(sorted(allowed))})", label, entry=entry) for k in unknown]


def _word_list(data: dict[str, Any], table: str, key: str, label: str, problems: list[Problem]) -> set[str]:
    """The words (case-folded) of the list ``key`` of the optional ``[table]`` of a rule file."""
    found = data.get(table, {})
    problems += _check_keys(found, {key}, label, table)
    if not isinstance(found, dict):
        return set()
    words = _str_list(found.get(key, []))
    if words is None:
        problems.append(Problem(f"'{key}' must be a list of strings", label, entry=table))
    return {w.casefold() for w in words or ()}


def _str_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(v.strip() for v in value)
    return None


def _parse_patterns(data: dict[str, Any], label: str, problems: list[Problem]) -> tuple[list[Pattern], bool | None]:
    problems += _check_keys(data, {"options", "pattern"}, label, "<top>")
    options = data.get("options", {})
    collapse = None
    problems += _check_keys(options, {"collapse_double_letters"}, label, "options")
    if isinstance(options, dict) and "collapse_double_letters" in options:
        collapse = options["collapse_double_letters"]
        if not isinstance(collapse, bool):
            problems.append(Problem("'collapse_double_letters' must be true or false", label, entry="options"))
            collapse = None
    out: list[Pattern] = []
    for i, item in enumerate(_items(data, "pattern", label, problems)):
        entry = str(item.get("name", f"pattern #{i + 1}")) if isinstance(item, dict) else f"pattern #{i + 1}"
        errs = _check_keys(item, {"name", "from", "to", "where", "example"}, label, entry)
        if errs:
            problems += errs
            continue
        src, dst, where = item.get("from"), item.get("to", ""), item.get("where", "any")
        if not isinstance(src, str) or not src or not src.isascii() or not src.islower():
            problems.append(Problem("'from' must be a non-empty lowercase ASCII string", label, entry=entry))
            continue
        if len(src) > MAX_PATTERN_CHARS:
            problems.append(Problem(f"'from' is longer than {MAX_PATTERN_CHARS} characters", label, entry=entry))
            continue
        if not isinstance(dst, str) or not dst.isascii() or dst != dst.lower() or len(dst) > len(src):
            problems.append(Problem("'to' must be lowercase ASCII, no longer than 'from'", label, entry=entry))
            continue
        if where not in _WHERE:
            problems.append(Problem(f"'where' must be one of {', '.join(_WHERE)}", label, entry=entry))
            continue
        out.append(Pattern(str(item.get("name", entry)), src, dst, where, str(item.get("example", ""))))
    return out, collapse


def _parse_classes(data: dict[str, Any], label: str, problems: list[Problem]) -> list[VariantClass]:
    out: list[VariantClass] = []
    for i, item in enumerate(_items(data, "class", label, problems)):
        entry = str(item.get("canonical", f"class #{i + 1}")) if isinstance(item, dict) else f"class #{i + 1}"
        errs = _check_keys(item, {"canonical", "variants", "origin", "note"}, label, entry)
        variants = _str_list(item.get("variants")) if not errs else None
        canonical = item.get("canonical") if not errs else None
        if errs or variants is None or not isinstance(canonical, str) or not canonical.strip():
            problems += errs or [Problem("needs 'canonical' and a non-empty 'variants' list of strings", label, entry=entry)]
            continue
        out.append(VariantClass(canonical.strip(), variants, str(item.get("origin", ""))))
    return out


def _parse_titles(data: dict[str, Any], label: str, problems: list[Problem]) -> list[tuple[str, str]]:
    problems += _check_keys(data, {"group"}, label, "<top>")
    out: list[tuple[str, str]] = []
    for i, item in enumerate(_items(data, "group", label, problems)):
        entry = str(item.get("kind", f"group #{i + 1}")) if isinstance(item, dict) else f"group #{i + 1}"
        errs = _check_keys(item, {"kind", "forms"}, label, entry)
        forms = _str_list(item.get("forms")) if not errs else None
        if errs or forms is None:
            problems += errs or [Problem("needs a non-empty 'forms' list of strings", label, entry=entry)]
            continue
        out += [(entry, form) for form in forms]
    return out


def _read_words(path: Path | Any, label: str) -> set[str]:
    text = _read_text(path, label)
    words = {line.strip().casefold() for line in text.splitlines() if not line.startswith("#")}
    words.discard("")
    return words


def _table_files(folder: Any) -> list[Any]:
    return sorted((p for p in folder.iterdir() if p.name.endswith((".toml", ".txt"))), key=lambda p: p.name)


def _pattern_clashes(patterns: list[Pattern], files: list[str]) -> list[Problem]:
    """Pattern names used twice, and patterns whose ``to`` holds some pattern's ``from``.

    Patterns are plain substring rewrites applied once each, in order, so matching is linear in the
    length of a name; a ``to`` that holds a ``from`` would make the result depend on that order and
    could undo or repeat a rewrite, so it is refused. Linear in the number of patterns: each ``to``
    (at most :data:`MAX_PATTERN_CHARS` characters) is cut into its substrings, looked up in a dict.
    """
    problems: list[Problem] = []
    first: dict[str, int] = {}
    by_source: dict[str, list[str]] = {}
    for i, pat in enumerate(patterns):
        if pat.name in first:
            problems.append(Problem(f"pattern name used twice (also in {files[first[pat.name]]})", files[i], entry=pat.name))
        first.setdefault(pat.name, i)
        by_source.setdefault(pat.source, []).append(pat.name)
    for i, pat in enumerate(patterns):
        t = pat.target
        parts = {t[a:b] for a in range(len(t)) for b in range(a + 1, len(t) + 1)}
        clash = sorted({name for part in parts for name in by_source.get(part, ())})
        if clash:
            problems.append(Problem(f"'to' contains the 'from' of {', '.join(clash)}: rewrites could loop", files[i], entry=pat.name))
    return problems


def load_rules(extra_dirs: Iterable[str | Path] = (), *, builtin: bool = True) -> RuleSet:
    """Load the built-in rule tables and add the tables found in ``extra_dirs``.

    Raises :class:`RuleError` listing every problem found (unknown fields, bad patterns...).
    """
    folders: list[tuple[Any, str]] = []
    if builtin:
        folders.append((RULES_DIR, "resolver/data/rules"))
    for d in extra_dirs:
        p = Path(d)
        if not p.is_dir():
            raise RuleError(Problem("rule folder does not exist or is not a folder", str(d)))
        folders.append((p, str(p)))
    patterns: list[Pattern] = []
    pattern_files: list[str] = []
    collapse = True
    titles: list[tuple[str, str]] = []
    name_classes: list[VariantClass] = []
    org_classes: list[VariantClass] = []
    skip: set[str] = set()
    common: set[str] = set()
    legal: set[str] = set()
    problems: list[Problem] = []
    sources: list[str] = []
    script_map: dict[str, str] = {}
    for folder, folder_label in folders:
        for path in _table_files(folder):
            label = f"{folder_label}/{path.name}"
            stem = path.name.rsplit(".", 1)[0]
            if stem.startswith("common_words") and path.name.endswith(".txt"):
                common |= _read_words(path, label)
            elif path.name.endswith(".toml") and stem.startswith("patterns"):
                found, opt = _parse_patterns(_read_toml(path, label), label, problems)
                patterns += found
                pattern_files += [label] * len(found)
                collapse = collapse if opt is None else opt
            elif path.name.endswith(".toml") and stem.startswith("name_variants"):
                data = _read_toml(path, label)
                problems += _check_keys(data, {"class"}, label, "<top>")
                name_classes += _parse_classes(data, label, problems)
            elif path.name.endswith(".toml") and stem.startswith("org_variants"):
                data = _read_toml(path, label)
                problems += _check_keys(data, {"class", "acronym", "legal_forms"}, label, "<top>")
                org_classes += _parse_classes(data, label, problems)
                legal |= _word_list(data, "legal_forms", "forms", label, problems)
                skip |= _word_list(data, "acronym", "skip_words", label, problems)
            elif path.name.endswith(".toml") and stem.startswith("script"):
                data = _read_toml(path, label)
                problems += _check_keys(data, {"map"}, label, "<top>")
                table = data.get("map", {})
                if not isinstance(table, dict):
                    problems.append(Problem("'map' must be a table of characters to ASCII text", label, entry="map"))
                    table = {}
                for char, text in table.items():
                    if len(char) != 1 or not isinstance(text, str) or not text.isascii():
                        problems.append(Problem("map single characters to ASCII text", label, entry=repr(char)))
                    else:
                        script_map[char] = text
            elif path.name.endswith(".toml") and stem.startswith("titles"):
                titles += _parse_titles(_read_toml(path, label), label, problems)
            else:
                continue
            sources.append(label)
    problems += _pattern_clashes(patterns, pattern_files)
    if problems:
        raise RuleError(problems)
    return RuleSet(
        patterns=tuple(patterns),
        collapse_double_letters=collapse,
        titles=tuple(titles),
        name_classes=tuple(name_classes),
        org_classes=tuple(org_classes),
        acronym_skip_words=frozenset(skip),
        common_words=frozenset(common),
        legal_forms=frozenset(legal),
        script_map=tuple(sorted(script_map.items())),
        sources=tuple(sources),
    )


@cache
def default_rules() -> RuleSet:
    """The built-in rule tables, loaded once."""
    return load_rules()
