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

__all__ = ["Mention", "Annotator"]

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from itertools import product
from typing import TYPE_CHECKING, Any

import ahocorasick

from .aliases import is_case_sensitive
from .model import Entity, Explanation, Match

if TYPE_CHECKING:
    from .resolver import Resolver

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d-"
_QUOTES = "\u2019\u2018\u02bc\u02bb\u2032`\u00b4"
_SCAN_TABLE = str.maketrans({**{c: " " for c in _DASHES}, **{c: "'" for c in _QUOTES},
                             **{c: " " for c in "\t\n\r\v\f\u00a0\u2009\u202f\u3000"}})  # fmt: skip
_MAX_WINDOW = 5
_SINGLE_WORD_SCORE = 0.9
_CONTEXT_CHARS = 250
_PARTICLES = frozenset({"al", "el", "ul", "ud", "bin", "ibn", "bint", "abu", "de", "da", "van", "von", "der", "e", "i", "of", "the", "and"})  # fmt: skip


@dataclass(frozen=True)
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
    explanation: Explanation | None = None
    alternatives: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

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


@cache
def _upper_class() -> str:
    chars = [chr(c) for c in range(0x20000) if chr(c).isupper() or chr(c).istitle()]
    return "".join(re.escape(c) for c in chars)


_CASELESS = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff\u0590-\u05ff\u4e00-\u9fff\u3400-\u4dbf"


@cache
def _span_regex() -> re.Pattern[str]:
    up = _upper_class()
    word = rf"(?:[{up}][\w'’]*(?:[.-][\w'’]+)*\.?)"
    particle = r"(?:al|el|ul|ud|bin|ibn|abu|de|da|van|von|der|of|the|and|e|i)"
    caseless = rf"(?:[{_CASELESS}][{_CASELESS}\u200c\u200d]*)"
    latin = rf"{word}(?:[ \t]+(?:{particle}[ \t]+)?{word}|-{word})*"
    return re.compile(rf"(?<!\w)(?:{latin}|{caseless}(?:[ \t]+{caseless})*)")


def _scan_form(text: str) -> str:
    """A lower-cased copy of ``text`` of the same length (so offsets carry over), dashes as spaces."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        low = "".join((ch.casefold()[0] if len(ch.lower()) != 1 else ch) for ch in low)
    return low.translate(_SCAN_TABLE)


def _boundary(text: str, start: int, end: int) -> bool:
    if start > 0:
        before = text[start - 1]
        if before.isalnum() or before == "_":
            return False
    if end < len(text):
        after = text[end]
        if after.isalnum() or after == "_" or unicodedata.category(after).startswith("M"):
            return False
    return True


def _line_is_caps(text: str, pos: int) -> bool:
    """True when the line around ``pos`` is written in capitals (a headline): case says nothing there."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    line = text[start : end if end != -1 else len(text)]
    letters = [c for c in line if c.isalpha()]
    if len(letters) < 12:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper / len(letters) > 0.8


