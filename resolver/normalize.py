"""The first stage: turn any name (a gazetteer alias or a query) into a comparable key.

The same pipeline runs on both sides, so two spellings meet when their keys meet. Each stage
is a named rule, and a traced run records which rule changed what (for explanations):

``unicode``       NFKC, invisible format characters dropped, apostrophes/dashes/spaces unified
``possessive``    "Faiz Hameed's" -> "Faiz Hameed"
``name-order``    "IVANOV, Sergei" -> "Sergei IVANOV"
``dotted-acronym`` "I.S.I." -> "ISI"
``transliterate`` any script to ASCII (anyascii): "Сергей Иванов" -> "Sergei Ivanov"
``case-fold``     lower case
``punctuation``   hyphens, dots, quotes and other punctuation become spaces; "&" -> "and"
``leading-the``   "The Nation" -> "nation"
``title``         titles, ranks, honorifics from the table: "Lt Gen Faiz Hameed" -> "faiz hameed"
``pattern:NAME``  transliteration patterns from the table: "khamenei" -> "hamenei"
``double-letters`` "hassan" -> "hasan"
``name-variant`` / ``org-variant``  equivalence classes: "sergey" -> "sergei", "organisation" -> "organization"
"""

from __future__ import annotations

__all__ = ["NameKey", "Normalizer", "clean", "default_normalizer"]

import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import cache, lru_cache, partial
from itertools import groupby
from typing import Any, NamedTuple

from anyascii import anyascii

from .model import Step
from .rules import RuleSet, VariantClass, default_rules

_QUOTES = "\u2019\u2018\u02bc\u02bb\u0060\u00b4\u2032\u05f3\uff07"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u00ad"
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\n\r\v\f"
_CLEAN_TABLE = {ord(c): "'" for c in _QUOTES} | {ord(c): "-" for c in _DASHES} | {ord(c): " " for c in _SPACES}
_POSSESSIVE = re.compile(r"(?<=\w)'s?(?=\s|$|[,.;:!?)\]])", re.UNICODE)
_DOTTED = re.compile(r"(?<![^\W\d_])((?:[^\W\d_]\.){2,})(?![^\W\d_])", re.UNICODE)
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_SPACE_RUN = re.compile(r"\s+")
_CONNECTIVES = frozenset({"of", "the", "and", "for", "in", "on", "at", "to"})  # never in an inverted person name
# a linking particle bound to the next word ("ut-Tahrir", "ul-Islam", "e-Taiba") belongs to the word before
# it: a comma before one stands inside a name, not between a family name and given names
_LINKED = re.compile(r"(?:al|el|ul|ut|ud|ad|as|ar|e|i)-", re.IGNORECASE)


