"""Annotation: find every mention of a gazetteer entity in running text and resolve it in context.

Stages, in the order a document flows through them:

1. ``exact``: one pass of an Aho-Corasick automaton (pyahocorasick) over a same-length, lower-cased
   copy of the text finds every alias and rule-generated variant; hits are kept at Unicode word
   boundaries, longest first, and only with their case when the alias is short or a common word
   ("IS", "Dawn", "The Nation"); in all-capital lines (headlines) such aliases are not trusted.
2. ``fuzzy``: name-like spans (capitalized words, caseless-script words) that no exact hit covers
   are proposed, windows whose every word is near an indexed name part are resolved with the
   core resolver ("Sergei Ivano", "Abdul Ghani Biradar", "Faiz Hameeds").
3. ``document``: an acronym defined in the text ("Inter-Services Intelligence (ISI)") binds for the
   rest of it; a lone family name after a full mention ("Ivanov said") refers back to it; an
   ambiguous name (namesakes) is decided by the words and entities around it, compared with each
   candidate's roles, related entities, description and country.

Offsets are Python string offsets into the original text: ``text[m.start:m.end] == m.text``.
"""

from __future__ import annotations

__all__ = ["Annotator", "Mention"]

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from itertools import pairwise, product
from operator import attrgetter, lt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ahocorasick

from .candidates import alias_rows
from .gcpause import gc_paused
from .model import Entity, Explanation, Match
from .normalize import clean
from .scoring import _SOUND_CAP, PART_MATCH, SURNAME_ONLY, token_similarity

if TYPE_CHECKING:
    from .candidates import CandidateIndex
    from .normalize import Normalizer
    from .resolver import Resolver

_NON_WORD = re.compile(r"[^\w ]")
_FIRST_MARK = "\u0300"  # no combining mark (category M) comes before U+0300: most characters need no look-up
_NO_ALIASES: frozenset[int] = frozenset()  # one object for the many words near no name part
_START = attrgetter("start")
_START_END = attrgetter("start", "end")
_PIECE = 1 << 20  # characters scanned at a time
_MAX_WINDOW = 5
_WINDOW_CANDIDATES = 12  # aliases scored per window of text: the index ranks the likely ones first
_COMMON_PART = 5000  # a name part in more aliases than this constrains nothing
_SINGLE_WORD_SCORE = 0.9
_WORDS_KEPT = 200_000  # words whose alias sets an annotator remembers between texts
_UNSEEN: Any = object()
_CONTEXT_CHARS = 250
_CLOSE_CHARS = 60  # the words this near a name count again when namesakes are told apart
_PARTICLES = frozenset({"al", "el", "ul", "ud", "bin", "ibn", "bint", "abu", "de", "da", "van", "von", "der", "e", "i", "of", "the", "and"})  # fmt: skip


@dataclass(slots=True)
class Mention:
    """A span of a document that names an entity (or, with ``unresolved``, a name that names none)."""

    start: int
    end: int
    text: str
    id: str | None
    name: str | None
    type: str | None
    score: float
    kind: str  # exact | fuzzy | coreference | acronym | unresolved
    match: Match | None = field(default=None, repr=False, compare=False)
    alternatives: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def explanation(self) -> Explanation | None:
        """How the name was matched (computed on first use), or None for an unresolved name."""
        return None if self.match is None else self.match.explanation

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "start": self.start, "end": self.end, "text": self.text, "id": self.id, "name": self.name,
            "type": self.type, "score": round(self.score, 4), "kind": self.kind,
        }  # fmt: skip
        if self.alternatives:
            out["alternatives"] = list(self.alternatives)
        if explain:
            out["notes"] = list(self.notes)
            if self.explanation is not None:
                out["explanation"] = self.explanation.to_dict()
        return out


# Capital letters of the cased scripts, as ranges (a class of every capital one by one makes `re`
# six times slower): Latin (with its extensions), Greek, Cyrillic, Armenian, Georgian, full-width.
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0100-\u024f\u0370-\u03ff\u0400-\u042f\u0460-\u052f\u0531-\u0556\u10a0-\u10c5\u1e00-\u1eff\uff21-\uff3a"
_CASELESS = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff\u0590-\u05ff\u4e00-\u9fff\u3400-\u4dbf"
# a capitalized word ("Al-Qaeda", "U.S", "Gazeta.Ru") or an initial ("S."), after its capital: a
# span goes on past a full stop only after an initial, so it stops at the end of a sentence
_WORD_REST = r"(?:\.|[\w'’]*(?:[.-][\w'’]+)*)"
_WORD = rf"[{_UPPER}]{_WORD_REST}"
_PARTICLE = r"(?:al|el|ul|ud|bin|ibn|abu|de|da|van|von|der|of|the|and|e|i)"
# A span starts with its first letter, and only then looks behind it (no word character before),
# so that `re` skips to the next capital or caseless letter with a character-set test instead of
# trying the whole pattern at every position of the text (a third faster).
_SPAN = re.compile(
    rf"[{_UPPER}{_CASELESS}](?<!\w.)"
    rf"(?:(?<=[{_UPPER}]){_WORD_REST}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_WORD}|[ \t]+{_PARTICLE}-{_WORD}|-{_WORD}){{0,11}}"
    rf"|(?<=[{_CASELESS}])[{_CASELESS}\u200c\u200d]*(?:[ \t]+[{_CASELESS}][{_CASELESS}\u200c\u200d]*){{0,11}}(?![\w\u200c\u200d]))"
)
_CAPWORD = re.compile(rf"(?<!\w)[{_UPPER}][\w'’]+(?!\w)")


# Characters whose lower case is longer than one character, with one character for each: in
# Unicode 15 only "İ" (U+0130), whose lower case is "i" plus a combining dot (a test checks this).
_LONG_LOWER = {"\u0130": "i"}
_LONG_LOWER_RE = re.compile("|".join(map(re.escape, _LONG_LOWER)))


def _lower(text: str) -> str:
    """``text`` lower-cased with its length kept, so that offsets carry over."""
    low = text.lower()
    if len(low) != len(text):
        low = _LONG_LOWER_RE.sub(lambda m: _LONG_LOWER[m.group()], text).lower()
    return low


def _boundary(text: str, start: int, end: int) -> bool:
    if start > 0:
        before = text[start - 1]
        if before.isalnum() or before == "_":
            return False
    if end < len(text):
        after = text[end]
        if after.isalnum() or after == "_" or (after >= _FIRST_MARK and unicodedata.category(after).startswith("M")):
            return False
    return True


def _capitalized(surface: str, connectives: frozenset[str]) -> bool:
    """Every word but the connectives starts with a capital ("Foreign Office", "Committee for State Security")."""
    words = [w for w in re.split(r"[\s-]+", surface) if w and w.lower() not in connectives]
    return bool(words) and all(w[0].isupper() for w in words)


_SHORT_ACRONYM = 3  # letters up to which an acronym is only ever written in capitals in running text


def _short_acronym(alias: str) -> bool:
    """An alias written as an acronym of up to `_SHORT_ACRONYM` capitals ("DIA", "MI6", "ЦРУ")."""
    return len(alias) <= _SHORT_ACRONYM and alias.isupper() and alias.isalnum()


def _automaton(patterns: dict[str, set[int]], needs_capitals: frozenset[int]) -> Any:
    """An Aho-Corasick automaton of " form " patterns -> (length, alias ids, whether each of those
    aliases is one of ``needs_capitals``: matched only where the text writes it with capitals)."""
    if not patterns:
        return None
    automaton = ahocorasick.Automaton()
    for form, ids in patterns.items():
        automaton.add_word(form, (len(form), tuple(sorted(ids)), needs_capitals.issuperset(ids)))
    automaton.make_automaton()
    return automaton




_LONG_WORD = re.compile(r"[^\W\d_]{5,}")
_CAPITALS_RUN = re.compile(r"[^\W\d_a-z]{5}")  # five letters, none of them a-z: a long word in capitals has some


def _in_capitals(text: str, start: int, end: int) -> bool:
    """True when the words around a hit are written in capitals (a headline): case says nothing
    there. Only words of five letters or more count, so that a list of acronyms is not a headline."""
    if not (_CAPITALS_RUN.search(text, max(0, start - 60), start) or _CAPITALS_RUN.search(text, end, end + 60)):
        return False  # no word in capitals near (the common case): two short searches tell
    head = text[max(0, start - 60) : start]
    head = head[max(head.rfind(c) for c in ".!?\n") + 1 :]  # the same sentence and line only
    tail = text[end : end + 60]
    stops = [i for i in (tail.find(c) for c in ".!?\n") if i != -1]
    tail = tail[: min(stops)] if stops else tail
    before = _LONG_WORD.findall(head)[-3:]
    after = _LONG_WORD.findall(tail)[:3]
    words = before + after
    return len(words) >= 2 and sum(w.isupper() for w in words) * 4 >= len(words) * 3