class Annotator:
    """Finds mentions for one :class:`~resolver.Resolver`. Built once per resolver, read-only after."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.normalizer = resolver.normalizer
        self.automaton = ahocorasick.Automaton()
        patterns: dict[str, set[int]] = {}
        for a_idx, rec in enumerate(resolver.index.aliases):
            for form in self._scan_patterns(rec.text, rec.kind):
                patterns.setdefault(form, set()).add(a_idx)
        for form, ids in patterns.items():
            self.automaton.add_word(form, (len(form), tuple(sorted(ids))))
        if patterns:
            self.automaton.make_automaton()
        self._has_patterns = bool(patterns)
        self._resolve = lru_cache(maxsize=200_000)(resolver.resolve)
        self._family: dict[int, str] = {}
        for e_idx, entity in enumerate(resolver.entities):
            if entity.type == "person":
                key = self.normalizer.key(entity.family_name or entity.name).tokens
                if key:
                    self._family[e_idx] = key[-1]
        self._by_id = {e.id: i for i, e in enumerate(resolver.entities)}
        self._part_known = lru_cache(maxsize=200_000)(self._part_known_uncached)

    # -- building the automaton --------------------------------------------------------------------
    def _variant_forms(self, folded: str) -> list[str]:
        """Spellings of one name part from its equivalence class ("sergei" -> "sergey", "serguei" ...)."""
        skel = self.normalizer.skeleton(folded)
        canonical = self.normalizer.name_variants.get((skel,)) or self.normalizer.org_variants.get((skel,))
        if canonical is None:
            return [folded]
        forms = _class_forms(self.normalizer).get(canonical, [])
        return [folded, *(f for f in forms if f != folded)][:6]

    def _scan_patterns(self, text: str, kind: str) -> set[str]:
        base = " ".join(_scan_form(text).split())
        out = {base} if base else set()
        if kind == "acronym" or (text.isupper() and 2 <= len(text) <= 6 and text.isalpha()):
            out.add(".".join(text.lower()) + ".")
        words = base.split(" ")
        if 1 < len(words) <= 4 and all(w.isalpha() and w.isascii() for w in words):
            options = [self._variant_forms(w) for w in words]
            for combo in list(product(*options))[:24]:
                out.add(" ".join(combo))
        return out

    # -- stage 1: exact ------------------------------------------------------------------------------
    def _exact(self, text: str) -> list[tuple[int, int, Match]]:
        if not self._has_patterns:
            return []
        scan = _scan_form(text)
        hits: list[tuple[int, int, tuple[int, ...]]] = []
        for end_idx, (length, ids) in self.automaton.iter(scan):
            start, end = end_idx - length + 1, end_idx + 1
            if _boundary(text, start, end):
                hits.append((start, end, ids))
        hits.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
        taken: list[tuple[int, int]] = []
        out = []
        for start, end, ids in hits:
            if any(start < e and s < end for s, e in taken):
                continue
            m = self._accept_exact(text, start, end, ids)
            if m is not None:
                taken.append((start, end))
                out.append((start, end, m))
        return out

    def _accept_exact(self, text: str, start: int, end: int, ids: tuple[int, ...]) -> Match | None:
        surface = text[start:end]
        aliases = self.resolver.index.aliases
        strict = any(aliases[i].case_sensitive for i in ids)
        if strict and _line_is_caps(text, start):
            return None  # "WHY IS PAKISTAN ...": capitals say nothing about "IS"
        if not strict and not self._capitalized_enough(surface, ids):
            return None
        m = self._resolve(surface)
        if m is None:
            return None
        return m

    def _capitalized_enough(self, surface: str, ids: tuple[int, ...]) -> bool:
        """A name made only of common words ("Foreign Office") must be written with capitals."""
        key = self.normalizer.key(surface)
        if not self.normalizer.is_common(key.surface):
            return True
        words = [w for w in key.cased if w.lower() not in _PARTICLES]
        return bool(words) and all(w[0].isupper() for w in words)

    # -- stage 2: fuzzy ------------------------------------------------------------------------------
    def _part_known_uncached(self, word: str) -> bool:
        key = self.normalizer.key(word)
        if not key.tokens:
            return False
        if len(key.surface) == 1 and len(key.surface[0]) == 1:
            return True  # an initial
        if self.normalizer.is_title(key.surface) or key.surface[0] in _PARTICLES:
            return True
        index = self.resolver.index
        return all(tok in index.postings or tok in index.exact or (len(tok) >= 4 and index.similar_parts(tok)) for tok in key.tokens)

    def _fuzzy(self, text: str, covered: list[tuple[int, int]]) -> tuple[list[tuple[int, int, Match]], list[tuple[int, int]]]:
        found: list[tuple[int, int, Match]] = []
        unresolved: list[tuple[int, int]] = []
        for span in _span_regex().finditer(text):
            s0, e0 = span.span()
            if any(s <= s0 and e0 <= e for s, e in covered):
                continue
            words = [(m.start() + s0, m.end() + s0) for m in re.finditer(r"[^\s]+", span.group())]
            words = [(s, e - (1 if text[e - 1] in ".,;:" and e - s > 2 else 0)) for s, e in words]
            known = [self._part_known(text[s:e]) for s, e in words]
            hits = self._windows(text, words, known, covered)
            found += hits
            if not hits and len(words) >= 2:
                unresolved.append((words[0][0], words[-1][1]))
        return found, unresolved

    def _windows(self, text: str, words: list[tuple[int, int]], known: list[bool], covered: list[tuple[int, int]]) -> list[tuple[int, int, Match]]:
        n = len(words)
        out: list[tuple[int, int, Match]] = []
        used = [False] * n
        for size in range(min(_MAX_WINDOW, n), 0, -1):
            for i in range(0, n - size + 1):
                if any(used[i : i + size]) or not all(known[i : i + size]):
                    continue
                s, e = words[i][0], words[i + size - 1][1]
                if size > 1 and (text[s:words[i][1]].lower() in _PARTICLES or text[words[i + size - 1][0]:e].lower() in _PARTICLES):
                    continue  # a window neither starts nor ends on a particle ("Iraqi and")
                if any(s < ce and cs < e for cs, ce in covered):
                    continue
                surface = text[s:e]
                m = self._resolve(surface)
                if m is None:
                    continue
                rec_case = is_case_sensitive(self.normalizer.key(m.alias), self.normalizer)
                if rec_case and m.alias != surface and not surface.isupper():
                    continue
                if size == 1 and not self._single_word_ok(surface, m):
                    continue
                out.append((s, e, m))
                for k in range(i, i + size):
                    used[k] = True
        return out

    def _single_word_ok(self, surface: str, m: Match) -> bool:
        """One word alone is a fuzzy mention only when it is very close and not a derived word form.

        A lone family name waits for the document stage; "Russian" or "Pakistani" (the alias plus a
        suffix) are words of their own, not misspellings of "Russia" or "Pakistan".
        """
        if any("family name only" in n for n in m.explanation.notes):
            return False
        if m.score < _SINGLE_WORD_SCORE:
            return False
        alias = self.normalizer.key(m.alias).surface
        word = self.normalizer.key(surface).surface
        return not (len(alias) == 1 and len(word) == 1 and word[0] != alias[0] and word[0].startswith(alias[0]))

    # -- stage 3: the document -------------------------------------------------------------------------
    def annotate(self, text: str, *, unresolved: bool = False) -> list[Mention]:
        exact = self._exact(text)
        covered = [(s, e) for s, e, _ in exact]
        fuzzy, open_spans = self._fuzzy(text, covered)
        mentions = [self._mention(text, s, e, m, "exact") for s, e, m in exact]
        mentions += [self._mention(text, s, e, m, "fuzzy") for s, e, m in fuzzy]
        mentions.sort(key=lambda m: m.start)
        mentions = self._decide_namesakes(text, mentions)
        mentions = self._acronyms_defined(text, mentions)
        mentions = self._back_references(text, mentions)
        if unresolved:
            taken = [(m.start, m.end) for m in mentions]
            for s, e in open_spans:
                if not any(s < te and ts < e for ts, te in taken):
                    mentions.append(Mention(s, e, text[s:e], None, None, None, 0.0, "unresolved"))
        mentions.sort(key=lambda m: (m.start, m.end))
        return mentions

    def _mention(self, text: str, start: int, end: int, m: Match, kind: str) -> Mention:
        return Mention(start, end, text[start:end], m.id, m.name, m.type, m.score, kind, m.explanation,
                       tuple(a.id for a in m.alternatives) if m.ambiguous else ())  # fmt: skip

    def _context_score(self, entity: Entity, window: set[str], doc_ids: set[str]) -> tuple[float, list[str]]:
        """How well the words and entities around a mention fit an entity's facts."""
        reasons: list[str] = []
        score = 0.0
        for role in entity.roles:
            words = self._content_words(role.title)
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
            hit = self._content_words(entity.description) & window
            if hit:
                score += 0.25 * len(hit)
                reasons.append(f"description ~ {', '.join(sorted(hit))}")
        return score, reasons

    def _content_words(self, text: str) -> set[str]:
        return {t for t in self.normalizer.key(text).tokens if len(t) > 2 and t not in self.normalizer.acronym_skip_words
                and t not in _STOP}  # fmt: skip

    def _decide_namesakes(self, text: str, mentions: list[Mention]) -> list[Mention]:
        out = []
        for i, m in enumerate(mentions):
            if not m.alternatives or m.id is None:
                out.append(m)
                continue
            lo, hi = max(0, m.start - _CONTEXT_CHARS), min(len(text), m.end + _CONTEXT_CHARS)
            window = self._content_words(text[lo : m.start] + " " + text[m.end : hi])
            near_ids = {o.id for o in mentions if o.id and o is not m and o.start < hi and o.end > lo}
            options = [m.id, *m.alternatives]
            scored = []
            for eid in options:
                entity = self.resolver.get(eid)
                if entity is None:
                    continue
                value, reasons = self._context_score(entity, window, near_ids)
                scored.append((value, entity.prior, eid, reasons, entity))
            scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
            best = scored[0]
            if best[0] > 0 and (len(scored) == 1 or best[0] > scored[1][0]):
                note = f"namesakes {', '.join(options)} told apart by context: {'; '.join(best[3])}"
                ent = best[4]
                out.append(replace(m, id=ent.id, name=ent.name, type=ent.type, notes=(*m.notes, note),
                                   alternatives=tuple(o for o in options if o != ent.id)))  # fmt: skip
            else:
                note = f"namesakes {', '.join(options)}: context does not decide; the gazetteer's prior picks {best[2]}"
                ent = best[4]
                out.append(replace(m, id=ent.id, name=ent.name, type=ent.type, notes=(*m.notes, note)))
        return out

    def _acronyms_defined(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """"Inter-Services Intelligence (ISI)": the acronym names the same entity for the rest of the text."""
        defined: dict[str, Mention] = {}
        for m in mentions:
            follow = _DEFINED.match(text, m.end)
            if follow and m.id and m.type != "person":
                defined.setdefault(follow.group(1), m)
        if not defined:
            return mentions
        taken = [(m.start, m.end) for m in mentions]
        extra = []
        for acro, source in defined.items():
            for hit in re.finditer(rf"(?<!\w){re.escape(acro)}(?!\w)", text):
                s, e = hit.span()
                if s < source.end or any(s < te and ts < e for ts, te in taken):
                    continue
                note = f"acronym '{acro}' defined after '{source.text}' at {source.start}"
                extra.append(Mention(s, e, acro, source.id, source.name, source.type, source.score, "acronym",
                                     source.explanation, (), (note,)))  # fmt: skip
                taken.append((s, e))
        return sorted(mentions + extra, key=lambda m: m.start)

    def _back_references(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """"Ivanov said" after "Sergei Ivano": a lone family name refers back to the person named before."""
        persons = [m for m in mentions if m.type == "person" and m.id]
        if not persons:
            return mentions
        taken = [(m.start, m.end) for m in mentions]
        extra = []
        for hit in _CAPWORD().finditer(text):
            s, e = hit.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            key = self.normalizer.key(hit.group())
            if len(key.tokens) != 1:
                continue
            tok = key.tokens[0]
            best = None
            for m in persons:
                if m.start >= s:
                    break
                e_idx = self._by_id.get(m.id or "")
                family = self._family.get(e_idx) if e_idx is not None else None
                if family is None:
                    continue
                from .scoring import token_similarity

                sim, _ = token_similarity(tok, family)
                if sim >= 0.85:
                    best = m
            if best is not None:
                note = f"family name refers back to '{best.text}' at {best.start}"
                extra.append(Mention(s, e, text[s:e], best.id, best.name, best.type, min(best.score, 0.9), "coreference",
                                     best.explanation, (), (note,)))  # fmt: skip
                taken.append((s, e))
        return sorted(mentions + extra, key=lambda m: m.start)


_DEFINED = re.compile(r"\s*\(([A-Z][A-Z0-9&]{1,9})\)")
_STOP = frozenset({"the", "and", "for", "with", "from", "that", "this", "was", "were", "has", "had", "have", "its", "his", "her", "said", "who", "which"})  # fmt: skip


@cache
def _CAPWORD() -> re.Pattern[str]:  # noqa: N802
    return re.compile(rf"(?<!\w)[{_upper_class()}][\w'’]+(?!\w)")


@cache
def _class_forms_cache(normalizer_id: int) -> dict[tuple[str, ...], list[str]]:
    return {}


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