def _is_format(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf"


def clean(text: str) -> str:
    """Unicode clean-up: NFKC, drop invisible format characters (ZWJ, bidi marks...), unify quotes, dashes and spaces."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        if text.isprintable() and "  " not in text and "`" not in text:
            return text.strip()  # no tab, line break, double space or backtick (most names): nothing to unify
    elif not text.isprintable():  # format characters are never printable: most names skip the look
        text = "".join(ch for ch in text if not _is_format(ch))
    return _SPACE_RUN.sub(" ", text.translate(_CLEAN_TABLE)).strip()


class NameKey(NamedTuple):
    """A name made comparable.

    ``tokens`` are the skeleton name parts compared by the matcher; ``surface`` the same parts
    before patterns and variants; ``cased`` the parts with their original case (for aliases that
    match only with their case); ``steps`` the rules that changed the name (when traced).
    A named tuple: a gazetteer's build makes one per name, and a tuple is made in about a third of
    the time of a frozen dataclass.
    """

    tokens: tuple[str, ...]
    surface: tuple[str, ...]
    cased: tuple[str, ...]
    steps: tuple[Step, ...] = ()
    titled: bool = False  # titles were stripped from the front ("General Motors" read "motors")

    @property
    def key(self) -> str:
        return " ".join(self.tokens)


class Normalizer:
    """Runs the name pipeline with one rule set. Immutable and safe to share between threads."""

    def __init__(self, rules: RuleSet | None = None, *, compiled: Mapping[str, Any] | None = None) -> None:
        self.rules = rules or default_rules()
        self._patterns = self.rules.patterns
        self._rewrites = tuple((p.source, p.target, p.where) for p in self._patterns)
        sources = [src for src, _, _ in self._rewrites]
        self._sources = re.compile("|".join(map(re.escape, sources))) if sources and all(sources) else None
        self._skeleton_cache = lru_cache(maxsize=262144)(self._skeleton_uncached)
        self.skeleton = self._skeleton_cache  # type: ignore[method-assign]  # the cache itself: one call less per part
        self._script = {ord(c): t for c, t in self.rules.script_map}
        # anyascii reads its tables on first use (2 ms, once a process, for the first accented letter): here, not in a query
        anyascii("\u00e9")
        if compiled is not None:  # tables computed earlier by `compiled_tables`, read from an index file
            titles = {tuple(t) for t in compiled["titles"]}
            self.name_variants = {tuple(k): tuple(v) for k, v in compiled["name_variants"]}
            self.org_variants = {tuple(k): tuple(v) for k, v in compiled["org_variants"]}
        else:
            titles = {tuple(self.skeleton(x) for x in t) for t in (self._fold_tokens(f) for _k, f in self.rules.titles) if t}
            self.name_variants = self._compile(self.rules.name_classes)
            self.org_variants = self._compile(self.rules.org_classes)
        self._titles = frozenset(titles)
        self._title_heads = frozenset(t[0] for t in titles if t)  # a title can only start with one of these
        self._title_max = max((len(t) for t in titles), default=0)
        self._variant_max = max((len(k) for k in (*self.name_variants, *self.org_variants)), default=1)
        # for a name with no part that starts a variant of several parts (most names), the variants
        # are a look-up per part in one table: part -> its class's canonical form (a name-part class
        # before an organization-word class)
        self._variant_heads = frozenset(k[0] for k in (*self.name_variants, *self.org_variants) if len(k) > 1)
        self.one_part_variants: dict[str, tuple[str, ...]] = {
            k[0]: v for table in (self.org_variants, self.name_variants) for k, v in table.items() if len(k) == 1
        }
        self.acronym_skip_words = self.rules.acronym_skip_words
        self.common_words = self.rules.common_words
        # the parts of the legal forms as keys ("Ltd" and "Limited": "limited"), for scoring
        self.legal_forms = frozenset(t for form in self.rules.legal_forms for t in self._run(form, False, titles=False).tokens)
        self._key_cache = lru_cache(maxsize=65536)(self._key_untraced)
        self._whole_key_cache = lru_cache(maxsize=16384)(partial(self._run, trace=False, titles=False))

    def clear_caches(self) -> None:
        """Forget the memoized keys and skeletons."""
        self._skeleton_cache.cache_clear()
        self._key_cache.cache_clear()
        self._whole_key_cache.cache_clear()

    def compiled_tables(self) -> dict[str, Any]:
        """The tables this normalizer computed from its rules, for storing in an index file."""
        return {
            "titles": sorted(list(t) for t in self._titles),
            "name_variants": [[list(k), list(v)] for k, v in self.name_variants.items()],
            "org_variants": [[list(k), list(v)] for k, v in self.org_variants.items()],
        }

    # -- building blocks -------------------------------------------------------------------------
    def transliterate(self, text: str) -> str:
        """Any script to ASCII: the script table's overrides first, then anyascii."""
        if text.isascii():
            return text
        return anyascii(text.translate(self._script) if self._script else text)

    def _fold_tokens(self, text: str) -> tuple[str, ...]:
        return tuple(_TOKEN.findall(self.transliterate(clean(text)).replace("'", "").lower()))

    def skeleton(self, token: str) -> str:
        """Apply the transliteration patterns (until nothing changes) and collapse doubled letters."""
        return self._skeleton_cache(token)

    def _skeleton_uncached(self, token: str) -> str:
        rewrites = self._rewrites
        sources = self._sources
        for _ in range(len(token) + 1):  # rewrites never lengthen a part, nor feed one another in a loop
            if sources is not None and sources.search(token) is None:
                break  # no pattern's source is in the part (one search in C, not one test per pattern)
            before = token
            for source, target, where in rewrites:
                if source in token:
                    if where == "any":
                        token = token.replace(source, target)
                    elif where == "end":
                        if token.endswith(source):
                            token = token[: -len(source)] + target
                    elif token.startswith(source):
                        token = target + token[len(source) :]
            if token == before:
                break
        return _collapse(token) if self.rules.collapse_double_letters else token

    def _skeleton_traced(self, token: str, note: Callable[[str, str, str], None]) -> str:
        for _ in range(len(token) + 1):
            before = token
            for p in self._patterns:
                after = p.apply(token)
                note(f"pattern:{p.name}", token, after)
                token = after
            if token == before:
                break
        if self.rules.collapse_double_letters:
            after = _collapse(token)
            note("double-letters", token, after)
            token = after
        return token

    def _compile(self, classes: tuple[VariantClass, ...]) -> dict[tuple[str, ...], tuple[str, ...]]:
        out: dict[tuple[str, ...], tuple[str, ...]] = {}
        for cls in classes:
            canonical = tuple(self.skeleton(t) for t in self._fold_tokens(cls.canonical))
            if not canonical:
                continue
            for form in (cls.canonical, *cls.variants):
                key = tuple(self.skeleton(t) for t in self._fold_tokens(form))
                if key and key not in out:
                    out[key] = canonical
        # a canonical form always maps to itself, so that applying the variants twice changes nothing
        for canonical in set(out.values()):
            out[canonical] = canonical
        return out

    def _variants(self, tokens: tuple[str, ...]) -> tuple[str, ...]:
        """``tokens`` with the equivalence classes applied: `_apply_variants` without the record of changes."""
        if not self._variant_heads.isdisjoint(tokens):
            return self._apply_variants(tokens)[0]
        one = self.one_part_variants
        if one.keys().isdisjoint(tokens):
            return tokens
        out: list[str] = []
        for tok in tokens:
            hit = one.get(tok)
            if hit is None:
                out.append(tok)
            else:
                out += hit
        return tuple(out)

    def _apply_variants(self, tokens: tuple[str, ...]) -> tuple[tuple[str, ...], list[tuple[str, str, str]]]:
        out: list[str] = []
        changes: list[tuple[str, str, str]] = []
        i = 0
        n = len(tokens)
        while i < n:
            for size in range(min(self._variant_max, n - i), 0, -1):
                chunk = tokens[i : i + size]
                hit = self.name_variants.get(chunk)
                rule = "name-variant"
                if hit is None:
                    hit = self.org_variants.get(chunk)
                    rule = "org-variant"
                if hit is not None:
                    if hit != chunk:
                        changes.append((rule, " ".join(chunk), " ".join(hit)))
                    out.extend(hit)
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return tuple(out), changes

    def strip_titles(self, tokens: tuple[str, ...]) -> int:
        """How many leading tokens are titles (never all of them: a name must remain).

        Titles are compared by their skeletons, as the key is made of skeletons: what is stripped
        from a name is stripped again from its key, so normalizing twice changes nothing.
        """
        start = 0
        n = len(tokens)
        skeleton = self.skeleton
        while start < n - 1 and skeleton(tokens[start]) in self._title_heads:
            for size in range(min(self._title_max, n - start - 1), 0, -1):
                if tuple(skeleton(t) for t in tokens[start : start + size]) in self._titles:
                    start += size
                    break
            else:
                break
        return start

    def name_key_part(self, folded: str) -> str:
        """The key of one lower-case ASCII name part: its skeleton, then its equivalence class."""
        skel = self.skeleton(folded)
        hit = self.one_part_variants.get(skel)
        return hit[0] if hit is not None and len(hit) == 1 else skel

    def is_title(self, tokens: tuple[str, ...]) -> bool:
        return tuple(self.skeleton(t) for t in tokens) in self._titles

    # -- the pipeline ----------------------------------------------------------------------------
    def key(self, name: str, *, trace: bool = False, cache: bool = True, titles: bool = True) -> NameKey:
        """Normalize ``name`` into a :class:`NameKey`; with ``trace`` the key records each rule that
        changed it. Keys are memoized unless ``cache`` is false (for names seen once, as a build's).
        ``titles`` false keeps the titles a name starts with: an organization's or a place's name is
        its name ("General Motors", "Prince George"); titles are stripped from people's names."""
        if trace or not cache:
            return self._run(name, trace, titles)
        return self._key_cache(name) if titles else self._whole_key_cache(name)

    def _key_untraced(self, name: str) -> NameKey:
        return self._run(name, False)

    def _run(self, name: str, trace: bool, titles: bool = True) -> NameKey:
        steps: list[Step] = []

        def note(rule: str, before: str, after: str) -> None:
            if trace and before != after:
                steps.append(Step(rule, before, after))

        text = clean(name)
        note("unicode", name, text)
        if "'" in text:
            before, text = text, _POSSESSIVE.sub("", text)
            note("possessive", before, text)
        if text.count(",") == 1:
            left, right = (part.strip() for part in text.split(","))
            words = re.findall(r"\w+", (left + " " + right).lower())
            if left and right and len(left.split()) <= 2 and len(right.split()) <= 4 and not _CONNECTIVES & set(words) and not _LINKED.match(right):
                before, text = text, f"{right} {left}"
                note("name-order", before, text)
        if "." in text:
            before, text = text, _DOTTED.sub(lambda m: m.group(1).replace(".", "") + " ", text).strip()
            note("dotted-acronym", before, text)
        if not text.isascii():
            before, text = text, self.transliterate(text)
            note("transliterate", before, text)
        if "&" in text:
            before, text = text, text.replace("&", " and ")
            note("punctuation", before, text)
        text = text.replace("'", "")
        cased = tuple(_TOKEN.findall(text))
        folded = tuple(" ".join(cased).lower().split())  # the same parts: the text is ASCII by now
        if trace:
            note("case-fold", text, text.lower())
            note("punctuation", text.lower(), " ".join(folded))
        start = 0
        titled = False
        # "The", titles, "The" again ...: until the name starts with neither (most names start
        # with neither: one look at the first part tells)
        while len(folded) - start > 1 and (folded[start] == "the" or (titles and self.skeleton(folded[start]) in self._title_heads)):
            if folded[start] == "the":
                note("leading-the", " ".join(folded[start:]), " ".join(folded[start + 1 :]))
                start += 1
                continue
            n_titles = self.strip_titles(folded[start:])
            if not n_titles:
                break
            note("title", " ".join(folded[start:]), " ".join(folded[start + n_titles :]))
            start += n_titles
            titled = True
        surface = folded[start:]
        cased = cased[start:]
        if not trace:
            skeleton = self.skeleton
            return NameKey(self._variants(tuple([skeleton(tok) for tok in surface])), surface, cased, (), titled)
        skel = tuple(self._skeleton_traced(tok, note) for tok in surface)
        tokens, changes = self._apply_variants(skel)
        for rule, before, after in changes:
            note(rule, before, after)
        return NameKey(tokens, surface, cased, tuple(steps), titled)

    # -- derived forms ---------------------------------------------------------------------------
    def acronym(self, surface: tuple[str, ...]) -> str | None:
        """The acronym of a long name: first letters of its significant words (Inter-Services Intelligence -> isi)."""
        letters = [t[0] for t in surface if t not in self.acronym_skip_words and t[0].isalpha()]
        if len(letters) < 3 or len(letters) != len([t for t in surface if t not in self.acronym_skip_words]):
            return None
        return "".join(letters)

    def is_common(self, surface: tuple[str, ...]) -> bool:
        """True when every part of a name is a common English word (or it is one or two letters long)."""
        if not surface:
            return True
        if len("".join(surface)) <= 2:
            return True
        return all(t in self.common_words or t in self.acronym_skip_words for t in surface)


_DOUBLED = re.compile(r"(.)\1")


def _collapse(token: str) -> str:
    """Doubled letters once: "hassan" -> "hasan"."""
    if _DOUBLED.search(token) is None:  # most parts have none: no rewriting
        return token
    return "".join(letter for letter, _ in groupby(token))


@cache
def default_normalizer() -> Normalizer:
    """The normalizer of the built-in rule tables, built once."""
    return Normalizer(default_rules())