def _pieces(text: str, size: int) -> Iterator[tuple[int, str]]:
    """``text`` in pieces of about ``size`` characters, each with its offset, cut after a line
    break, else after a sentence, else at a space (names do not run across those)."""
    start = 0
    n = len(text)
    while start < n:
        end = min(n, start + size)
        if end < n:
            window = text[start + size // 2 : end]
            for sep in ("\n", ". ", " "):
                cut = window.rfind(sep)
                if cut != -1:
                    end = start + size // 2 + cut + len(sep)
                    break
        yield start, text[start:end]
        start = end


def _masked(text: str, covered: _Spans) -> str:
    """``text`` with the ``covered`` spans blanked out (offsets kept)."""
    pieces: list[str] = []
    pos = 0
    for start, end in zip(covered.starts, covered.ends, strict=True):
        pieces += (text[pos:start], " " * (end - start))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$")


def _bare(word: str) -> str:
    """A word of a span without the punctuation that ends a clause ("Ivanov," -> "Ivanov") and
    without a possessive ending ("Hameed's" -> "Hameed", "Burns'" -> "Burns")."""
    if word[-1] in ".,;:" and len(word) > 2:
        word = word[:-1]
    if word[-1] in "'’" and len(word) > 3 and word[-2] == "s":
        return word[:-1]  # "Burns'"
    if word[-1] == "s" and word[-2] in "'’" and len(word) > 4:
        return word[:-2]  # "Hameed's"
    return word


def _word_spans(text: str, pos: int, words: list[str]) -> list[tuple[int, int]]:
    """Where each of ``words`` (a span split at white space, from ``pos`` on) stands, bare."""
    out = []
    for w in words:
        start = text.index(w, pos)
        pos = start + len(w)
        out.append((start, start + len(_bare(w))))
    return out


def _to_walk(groups: list[str], known: set[str], several: bool) -> list[int]:
    """Which of the spans ``groups`` hold a ``known`` word, and with ``several`` also which have
    several words (a span is one word unless it holds a space or a tab)."""
    return [i for i, g in enumerate(groups)
            if g in known or ((" " in g or "\t" in g) and (several or not known.isdisjoint(g.split())))]  # fmt: skip


def _family_only(m: Mention) -> bool:
    return m.kind == "fuzzy" and m.match is not None and any("family name only" in n for n in m.match.notes)


def _may_match(sets: list[frozenset[int] | None], single: frozenset[int]) -> bool:
    """Whether any window of a span could be a name: a word near a one-word name, two neighbouring
    distinctive words near the same alias, or a title, particle or initial beside a known word."""
    if not any(sets):
        return False
    if None in sets:
        return True
    if any(x and not x.isdisjoint(single) for x in sets):
        return True
    return any(a and b and not a.isdisjoint(b) for a, b in pairwise(sets))


def _share_an_alias(sets: list[frozenset[int]]) -> bool:
    """Whether an alias is in each of ``sets``; for one or two sets (most windows) without
    building the intersection."""
    if len(sets) <= 2:
        return not sets[0].isdisjoint(sets[-1])
    return bool(frozenset.intersection(*sets))


class _Spans:
    """Non-overlapping [start, end) intervals, sorted, with O(log n) overlap tests."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        ordered = sorted(spans)  # what adding them one by one would make, without the insertions
        self.starts: list[int] = [s for s, _ in ordered]
        self.ends: list[int] = [e for _, e in ordered]

    @classmethod
    def of(cls, mentions: list[Mention]) -> _Spans:
        """The spans of ``mentions``; taken in their order when it is already sorted (no two start
        at the same place), which saves sorting a pair for each mention."""
        starts = [m.start for m in mentions]
        if not all(map(lt, starts, starts[1:])):
            return cls(map(_START_END, mentions))
        spans = cls()
        spans.starts, spans.ends = starts, [m.end for m in mentions]
        return spans

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start)
        if i > 0 and self.ends[i - 1] > start:
            return True
        return i < len(self.starts) and self.starts[i] < end

    def covers(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start)
        return i > 0 and self.ends[i - 1] >= end

    def add(self, start: int, end: int) -> None:
        i = bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


class Annotator:
    """Finds mentions for one :class:`~resolver.Resolver`. Built once per resolver, read-only after."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.normalizer = resolver.normalizer
        # The caches wrap static functions, never bound methods: a cache holding a method of the
        # annotator would tie it into a reference cycle, so that it (and all it has cached) would
        # wait for a full garbage collection, which walks every table of the resolver too.
        self._variant_forms = lru_cache(maxsize=None)(partial(self._variant_forms_of, self.normalizer))
        # two automata: case-insensitive forms scanned in the lower-cased text, and the forms of
        # short and common-word aliases ("IS", "Dawn", "The Nation") scanned in the text as written
        # one pass over the aliases (of a loaded index, read from its columns, no record made), and none over the
        # entities: their IDs, types and countries are columns; only organizations with a country are made
        types = resolver.facts.types
        folded: dict[str, set[int]] = {}
        cased: dict[str, set[int]] = {}
        needs_capitals: list[int] = []
        family_aliases: list[int] = []
        single_part_aliases: list[int] = []
        short_acronyms: list[int] = []
        function_words = self.normalizer.acronym_skip_words
        for a_idx, rec in enumerate(alias_rows(resolver.index.aliases)):
            # one-word common aliases are case-sensitive already: only longer ones need a look
            if len(rec.cased) > 1 and not rec.case_sensitive and self.normalizer.is_common(tuple(t.lower() for t in rec.cased)):
                needs_capitals.append(a_idx)
            if rec.size > 1 and types[rec.entity] == "person":
                family_aliases.append(a_idx)
            if rec.size == 1 and not rec.case_sensitive:
                single_part_aliases.append(a_idx)
            if _short_acronym(rec.text):
                short_acronyms.append(a_idx)
            if _LETTER.search(rec.text) is None:
                continue  # "14", a district's number in GeoNames: a number in running text names nothing
            if rec.case_sensitive and (rec.text.islower() or (rec.text.lower() in function_words and not rec.text.isupper())):
                # a short or common word written in lower case ("as", "by": GeoNames alternate names), or
                # a function word with a capital ("In", a city's): in running text, the word itself
                continue
            target = cased if rec.case_sensitive else folded
            variants = types[rec.entity] != "location"  # name-part classes are for people and bodies
            for form in self._scan_patterns(rec.text, rec.kind, lower=not rec.case_sensitive, variants=variants):
                target.setdefault(form, set()).add(a_idx)
        self.folded = _automaton(folded, frozenset(needs_capitals))
        self.cased = _automaton(cased, frozenset(needs_capitals))
        self._resolve = lru_cache(maxsize=200_000)(partial(resolver.resolve, candidates=_WINDOW_CANDIDATES))
        self._resolve_titled = lru_cache(maxsize=20_000)(partial(resolver.resolve, candidates=_WINDOW_CANDIDATES, titled=True))
        self._exact_match = lru_cache(maxsize=200_000)(resolver.exact_match)
        self._connectives = _PARTICLES | self.normalizer.acronym_skip_words
        ids, countries = resolver.facts.ids, resolver.facts.countries
        self._family: dict[int, str | None] = {}  # person -> `_family_of` (made on first use)
        # state bodies with a country: another country's name before or after one makes it another body
        # (only an organization's mention is looked up here: see `_foreign_bodies`)
        self._state_bodies: dict[str, Entity] = {}
        for e_idx, kind in enumerate(types):
            if kind == "organization" and countries[e_idx]:
                entity = resolver.entities[e_idx]
                if not _STATE_TAGS.isdisjoint(entity.tags):
                    self._state_bodies[entity.id] = entity
        self._by_id = {entity_id: i for i, entity_id in enumerate(ids)}
        self._country_of_id = {entity_id: country for entity_id, country, kind in zip(ids, countries, types, strict=True)
                               if country and kind in ("organization", "location")}  # fmt: skip
        self._words: dict[str, frozenset[int] | None] = {}  # word -> `_word_sets` (a dict: most words are new)
        self._part_token = lru_cache(maxsize=200_000)(partial(self._part_token_of, self.normalizer))
        self._facts: dict[str, frozenset[str]] = {}  # a role title or description -> its content words
        self._family_aliases = frozenset(family_aliases)
        self._single_part_aliases = frozenset(single_part_aliases)
        self._lone_aliases = self._single_part_aliases | self._family_aliases  # what one word alone may name
        # acronyms of up to three letters ("DIA", "RIA", "ISI") are written in capitals in running
        # text: "Dia" or "Ria" with one capital is a name (Dia Mirza), not the agency
        self._short_acronyms = frozenset(short_acronyms)

    # -- building the automata ---------------------------------------------------------------------
    @staticmethod
    def _variant_forms_of(normalizer: Normalizer, folded: str) -> list[str]:
        """Spellings of one name part from its equivalence class ("sergei" -> "sergey", "serguei" ...)."""
        skel = normalizer.skeleton(folded)
        canonical = normalizer.one_part_variants.get(skel)
        if canonical is None:
            return [folded]
        forms = _class_forms(normalizer).get(canonical, [])
        return [folded, *(f for f in forms if f != folded)][:6]

    def _scan_patterns(self, text: str, kind: str, *, lower: bool, variants: bool = True) -> set[str]:
        """The literal forms under which an alias is searched, each between two spaces (word
        boundaries, since the scanned copy of the text has every non-word character as a space):
        as written (lower-cased unless it is case-sensitive), dotted acronyms, and the spellings
        of its name parts' equivalence classes."""
        if kind != "acronym" and not text.isupper():  # most aliases of a large gazetteer: one plain word, searched as it is
            word = text.lower() if lower else text
            if word.isalnum():
                return {f" {word} "}
        base = " ".join(text.split())
        if lower:
            base = base.lower()
        if not base:
            return set()
        forms = {base}
        if kind == "acronym" or (text.isupper() and 2 <= len(text) <= 6 and text.isalpha()):
            forms.add(".".join(base) + ".")
        words = base.split(" ")
        if variants and lower and 1 < len(words) <= 4 and all(w.isalpha() and w.isascii() for w in words):
            options = [self._variant_forms(w) for w in words]
            forms.update(" ".join(combo) for combo in list(product(*options))[:24])
        out = set()
        for form in forms:
            spaced = _NON_WORD.sub(" ", form) if not form.isalnum() else form
            if spaced.strip():
                out.add(f" {spaced} ")
                if spaced[-1] == " ":
                    out.add(f" {spaced.rstrip()} ")  # "I.S.I" as well as "I.S.I."
        return out

    # -- stage 1: exact ------------------------------------------------------------------------------
    def _exact(self, text: str) -> list[tuple[int, int, Match]]:
        # a hit is (start, -end, strict, alias ids, capitals): in sorted order, leftmost-longest
        # (at each place the longest acceptable form wins, later forms may not overlap it), and a
        # form of both automata comes from the case-insensitive one first
        hits: list[tuple[int, int, bool, tuple[int, ...], bool]] = []
        spaced = f" {_NON_WORD.sub(' ', text)} "  # offsets shift by one; every hit is a run of whole words
        for automaton, haystack, strict in ((self.folded, _lower(spaced), False), (self.cased, spaced, True)):
            if automaton is not None:
                hits += [(e - n + 1, 1 - e, strict, ids, capitals) for e, (n, ids, capitals) in automaton.iter(haystack)]
        hits.sort()
        out: list[tuple[int, int, Match]] = []
        last_end = -1
        n = len(text)
        exact_match = self._exact_match
        acronyms = self._short_acronyms
        for start, neg_end, strict, ids, capitals in hits:
            if start < last_end:
                continue
            end = -neg_end
            if end < n and text[end] >= _FIRST_MARK and unicodedata.category(text[end]).startswith("M"):
                continue  # the word goes on with a combining mark (tested here, on the few hits that may win)
            if strict and _in_capitals(text, start, end) and not self._own_country_before(text, start, ids):
                continue  # "WHY IS PAKISTAN ...": in capitals, case says nothing about "IS" (but "INDIA'S RAW" is India's)
            elif capitals and not _capitalized(text[start:end], self._connectives):
                continue  # "the foreign office" is not the Foreign Office
            if start > 1 and text[start - 1] == "-" and self._inside_compound(text, start, out[-1][1] if out else -1):
                continue  # "Tehreek-e-Taliban Pakistan" is a name of its own, for the fuzzy stage to read whole
            if end - start <= _SHORT_ACRONYM and not acronyms.isdisjoint(ids) and not text[start:end].isupper():
                ids = tuple(i for i in ids if i not in acronyms)  # "Dia", "Ria": names, not DIA or RIA
                if not ids:
                    continue
            m = exact_match(text[start:end], ids)
            if m is not None:
                last_end = end
                if " " in m.alias and text[start:end] != m.alias:
                    end, m = self._without_generic_tail(text, start, end, m)
                if text.startswith("the ", start) and end - start > 4:
                    start += 4  # "the Washington Post": a lower-case article is not part of the name
                out.append((start, end, m))
        return out

    def _without_generic_tail(self, text: str, start: int, end: int, m: Match) -> tuple[int, Match]:
        """"Tasnim news agency": words that the alias capitalizes ("Tasnim News Agency") but the text
        writes in lower case describe the name rather than belong to it, when the words before them
        are themselves a name of the same entity. Returns the (end, match) to keep."""
        words, alias = text[start:end].split(), m.alias.split()
        if len(words) != len(alias):
            return end, m
        k = len(words)
        while k > 1 and words[k - 1].islower() and alias[k - 1][:1].isupper():
            k -= 1
        if k == len(words):
            return end, m
        short = text[start : text.index(words[k - 1], start) + len(words[k - 1])]
        found = self._resolve(short)
        if found is None or found.id != m.id or found.score < 1.0:
            return end, m
        return start + len(short), found

    def _own_country_before(self, text: str, start: int, ids: tuple[int, ...]) -> bool:
        """Whether the country named right before ``start`` ("INDIA'S ") is the country of an entity of ``ids``."""
        country = _country_before(text, start, caps=True)
        if country is None:
            return False
        aliases, entities = self.resolver.index.aliases, self.resolver.entities
        return any(entities[aliases[i].entity].country == country for i in ids)

    @staticmethod
    def _inside_compound(text: str, start: int, last_end: int) -> bool:
        """Whether the hit at ``start`` ends a hyphenated compound that starts with a capital and is
        no mention joined to it: "Tehreek-e-Taliban", but not "US-Taliban" (``last_end``: the end of the
        mention before), "Anti-Taliban" nor "al-Qaeda"."""
        if not text[start - 2].isalnum() or last_end == start - 1:
            return False
        head = _COMPOUND_HEAD.search(text, max(0, start - 40), start - 1)
        if head is None:
            return False
        first = head.group(1)
        return first[0].isupper() and first.lower() not in _PREFIXES and first.lower() not in _PARTICLES

    # -- stage 2: fuzzy ------------------------------------------------------------------------------
    @staticmethod
    def _word_sets(normalizer: Normalizer, index: CandidateIndex, word: str) -> frozenset[int] | None:
        """The aliases a word of a name-like span could belong to.

        ``None`` for a word that fits anywhere in a name (a title, a particle, an initial) and the
        empty set for a word near no indexed name part: a window holding one is never resolved.
        """
        if not (word.isascii() and word.isalpha()):
            latin = normalizer.transliterate(clean(word))  # "Ambājogāi": one part once transliterated,
            if latin.isascii() and latin.isalpha():  # whose key is that of its ASCII form
                word = latin
        if word.isascii() and word.isalpha():  # the common case, without the whole pipeline
            low = word.lower()
            if len(low) == 1 or low in _PARTICLES:
                return None
            skel = normalizer.skeleton(low)
            if (skel,) in normalizer._titles:
                return None
            hit = normalizer.one_part_variants.get(skel)
            return Annotator._aliases_near(index, (hit[0] if hit is not None and len(hit) == 1 else skel,))
        key = normalizer.key(word)
        if not key.tokens:
            return _NO_ALIASES
        if (len(key.surface) == 1 and len(key.surface[0]) == 1) or normalizer.is_title(key.surface):
            return None
        if all(t in _PARTICLES for t in key.surface):
            return None
        return Annotator._aliases_near(index, key.tokens)

    def _sets_of(self, words: Iterable[str]) -> dict[str, frozenset[int] | None]:
        """`_word_sets` of each of ``words`` (bare), remembered for the texts to come. Most words of a
        text are new to the annotator: a plain dict costs a miss less than an LRU cache does."""
        known = self._words
        if len(known) > _WORDS_KEPT:
            known.clear()
        out = {}
        normalizer, index = self.normalizer, self.resolver.index
        for w in words:
            got = known.get(w, _UNSEEN)
            if got is _UNSEEN:
                got = known[w] = self._word_sets(normalizer, index, _bare(w))
            out[w] = got
        return out

    @staticmethod
    def _part_token_of(normalizer: Normalizer, word: str) -> str | None:
        """The key of a one-part word ("Ivanov" -> "ivanov"), or None if the word makes several parts."""
        if word.isascii() and word.isalpha():
            return normalizer.name_key_part(word.lower())
        tokens = normalizer.key(word).tokens
        return tokens[0] if len(tokens) == 1 else None

    @staticmethod
    def _aliases_near(index: CandidateIndex, tokens: tuple[str, ...]) -> frozenset[int] | None:
        """Aliases with a part near each of ``tokens``; ``None`` (no constraint) for parts so common
        that listing their aliases would cost more than it saves ("san", "new" in a GeoNames gazetteer)."""
        found: set[int] | None = None
        for tok in tokens:
            if tok in _PARTICLES:
                continue
            near = index.near_parts(tok, three_letters=False)  # (a capitalized word of 3 letters in a text is seldom a name misspelled)
            exact = index.exact.get(tok, ())
            if not near and not exact:
                return _NO_ALIASES  # the common case (most capitalized words are near no name part), told early
            lists = near.values()
            if sum(map(len, lists)) > _COMMON_PART:
                continue
            aliases = set(exact).union(*lists)
            found = aliases if found is None else found & aliases
            if not found:
                return _NO_ALIASES
        return None if found is None else frozenset(found)

    def _fuzzy(
        self, text: str, covered: _Spans, want_unresolved: bool = True, places: frozenset[tuple[int, int]] = frozenset()
    ) -> tuple[list[tuple[int, int, Match]], list[tuple[int, int]], list[tuple[int, int]]]:
        """Fuzzy mentions, name-like spans left unresolved, and known single words (for back-references).
        ``places``: one-word places found exactly, left in the text (not in ``covered``) so that a longer
        name holding one is read whole ("Pakistan Tehrik-e-Insaf"); they are not resolved again alone."""
        found: list[tuple[int, int, Match]] = []
        unresolved: list[tuple[int, int]] = []
        known_words: list[tuple[int, int]] = []
        masked = _masked(text, covered)  # spans are only looked for between the exact mentions
        spans = list(_SPAN.finditer(masked))
        groups = list(map(re.Match.group, spans))
        # Each distinct word is looked up once, and only the spans that hold a word near a name
        # part are walked one by one: in news text, a few in ten (with `want_unresolved`, every
        # span of several words is, for its open runs).
        sets_of = self._sets_of(set(" ".join(groups).split()))
        known = {w for w, near in sets_of.items() if near}
        for i in _to_walk(groups, known, want_unresolved):
            group, start = groups[i], spans[i].start()
            if group in known:  # one known word: the most common span
                end = start + len(_bare(group))
                if (start, end) in places:
                    continue
                known_words.append((start, end))
                near = sets_of[group]
                if near and not near.isdisjoint(self._lone_aliases):  # its one window: the word alone
                    m = self._window_match(text, start, end, covered, True, True)
                    if m is not None:
                        found.append((start, end, m))
                continue
            pieces = group.split()
            sets = [sets_of[w] for w in pieces]
            words = _word_spans(masked, start, pieces)
            hits = self._windows(text, words, sets, covered) if _may_match(sets, self._single_part_aliases) else []
            found += hits
            known_words += [w for w, x in zip(words, sets, strict=True) if x]
            if want_unresolved:
                unresolved += self._open_runs(text, words, hits, covered)
        return found, unresolved, known_words

    def _open_runs(
        self, text: str, words: list[tuple[int, int]], hits: list[tuple[int, int, Match]], covered: _Spans
    ) -> list[tuple[int, int]]:
        """Runs of two or more words of a name-like span that nothing claimed, less leading common
        words and titles ("Then Jonathan Smithers" -> "Jonathan Smithers"): names for no entity."""
        runs: list[list[tuple[int, int]]] = [[]]
        for s, e in words:
            if covered.overlaps(s, e) or any(hs < e and s < he for hs, he, _ in hits):
                runs.append([])
            else:
                runs[-1].append((s, e))
        out = []
        for run in runs:
            while run and (text[run[0][0] : run[0][1]].lower() in self.normalizer.common_words
                           or self.normalizer.is_title((text[run[0][0] : run[0][1]].lower(),))):  # fmt: skip
                run = run[1:]
            while run and (self.normalizer.is_title((text[run[-1][0] : run[-1][1]].lower(),))
                           or text[run[-1][0] : run[-1][1]].lower() in self._connectives):  # fmt: skip
                run = run[:-1]
            if len(run) >= 2 and _boundary(text, run[0][0], run[-1][1]):
                out.append((run[0][0], run[-1][1]))
        return out

    def _windows(
        self, text: str, words: list[tuple[int, int]], sets: list[frozenset[int] | None], covered: _Spans
    ) -> list[tuple[int, int, Match]]:
        out: list[tuple[int, int, Match]] = []
        start = 0
        for k in range(len(words) + 1):  # a word near no name part splits the span into runs
            if k == len(words) or (sets[k] is not None and not sets[k]):
                if k > start:
                    out += self._run_windows(text, words[start:k], sets[start:k], covered)
                start = k + 1
        return out

    def _run_windows(
        self, text: str, words: list[tuple[int, int]], sets: list[frozenset[int] | None], covered: _Spans
    ) -> list[tuple[int, int, Match]]:
        """The names in a run of a span's words, longest windows first (a span of one word alone
        goes to `_window_match` directly)."""
        n = len(words)
        out: list[tuple[int, int, Match]] = []
        used = [False] * n
        for size in range(min(_MAX_WINDOW, n), 0, -1):
            for i in range(0, n - size + 1):
                if out and True in used[i : i + size]:  # nothing is used before the first find
                    continue
                window = [x for x in sets[i : i + size] if x is not None]
                if not window or not _share_an_alias(window):  # at least one distinctive word
                    continue  # no alias has parts near every word of the window
                titled = i > 0 and sets[i - 1] is None and self._is_title_word(text[words[i - 1][0] : words[i - 1][1]])
                after_title = titled or (size == 1 and text[words[i][0] : words[i][1]].isupper() and self._alone_in_capitals(text, words, i))
                if size == 1 and not after_title and window[0].isdisjoint(self._single_part_aliases):
                    continue  # one word alone can only be a one-word name (or a family name after a title)
                s, e = words[i][0], words[i + size - 1][1]
                if sets[i] is None and self._is_title_word(text[s : words[i][1]]):
                    continue  # a title is not part of the name ("Lieutenant General Hameed")
                if size > 1 and sets[i] is None and text[s : words[i][1]].lower() in _PARTICLES and text[s : words[i][1]] not in _NAME_START:
                    continue  # a window does not start on a particle ("and Ivanov"), unless it starts a name ("Al Qaida")
                if size > 1 and sets[i + size - 1] is None and (text[words[i + size - 1][0] : e].lower() in _PARTICLES
                                                                or self._is_title_word(text[words[i + size - 1][0] : e])):
                    continue  # nor end on a particle ("Iraqi and") or a title ("Russian Foreign Minister")
                m = self._window_match(text, s, e, covered, size == 1, after_title, titled=titled)
                if m is None:
                    continue
                out.append((s, e, m))
                for k in range(i, i + size):
                    used[k] = True
        return out

    def _alone_in_capitals(self, text: str, words: list[tuple[int, int]], i: int) -> bool:
        """In a headline every word is capitalized, so a name is "a span of its own" when the words
        beside it are common words or titles: "TALIBAN'S BARADAR IN KABUL", "LEADER ZAWAHIRI"."""
        s, e = words[i]
        if len(text[s:e]) < 4 or text[s:e].lower() in self.normalizer.common_words or not _in_capitals(text, s, e):
            return False  # ("THE NEWS FROM KABUL": a common word is no name of its own)
        beside = [words[k] for k in (i - 1, i + 1) if 0 <= k < len(words)]
        return all(self._not_a_given_name(text[a:b]) for a, b in beside)

    def _window_match(
        self, text: str, s: int, e: int, covered: _Spans, one_word: bool, after_title: bool, *, titled: bool = False
    ) -> Match | None:
        """What the window ``text[s:e]`` names, if anything: it must stand between word boundaries,
        clear of the exact mentions, and resolve; one word alone must pass `_single_word_ok`
        (``after_title``: a family name alone may do; ``titled``: a title stands right before it,
        so a word that is also a common English word is a name: "Director Burns")."""
        if covered.overlaps(s, e) or not _boundary(text, s, e):
            return None
        surface = text[s:e]
        if one_word and (surface.lower() in self._connectives or not self._may_name_alone(surface, after_title)):
            return None  # (a particle or function word alone, "In" or "De", names nothing)
        m = self._resolve_titled(surface) if titled and one_word else self._resolve(surface)
        if m is None or (one_word and not self._single_word_ok(surface, m, after_title)):
            return None
        if one_word and not titled and m.type == "person" and _LOCATIVE.search(text, max(0, s - 12), s):
            return None  # "outside Austin", "in Hameed": after such a preposition a lone name is a place
        return m

    def _may_name_alone(self, word: str, family_ok: bool) -> bool:
        """Whether one word could reach the score that a word alone needs, before resolving it.

        A word of one part scores at most its best part similarity: `_SINGLE_WORD_SCORE` is
        needed, or with ``family_ok`` (a family name alone, after a title or as a span of its
        own) the threshold over `SURNAME_ONLY`. Metaphone adds at most `_SOUND_CAP`, and one edit
        in a part of n letters leaves 1 - 1/n; a name compared as one word ("Alqaeda") is alike.
        So unless the bound allows an edit in a part as long as this one, the word must be an
        indexed part or key itself: most words that pass the near-part test are one edit from a
        short name ("Kaya", "Suar") and need no scoring.
        """
        need = _SINGLE_WORD_SCORE
        if family_ok:
            need = min(need, max(PART_MATCH, self.resolver.threshold / SURNAME_ONLY))
        if need <= _SOUND_CAP:
            return True  # a sound-alike may do
        if word.isascii() and word.isalpha():  # one part, its key made as for the word sets
            forms: tuple[str, ...] = (self._part_token(word) or "", word.lower())
        else:
            key = self.normalizer.key(word)
            if len(key.tokens) != 1:
                return True
            forms = (key.tokens[0], key.surface[0].lower()) if len(key.surface) == 1 else key.tokens
        index = self.resolver.index
        # the part itself is indexed, or a part one letter longer than it is near enough
        return any(part in index.postings or part in index.exact or 1 - 1 / (len(part) + 1) >= need for part in forms)

    def _after_title(self, text: str, start: int) -> bool:
        """Whether a title stands right before ``start`` ("Lt Gen Hameed", "CIA DIRECTOR BURNS")."""
        before = _word_before(text, start)
        return before is not None and self._is_title_word(text[before[0] : before[1]])

    def _not_a_given_name(self, word: str) -> bool:
        """A title or a common English word ("Later", "President"): no given name before a family name."""
        return self._is_title_word(word) or word.lower() in self.normalizer.common_words

    def _is_title_word(self, word: str) -> bool:
        low = word.rstrip(".").lower()
        return len(low) > 1 and low not in _PARTICLES and self.normalizer.is_title((low,))

    def _single_word_ok(self, surface: str, m: Match, after_title: bool = False) -> bool:
        """One word alone is a fuzzy mention only when it is very close and not a derived word form.

        A family name alone is taken when a title comes before it ("Lt Gen Hameed") or when it is a
        name-like span of its own ("the fall of Ghani regime"), never beside other capitalized words
        ("Ken Burns"); when two people share it, the context must tell which (`_decide_namesakes`).
        "Russian" or "Pakistani" (the alias plus a suffix) are words of their own, not misspellings
        of "Russia" or "Pakistan".
        """
        if _NUMBERED.search(surface):
            return False  # "Shaheen-III", "Ghauri-2": a model or a series, not a name
        if any("family name only" in n for n in m.notes):
            return after_title  # namesakes ("Ghani": Ashraf Ghani, or Esmail Qaani spelled Ghaani) are left to context
        if m.score < _SINGLE_WORD_SCORE or (_short_acronym(m.alias) and not surface.isupper()):
            return False  # (a short acronym is written in capitals: "Rya" is not RIA)
        alias = self.normalizer.key(m.alias).surface
        word = self.normalizer.key(surface).surface
        return not (len(alias) == 1 and len(word) == 1 and word[0] != alias[0] and word[0].startswith(alias[0]))

    # -- stage 3: the document -------------------------------------------------------------------------
    def annotate(self, text: str, *, unresolved: bool = False) -> list[Mention]:
        with gc_paused():
            return self._annotate(text, unresolved)

    def _annotate(self, text: str, unresolved: bool) -> list[Mention]:
        mentions: list[Mention] = []
        open_spans: list[tuple[int, int]] = []
        known_words: list[tuple[int, int]] = []
        joined: set[tuple[int, int]] = set()  # one-word places right beside a capitalized word
        # stages 1 and 2 work on pieces of about a megabyte cut between lines or sentences, so that
        # their working copies of the text stay small whatever the size of the document
        for base, piece in _pieces(text, _PIECE):
            exact = self._exact(piece)
            # a one-word place may be a word of a longer name ("Pakistan Tehrik-e-Insaf", "Tehreek-e-Taliban
            # Pakistan"): the fuzzy stage reads through it, and a longer name it finds there wins
            places = frozenset((s, e) for s, e, m in exact if m.type == "location" and _joined_to_a_name(piece, s, e))
            covered = _Spans([(s, e) for s, e, _ in exact if (s, e) not in places] if places else [(s, e) for s, e, _ in exact])
            fuzzy, spans, words = self._fuzzy(piece, covered, unresolved, places)
            if places:  # a fuzzy window holding a place that names that same place ("I. Russia") is the place
                at = {m.id: (s, e) for s, e, m in exact if (s, e) in places}
                fuzzy = [f for f in fuzzy if (f[0], f[1]) not in places and not (f[2].id in at and f[0] <= at[f[2].id][0] < f[1])]
                longer = _Spans([(s, e) for s, e, _ in fuzzy])
                exact = [x for x in exact if (x[0], x[1]) not in places or not longer.overlaps(x[0], x[1])]
            mentions += [self._mention(text, s + base, e + base, m, "exact") for s, e, m in exact]
            mentions += [self._mention(text, s + base, e + base, m, "fuzzy") for s, e, m in fuzzy]
            open_spans += [(s + base, e + base) for s, e in spans]
            known_words += [(s + base, e + base) for s, e in words]
            joined.update((s + base, e + base) for s, e in places)
        mentions.sort(key=_START)
        mentions = self._decide_namesakes(text, mentions)
        mentions, foreign = self._foreign_bodies(text, mentions)
        open_spans += foreign
        mentions = self._acronyms_defined(text, mentions, foreign)
        mentions = self._back_references(text, mentions, known_words)
        mentions = self._drop_embedded_places(text, mentions, joined)
        if unresolved:
            taken = _Spans.of(mentions)
            for s, e in open_spans:  # (in the order the stages found them: a span found later that
                if not taken.overlaps(s, e):  # overlaps one found earlier is left out)
                    taken.add(s, e)
                    mentions.append(Mention(s, e, text[s:e], None, None, None, 0.0, "unresolved"))
        mentions.sort(key=_START_END)
        return mentions

    def _mention(self, text: str, start: int, end: int, m: Match, kind: str) -> Mention:
        return Mention(start, end, text[start:end], m.id, m.name, m.type, m.score, kind, m,
                       tuple(a.id for a in m.alternatives) if m.ambiguous else ())  # fmt: skip

    def _drop_embedded_places(self, text: str, mentions: list[Mention], joined: set[tuple[int, int]]) -> list[Mention]:
        """A one-word place inside a longer capitalized name is a modifier of that name, not a
        mention of the place: "Pakistan Observer", "Tehrik-e-Labbaik Pakistan", "North America".
        Only the places ``joined`` to a capitalized word (`_joined_to_a_name`) can be."""
        taken = _Spans.of(mentions)
        return [m for m in mentions
                if not (m.kind == "exact" and " " not in m.text and not m.text.isupper()
                        and ((m.type == "location" and (m.start, m.end) in joined and self._embedded(text, m, taken))
                             or (m.type == "organization" and self._named_before(text, m, taken))))]  # fmt: skip

    def _named_before(self, text: str, m: Mention, taken: _Spans) -> bool:
        """Whether a one-word organization ends a longer name: a capitalized word that no mention
        claims stands right before it ("Kataib Hezbollah", "Thomson Reuters"), and is no adjective
        ("Lebanese Hezbollah", "Takfiri Daesh"), title, country or common word ("Yesterday Hezbollah")."""
        if m.start < 2 or text[m.start - 1] != " " or not text[m.start - 2].isalpha():
            return False
        before = _free_capitalized_before(text, m.start, taken)
        if before is None:
            return False
        word = text[before[0] : before[1]]
        return not (word.endswith(_ADJECTIVE_ENDINGS) or self._not_a_given_name(word) or word in country_forms()
                    or _POSSESSIVE.search(word))  # fmt: skip

    def _embedded(self, text: str, m: Mention, taken: _Spans) -> bool:
        """Whether a capitalized word that no mention claims stands right after or before ``m``
        (a capitalized common word that starts a sentence does not count: "Then Lahore")."""
        if text[m.end + 1 : m.end + 2].isupper():  # the first letter of the word after, if one comes
            after = _NEXT_WORD.match(text, m.end)
            if after and not taken.overlaps(after.start(1), after.end(1)):
                return True
        sep = m.start - 1
        if sep >= 0 and text[sep] == " ":  # the common case, "in Pakistan", told without _word_before
            space = text.rfind(" ", max(0, m.start - 40), sep)
            if space != -1 and not text[space + 1].isupper() and text[space + 1 : sep].isalpha():
                return False
        before = _free_capitalized_before(text, m.start, taken)
        if before is None:
            return False
        s, e = before
        head = text[max(0, s - 40) : s].rstrip()  # a look back, not the whole text
        sentence_start = not head or head[-1] in ".!?:\n\"“"
        return not (sentence_start and text[s:e].lower() in self.normalizer.common_words)

    def _context_score(self, entity: Entity, window: set[str], doc_ids: set[str]) -> tuple[float, list[str]]:
        """How well the words and entities around a mention fit an entity's facts."""
        reasons: list[str] = []
        score = 0.0
        for role in entity.roles:
            words = self._fact_words(role.title)
            hit = words & window
            if hit:
                score += len(hit) / max(len(words), 1)
                reasons.append(f"role '{role.title}' ~ {', '.join(sorted(hit))}")
            if role.org and role.org in doc_ids:
                score += 1.0
                reasons.append(f"role organization '{role.org}' is mentioned")
        for rel in entity.related:
            if rel in doc_ids:
                score += 0.5
                reasons.append(f"related '{rel}' is mentioned")
        if entity.description:
            hit = self._fact_words(entity.description) & window
            if hit:
                score += 0.25 * len(hit)
                reasons.append(f"description ~ {', '.join(sorted(hit))}")
        return score, reasons

    def _fact_words(self, text: str) -> frozenset[str]:
        """`_content_words` of an entity's role title or description, made once."""
        words = self._facts.get(text)
        if words is None:
            words = self._facts[text] = frozenset(self._content_words(text))
        return words

    def _content_words(self, text: str) -> set[str]:
        """Lower-case words of three letters or more, less function words: what context is compared on
        (as written: names in the context meet an entity's facts as mentions, through its related
        entities and role organizations)."""
        low = text.lower()
        words = (_ASCII_WORD if low.isascii() else _CONTENT_WORD).findall(low)  # (an ASCII class is tested faster)
        return set(words) - _STOP - self.normalizer.acronym_skip_words

    def _decide_namesakes(self, text: str, mentions: list[Mention]) -> list[Mention]:
        out = []
        starts = [m.start for m in mentions]
        for m in mentions:
            if m.id is None or (not m.alternatives and (m.kind != "fuzzy" or not _family_only(m) or self._after_title(text, m.start))):
                out.append(m)  # (most mentions: exact, of one entity)
                continue
            lo, hi = max(0, m.start - _CONTEXT_CHARS), min(len(text), m.end + _CONTEXT_CHARS)
            window = self._content_words(text[lo : m.start] + " " + text[m.end : hi])
            # the words right around the name ("Akhund, the acting prime minister") weigh twice
            close = self._content_words(text[max(0, m.start - _CLOSE_CHARS) : m.start] + " " + text[m.end : m.end + _CLOSE_CHARS])
            near = mentions[bisect_left(starts, lo - 200) : bisect_left(starts, hi)]
            near_ids = {o.id for o in near if o.id and o is not m and o.start < hi and o.end > lo}
            countries = {c for c in map(self._country_of_id.get, near_ids) if c}
            options = [m.id, *m.alternatives]
            scored: list[tuple[float, int, str, list[str], Entity]] = []  # (fit, place in the resolver's order, id, reasons, entity)
            for eid in options:
                entity = self.resolver.get(eid)
                if entity is None:
                    continue
                value, reasons = self._context_score(entity, window, near_ids)
                if entity.country in countries:  # a place or body of its country is mentioned nearby: a little
                    value += 0.25
                    reasons = [*reasons, f"a place or body of its country ({entity.country}) is mentioned"]
                nearby, close_reasons = self._context_score(entity, close, set())
                if nearby:
                    reasons = [*reasons, f"right beside the name: {'; '.join(close_reasons)}"]
                scored.append((value + nearby, len(scored), eid, reasons, entity))
            scored.sort(key=lambda t: (-t[0], t[1]))  # (equal fits: in the resolver's order, see `Resolver._sorted`)
            best = scored[0]
            if len(options) == 1:  # a family name alone, no title before it: kept where the context bears it out
                if best[0] > 0:
                    out.append(replace(m, notes=(*m.notes, f"family name alone, borne out by context: {'; '.join(best[3])}")))
                continue  # ("Medvedev knocked out of Wimbledon" is another Medvedev)
            if best[0] > 0 and best[0] > scored[1][0]:
                note = f"namesakes {', '.join(options)} told apart by context: {'; '.join(best[3])}"
                ent = best[4]
                out.append(replace(m, id=ent.id, name=ent.name, type=ent.type, notes=(*m.notes, note),
                                   alternatives=tuple(o for o in options if o != ent.id)))  # fmt: skip
            elif _family_only(m):
                continue  # a family name alone that several people share, and nothing around says whose: no mention
            else:
                note = (f"namesakes {', '.join(options)}: context does not decide; {best[2]} ranks first "
                        "(by score, spelling, own name rather than alias, then the gazetteer's prior)")
                ent = best[4]
                out.append(replace(m, id=ent.id, name=ent.name, type=ent.type, notes=(*m.notes, note)))
        return out

    def _foreign_bodies(self, text: str, mentions: list[Mention]) -> tuple[list[Mention], list[tuple[int, int]]]:
        """A state body qualified by another country is that country's body, not the gazetteer's:
        "Ukraine's Foreign Intelligence Service" or "the Federal Security Service of Ukraine" is not
        Russia's. Such a mention goes to a namesake of that country when one was in the running,
        else it is dropped (and reported with the unresolved spans). Returns (mentions, dropped spans)."""
        kept: list[Mention] = []
        dropped: list[tuple[int, int]] = []
        bodies = self._state_bodies
        for m in mentions:
            entity = bodies.get(m.id) if m.id is not None and m.type == "organization" else None
            if entity is None:
                kept.append(m)
                continue
            country = _country_before(text, m.start) or _country_after(text, m.end)
            if country is None or country == entity.country:
                kept.append(m)
                continue
            others = [o for o in (self.resolver.get(a) for a in m.alternatives) if o is not None and o.country == country]
            note = f"qualified by another country ({country}) than {entity.id}'s ({entity.country})"
            if others:
                o = others[0]
                kept.append(replace(m, id=o.id, name=o.name, type=o.type, notes=(*m.notes, f"{note}: {o.id}"),
                                    alternatives=tuple(a for a in (entity.id, *m.alternatives) if a != o.id)))  # fmt: skip
            else:
                dropped.append((m.start, m.end))
        return kept, dropped

    def _defined_as_other(self, text: str, paren: int, acro: str, foreign: Sequence[tuple[int, int]]) -> bool:
        """Whether the capitalized words right before ``paren`` spell ``acro`` (their initials) and
        name something else than the entity the gazetteer gives ``acro``, if it gives one: another
        country's body (a span in ``foreign``), or a name that does not resolve to that entity."""
        known = self._resolve(acro)
        if known is None:
            return False
        words = list(_INITIAL_WORD.finditer(text, max(0, paren - 120), paren))
        letters = [w for w in words if w.group()[0].isupper()]
        if not letters or text[letters[-1].end() : paren].strip():
            return False
        spelled = letters[-len(acro) :]  # each word gives one letter of the acronym
        if len(spelled) != len(acro) or "".join(w.group()[0] for w in spelled) != acro:
            return False
        start = spelled[0].start()
        phrase = text[start : letters[-1].end()]
        if any(s <= start < e or start <= s < letters[-1].end() for s, e in foreign):
            return True
        found = self._resolve(phrase)
        return found is None or found.id != known.id

    def _acronyms_defined(self, text: str, mentions: list[Mention], foreign: Sequence[tuple[int, int]] = ()) -> list[Mention]:
        """"Inter-Services Intelligence (ISI)": the acronym names the same entity for the rest of the text."""
        ends = [m.end for m in mentions]
        defined: dict[str, Mention] = {}
        elsewhere: dict[str, int] = {}  # acronym -> where the text defines it as the name of something else
        for hit in _DEFINED.finditer(text):
            i = bisect_right(ends, hit.start()) - 1
            acro = hit.group(1)
            if i < 0 or text[ends[i] : hit.start()].strip() or not _initials_fit(mentions[i].text, acro):
                # the parenthesis does not follow a mention (of a name the acronym can abbreviate):
                # "Andhra Pradesh (AP)", "Slovak Information Service (SIS)", "Press Trust of India (PTI)"
                # define the acronym as a name the gazetteer does not hold
                if acro not in elsewhere and self._defined_as_other(text, hit.start(), acro, foreign):
                    elsewhere[acro] = hit.start()
                continue
            source = mentions[i]
            if source.id and source.type != "person" and acro not in defined:
                known = self._resolve(acro)
                if known is None or known.id != source.id:  # an acronym the gazetteer lacks (or gives another entity)
                    defined[acro] = source
        if elsewhere:
            mentions = [m for m in mentions if m.start < elsewhere.get(m.text, m.start + 1) or m.kind == "fuzzy"]
            ends = [m.end for m in mentions]
        if not defined:
            return mentions
        taken = _Spans.of(mentions)
        at = {(m.start, m.end): m for m in mentions}
        dropped: set[tuple[int, int]] = set()
        added: dict[str, _Spans] = {}
        extra = []
        for acro, source in defined.items():
            mine = added.setdefault(acro, _Spans())  # in text order: appends
            for hit in re.finditer(rf"(?<!\w){re.escape(acro)}(?!\w)", text):
                s, e = hit.span()
                if s < source.end:
                    continue
                if taken.overlaps(s, e):
                    other = at.get((s, e))
                    if other is None or other.id == source.id or (s, e) in dropped:
                        continue
                    dropped.add((s, e))  # defined in this text, the acronym beats the gazetteer's other entity
                if any(spans.overlaps(s, e) for spans in added.values()):
                    continue
                note = f"acronym '{acro}' defined after '{source.text}' at {source.start}"
                extra.append(Mention(s, e, acro, source.id, source.name, source.type, source.score, "acronym",
                                     source.match, (), (note,)))  # fmt: skip
                mine.add(s, e)
        if dropped:
            mentions = [m for m in mentions if (m.start, m.end) not in dropped]
        return sorted(mentions + extra, key=_START) if extra else mentions  # mentions come sorted

    def _family_of(self, entity_id: str | None) -> str | None:
        """The last part of a person's family name (else of their name) as a key part; None for
        another entity. Made on first use: a gazetteer of a hundred thousand people would otherwise
        parse every one when its annotator is built."""
        e_idx = self._by_id.get(entity_id or "", -1)
        if e_idx not in self._family:
            family = None
            if e_idx >= 0 and self.resolver.facts.types[e_idx] == "person":
                entity = self.resolver.entities[e_idx]
                key = self.normalizer.key(entity.family_name or entity.name).tokens
                family = key[-1] if key else None
            self._family[e_idx] = family
        return self._family[e_idx]

    def _back_references(self, text: str, mentions: list[Mention], words: list[tuple[int, int]]) -> list[Mention]:
        """"Ivanov said" after "Sergei Ivano": a lone family name refers back to the person named before."""
        full = [m for m in mentions if m.type == "person" and m.id and not _family_only(m)]
        first: dict[str | None, int] = {}  # family name part -> where a full mention of it first stands
        for f in full:
            family = self._family_of(f.id)
            first[family] = min(first.get(family, f.start), f.start)
        # a family name found alone ("Medvedev") after a full mention is a back-reference to it
        mentions = [m for m in mentions
                    if m.kind != "fuzzy" or not (_family_only(m) and first.get(self._part_token(m.text), m.start) < m.start)]  # fmt: skip
        persons = [m for m in mentions if m.type == "person" and m.id]
        if not persons:
            return mentions
        taken = _Spans.of(mentions)
        added = _Spans()  # words come in text order: appends, never insertions into a long list
        extra = []
        seen: dict[str, Mention] = {}  # family name part -> the latest full mention of its person
        nearest: dict[str, tuple[int, str | None]] = {}  # part -> (len(seen) then, the seen family like it)
        p = 0
        for s, e in words:
            while p < len(persons) and persons[p].start < s:
                m = persons[p]
                family = self._family_of(m.id)
                if family is not None:
                    seen[family] = m
                p += 1
            if not seen:
                continue
            tok = self._part_token(text[s:e])
            if tok is None:
                continue
            best = seen.get(tok)
            if best is None and len(tok) >= 4:
                # the same word comes back often, and the families seen (only ever added) seldom change
                known, fam = nearest.get(tok, (-1, None))
                if known != len(seen):
                    fam = _like(tok, seen)
                    nearest[tok] = (len(seen), fam)
                best = None if fam is None else seen[fam]
            if (best is not None and not taken.overlaps(s, e) and not added.overlaps(s, e)  # the rare case last
                    and _boundary(text, s, e)  # (a word that a combining mark goes on is another word)
                    and not _after_given_name(text, s, self._not_a_given_name)  # "Aamir Khan" after "Imran Khan"
                    and not _LOCATIVE.search(text, max(0, s - 12), s)):  # "said in Ivanovo": a place  # fmt: skip
                s = _with_particle(text, s)  # "al-Muhajir", "bin Laden": the particle is part of the family name
                note = f"family name refers back to '{best.text}' at {best.start}"
                extra.append(Mention(s, e, text[s:e], best.id, best.name, best.type, min(best.score, 0.9), "coreference",
                                     best.match, (), (note,)))  # fmt: skip
                added.add(s, e)
        return sorted(mentions + extra, key=_START) if extra else mentions  # mentions come sorted


_PARTICLE_BEFORE = re.compile(r"(?:^|(?<=[\s(\"“]))(?:al|el|bin|ibn|abu|bint)[- ]$", re.IGNORECASE)


def _initials_fit(name: str, acro: str) -> bool:
    """Whether ``acro`` can abbreviate ``name``: it starts with the name's first initial ("TLP" is
    not "Pakistan"), and has no more letters than the name."""
    return acro[0] == name[:1].upper() and len(acro) <= len(name.replace(" ", ""))


def _joined_to_a_name(text: str, start: int, end: int) -> bool:
    """Whether the one word ``text[start:end]`` stands right beside a capitalized word, joined by a
    space or a hyphen ("Pakistan Tehrik-e-Insaf", "Tehreek-e-Taliban Pakistan"), not by "and" or a comma.
    Every place that `Annotator._embedded` finds inside a longer name passes this test (a cheaper one)."""
    after = text[end : end + 2]
    if len(after) == 2 and after[0] in " -" and after[1].isupper():
        return " " not in text[start:end]
    if start > 2 and text[start - 1] == "\n" and text[start - 2] in " -":
        start -= 1  # (a line break after the joint, as `_word_before` allows)
    if start < 2 or text[start - 1] not in " -" or not (text[start - 2].isalnum() or text[start - 2] in "'’_"):
        return False
    space = text.rfind(" ", start - 40 if start > 40 else 0, start - 1)
    word = text[space + 1 : start - 1]
    if word[:1].islower() and "-" not in word and "\n" not in word:  # the common case: "in Pakistan"
        return False
    word = word.rsplit("\n", 1)[-1]
    return any(part[:1].isupper() for part in word.split("-")) and " " not in text[start:end]


def _after_given_name(text: str, start: int, not_given: Callable[[str], bool]) -> bool:
    """Whether the word at ``start`` follows a capitalized word that may be a given name ("Aamir
    Khan"); ``not_given`` tells the words that are not (titles, common words: "Later Khan")."""
    before = _word_before(text, start) if start > 1 and text[start - 1] == " " else None
    if before is None:
        return False
    word = text[before[0] : before[1]]
    return word[0].isupper() and word.lower() not in _PARTICLES and not not_given(word)


def _with_particle(text: str, start: int) -> int:
    """``start`` moved back over a particle written right before it ("al-", "bin ")."""
    hit = _PARTICLE_BEFORE.search(text, max(0, start - 5), start)
    return hit.start() if hit is not None else start


def _like(part: str, families: Iterable[str]) -> str | None:
    """The family name most like ``part`` (a misspelling of it, within two letters of its length)."""
    close = [(token_similarity(part, fam)[0], fam) for fam in families if abs(len(fam) - len(part)) <= 2]
    sim, fam = max(close, default=(0.0, ""))
    return fam if sim >= 0.85 else None


_NEXT_WORD = re.compile(r"[ -]([^\W\d_][\w'’]*)")
_WORD_CHARS = re.compile(r"[\w'’]*")
_LETTER = re.compile(r"[^\W\d_]")
_CONTENT_WORD = re.compile(r"[^\W\d_]{3,}")
_ASCII_WORD = re.compile(r"[a-z]{3,}")  # the same words in lower-case ASCII text
_COMPOUND_HEAD = re.compile(r"(?<![\w-])([^\W\d_]+)(?:-[^\W\d_]+)*$")  # the first part of the hyphenated words before
_PREFIXES = frozenset({"anti", "pro", "non", "post", "pre", "ex", "neo", "pan", "mid", "sub", "trans"})
_POSSESSIVE_CAPS = re.compile(r"['’]S$")
_ADJECTIVE_ENDINGS = ("i", "an", "ese", "ish", "ic")  # "Iraqi", "Afghan", "Lebanese", "Kurdish", "Islamic"
_LOCATIVE = re.compile(r"(?<!\w)(?:in|at|near|outside|inside|around|across|into|towards?|throughout)[ \t]+$")
_NUMBERED = re.compile(r"\d|-[IVX]+$")
_NAME_START = frozenset({"Al", "El", "Abu", "Bin", "Ibn", "Van", "Von", "De"})  # capitalized, these start a name
_DEFINED = re.compile(r"\(([A-Z][A-Z0-9&]{1,9})\)")
_INITIAL_WORD = re.compile(r"[^\W\d_]+")  # the words, and the parts of hyphenated words, whose initials spell an acronym
# function words: a description or role that shares one with the context says nothing ("since")
_STOP = frozenset({
    "the", "and", "for", "with", "from", "that", "this", "was", "were", "has", "had", "have", "its", "his", "her",
    "said", "who", "which", "whom", "whose", "what", "when", "where", "while", "why", "how", "since", "until",
    "after", "before", "into", "onto", "over", "under", "about", "above", "below", "also", "been", "being", "are",
    "but", "not", "nor", "our", "out", "off", "too", "can", "could", "did", "does", "doing", "done", "during",
    "through", "upon", "against", "between", "within", "without", "across", "along", "among", "around", "toward",
    "towards", "via", "yet", "may", "might", "must", "shall", "should", "will", "would", "than", "then", "there",
    "these", "those", "they", "them", "their", "theirs", "she", "him", "hers", "you", "your", "yours", "all", "any",
    "both", "each", "few", "many", "much", "more", "most", "other", "some", "such", "only", "own", "same", "very",
    "just", "now", "here", "once", "again", "ever", "even", "still", "already",
})  # fmt: skip


# what a country qualifies: bodies of a state (another country's are others), not groups or media
_STATE_TAGS = frozenset({"intelligence-agency", "government-body", "ministry", "military", "legislature", "law-enforcement"})
_COUNTRIES = Path(__file__).resolve().parent / "data" / "countries.tsv"
_OF_COUNTRY = re.compile(r"[ \t]+of[ \t]+(?:the[ \t]+)?((?:[^\W\d_][\w.’'-]*[ \t]*){1,4})")


@lru_cache(maxsize=1)
def country_forms() -> dict[str, str]:
    """Country names and demonyms as written ("Ukraine", "Ukrainian", "U.S.") -> ISO 3166-1
    alpha-2 code, from ``data/countries.tsv``."""
    forms: dict[str, str] = {}
    for line in _COUNTRIES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, names, demonyms = line.split("\t")
        for form in (*names.split("|"), *demonyms.split("|")):
            forms.setdefault(form.strip(), code)
    return forms


def _country_of(words: list[str], *, first: bool = False) -> str | None:
    """The country that the last of ``words`` (up to four) name, longest name first (``first``: the
    first of them, "of the United States of America ...")."""
    forms = country_forms()
    for k in range(len(words), 0, -1):
        code = forms.get(" ".join(words[:k] if first else words[len(words) - k :]))
        if code is not None:
            return code
    return None


def _country_before(text: str, start: int, *, caps: bool = False) -> str | None:
    """The country named right before ``start``: "Ukraine's ", "Ukrainian ", "the United States' "
    (``caps``: also as written in a headline, "INDIA'S ")."""
    if start < 2 or text[start - 1] not in " \t":
        return None
    words = text[max(0, start - 40) : start].split()[-4:]
    if not words or not words[-1][:1].isupper():  # the common case: no capitalized word before
        return None
    words[-1] = _POSSESSIVE.sub("", _POSSESSIVE_CAPS.sub("", words[-1]) if caps else words[-1])
    if caps and all(w.isupper() for w in words):
        words = [w.title() for w in words]  # (the table's forms are in title case: "UNITED STATES" -> "United States")
        return _country_of(words) or _country_of([w.upper() for w in words])
    return _country_of(words)


def _country_after(text: str, end: int) -> str | None:
    """The country named in "of [the] <country>" right after ``end``."""
    if not text.startswith(" of ", end):
        return None
    hit = _OF_COUNTRY.match(text, end, end + 60)
    if hit is None:
        return None
    words = hit.group(1).split()
    words[-1] = words[-1].rstrip(".,;:")
    return _country_of(words, first=True)


def _free_capitalized_before(text: str, start: int, taken: _Spans) -> tuple[int, int] | None:
    """Where the word before ``start`` stands (see `_word_before`), if it is capitalized and no
    mention in ``taken`` claims it."""
    before = _word_before(text, start)
    if before is None or not text[before[0]].isupper() or taken.overlaps(*before):
        return None
    return before


def _word_before(text: str, start: int) -> tuple[int, int] | None:
    """Where the word before ``start`` stands: a letter, then letters, digits and apostrophes, in
    the 40 characters before ``start``, with a space or hyphen between it and ``start`` (and maybe
    a line break after that). Found by walking back from ``start`` (a reversed slice, one match),
    where searching forward from 40 characters back tries a match at every one of them."""
    lo = max(0, start - 40)
    sep = start - 1
    if sep >= lo and text[sep] == "\n":
        sep -= 1
    if sep < lo or text[sep] not in " -":
        return None
    space = text.rfind(" ", lo, sep)
    if space != -1 and text[space + 1 : sep].isalpha():
        return space + 1, sep  # the common case: a word of letters only, after a space
    if sep == lo or not (text[sep - 1].isalnum() or text[sep - 1] in "_'’"):
        return None  # no word character before the separator ("... said. Lahore")
    run = _WORD_CHARS.match(text[lo:sep][::-1])  # the word characters back from the separator
    first = _LETTER.search(text, sep - (run.end() if run else 0), sep)  # the word starts with a letter
    return None if first is None else (first.start(), sep)


def _class_forms(normalizer: Any) -> dict[tuple[str, ...], list[str]]:
    cached: dict[tuple[str, ...], list[str]] | None = getattr(normalizer, "_class_forms", None)
    if cached is not None:
        return cached
    out: dict[tuple[str, ...], list[str]] = {}
    for cls in (*normalizer.rules.name_classes, *normalizer.rules.org_classes):
        canonical = tuple(normalizer.skeleton(t) for t in normalizer._fold_tokens(cls.canonical))
        target = normalizer.name_variants.get(canonical) or normalizer.org_variants.get(canonical) or canonical
        for form in (cls.canonical, *cls.variants):
            folded = " ".join(normalizer._fold_tokens(form))
            if folded and " " not in folded:
                out.setdefault(target, []).append(folded)
    normalizer._class_forms = out
    return out


def annotate_many(annotator: Annotator, texts: Iterable[str], *, unresolved: bool = False) -> list[list[Mention]]:
    return [annotator.annotate(t, unresolved=unresolved) for t in texts]
