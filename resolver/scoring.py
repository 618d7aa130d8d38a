"""Scoring: how alike a query name and an alias are, as one number in [0, 1] with its reasons.

The method (``name-parts-v2``) compares name parts, not whole strings:

1. every part of each side is paired with its most similar part on the other side (one to one);
   the similarity of two parts is 1 when equal, 0.9 for an initial ("s" ~ "sergei"), else the
   edit similarity of their skeletons (rapidfuzz's optimal string alignment distance: Levenshtein
   with the swap of two neighbouring letters as one edit, "ajnum" ~ "anjum"), plus 0.02 (up to
   0.88) when both parts sound the same (jellyfish Metaphone) and start alike; parts that the rules
   rewrote are also compared as spelled, and the better similarity counts;
2. coverage: the weighted share of each side's parts that found a partner (particles such as "al",
   "bin", "of" weigh 0.2; in person names middle parts weigh 0.35, other parts 1); the score is
   the mean of both coverages (for organizations, the mean of that and the weaker coverage, since
   a word more or less makes another organization: "Islamic State of Pakistan"), less 0.02 when
   the parts are paired out of order. In an organization's or a place's name a part counts only
   from 0.75 alike, or when both parts have three letters and are one edit apart ("deo", "del");
3. persons only: the family name must match (part similarity >= 0.75) and so must a given name
   when both sides have one, otherwise the score is capped at 0.5 ("Sergei Lavrov" is not Sergei
   Ivanov; "Hamid Karzai" is not Faiz Hamid); a lone family name scores 0.8 x its similarity;
4. a name written as one word ("gazetaru") or split differently is also compared whole.

Scores at or above the resolver's threshold (default 0.8, see ``docs/scoring.md``) are matches.
"""

from __future__ import annotations

__all__ = ["METHOD", "PART_MATCH", "clear_caches", "compare", "compare_many", "metaphone_code", "notes_of", "token_similarities",
           "token_similarity"]

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import Any

import jellyfish
from rapidfuzz.distance import OSA, Levenshtein, Prefix

from .model import Comparison

METHOD = "name-parts-v2"
PART_MATCH = 0.75  # a name part counts as "the same" from this similarity on
_PAIR_MIN = 0.5  # below this two parts are not paired at all
_SHORT_MATCH = 0.66  # two words of 3 letters one edit apart (2/3) match, in an organization's or a place's name
_MIDDLE = 0.35
_PARTICLE = 0.2
_PARTICLES = frozenset({"al", "el", "ul", "ud", "ad", "as", "ar", "bin", "ibn", "bint", "abu", "de", "da", "di", "van", "von", "der", "of", "the", "and", "e", "i"})  # fmt: skip
SURNAME_ONLY = 0.8
_SOUND_BONUS = 0.02  # two parts that sound alike (same Metaphone code, same first letter) ...
_SOUND_CAP = 0.88  # ... gain this much edit similarity, up to this
_CAP = 0.5

# the notes of a score, as bits (`compare_many`) and as told (`notes_of`), in the order `compare` gives them
_ORGANIZATION, _ORDER, _FAMILY_ONLY, _ONE_GIVEN, _FAMILY_DIFFERS, _GIVEN_DIFFERS, _WHOLE = (1 << k for k in range(7))
_NOTES = {
    _ORGANIZATION: "organization: the weaker coverage counts half",
    _ORDER: "name parts in another order (-0.02)",
    _FAMILY_ONLY: f"family name only: {SURNAME_ONLY} x {{:.3f}}",
    _ONE_GIVEN: "a single given name is not enough",
    _FAMILY_DIFFERS: f"family name differs: capped at {_CAP}",
    _GIVEN_DIFFERS: f"given name differs: capped at {_CAP}",
    _WHOLE: "compared as one word",
}


def notes_of(flags: int, family: float = 0.0) -> tuple[str, ...]:
    """The notes that the bits ``flags`` stand for (``family``: the family name's similarity, told in one of them)."""
    return _notes(flags, family if flags & _FAMILY_ONLY else 0.0)


@lru_cache(maxsize=4096)
def _notes(flags: int, family: float) -> tuple[str, ...]:
    return tuple(text.format(family) for bit, text in _NOTES.items() if flags & bit)


def metaphone_code(token: str) -> str:
    """The Metaphone code of a name part (jellyfish); a part with other characters than letters is its own code."""
    return jellyfish.metaphone(token) if token.isalpha() else token


_metaphone = lru_cache(maxsize=131072)(metaphone_code)  # parts compared again and again


@lru_cache(maxsize=262144)
def token_similarity(a: str, b: str) -> tuple[float, str]:
    """Similarity of two name parts (skeletons) and the comparison that produced it."""
    if a == b:
        return 1.0, "equal"
    if len(a) == 1 or len(b) == 1:
        return (0.9, "initial") if a[0] == b[0] else (0.0, "initial")
    edit = OSA.normalized_similarity(a, b)  # Levenshtein, with a swap of two neighbours as one edit
    if edit < _SOUND_CAP and len(a) >= 3 and len(b) >= 3 and a[0] == b[0] and _metaphone(a) == _metaphone(b):
        # a bonus, not a floor: between two parts that both sound alike, the closer spelling still wins,
        # and a sound-alike never outranks a part one edit away ("mercdes" is "mercedes", not "morigutsi")
        return min(_SOUND_CAP, edit + _SOUND_BONUS), "metaphone"
    return edit, "osa"


def token_similarities(np: Any, a: list[str], b: list[str]) -> Any:
    """`token_similarity` of each pair ``a[i]``, ``b[i]`` (its number only), the edit similarities
    computed in C at once: for scoring many one-word names together."""
    from rapidfuzz import process

    sim = process.cpdist(a, b, scorer=OSA.normalized_similarity, dtype=np.float64)  # (1 for equal parts alone)
    len_a = np.fromiter(map(len, a), dtype=np.int64, count=len(a))
    len_b = np.fromiter(map(len, b), dtype=np.int64, count=len(b))
    first = process.cpdist(a, b, scorer=Prefix.similarity, dtype=np.int64) > 0  # the same first letter
    initial = (len_a == 1) | (len_b == 1)
    sim = np.where(initial, np.where(first, np.where(len_a == len_b, 1.0, 0.9), 0.0), sim)  # (an initial equal to an initial: 1)
    sounds = np.flatnonzero(~initial & (sim < _SOUND_CAP) & (len_a >= 3) & (len_b >= 3) & first)
    alike = np.array([_metaphone(a[i]) == _metaphone(b[i]) for i in sounds.tolist()], dtype=bool)
    sim[sounds[alike]] = np.minimum(_SOUND_CAP, sim[sounds[alike]] + _SOUND_BONUS)
    return sim


def clear_caches() -> None:
    """Forget the memoized Metaphone codes, part similarities and notes."""
    _metaphone.cache_clear()
    token_similarity.cache_clear()
    _notes.cache_clear()


def _weights(tokens: tuple[str, ...], person: bool, light: frozenset[str] = frozenset()) -> list[float]:
    """Each part's weight: a particle's (or, in an organization's name, a ``light`` part's: a legal
    form) is small, a person's middle names weigh less than the first and the last."""
    n = len(tokens)
    out = []
    for i, t in enumerate(tokens):
        if n > 1 and (t in _PARTICLES or (not person and t in light)):
            out.append(_PARTICLE)
        elif i in (0, n - 1) or not person:
            out.append(1.0)
        else:
            out.append(_MIDDLE)
    return out


@dataclass(frozen=True)
class Scored:
    """A score, the part pairs behind it (query part, alias part, similarity, how) and notes."""

    score: float
    pairs: tuple[tuple[str, str, float, str], ...]
    notes: tuple[str, ...]
    whole: tuple[str, str, float] | None = None

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        out = [Comparison(how if ":" in how else f"part:{how}", q, a, round(sim, 4)) for q, a, sim, how in self.pairs]
        if self.whole is not None:
            out.append(Comparison("whole:levenshtein", *self.whole))
        return tuple(out)


def _align(
    q: tuple[str, ...], a: tuple[str, ...], alt: tuple[str, ...] | None = None, q_alt: tuple[str, ...] | None = None
) -> list[tuple[int, int, float, str]]:
    qs = q_alt or q  # the parts as spelled, where the rules rewrote them
    as_ = alt or a
    pairs = []
    for i, qt in enumerate(q):
        for j, at in enumerate(a):
            sim, how = token_similarity(qt, at)
            if sim < 1.0 and (qs[i] != qt or as_[j] != at):
                # also as spelled: a typo that the rules carried further ("curiibanos" -> "curibanos",
                # two edits from "curitibanos") is one edit away as written
                sim, how = max((sim, how), token_similarity(qs[i], as_[j]))
            if sim >= _PAIR_MIN:
                pairs.append((sim, -abs(i - j), i, j, how))
    pairs.sort(reverse=True)
    used_q: set[int] = set()
    used_a: set[int] = set()
    out = []
    for sim, _, i, j, how in pairs:
        if i not in used_q and j not in used_a:
            used_q.add(i)
            used_a.add(j)
            out.append((i, j, sim, how))
    return out


def compare(
    q: tuple[str, ...],
    a: tuple[str, ...],
    *,
    person: bool,
    family_index: int | None = None,
    alt: tuple[str, ...] | None = None,
    q_alt: tuple[str, ...] | None = None,
    light: frozenset[str] = frozenset(),
) -> Scored:
    """Score query parts ``q`` against alias parts ``a`` (both normalized keys); ``alt`` and ``q_alt``
    hold the parts as spelled (lower case, before patterns and equivalence classes rewrote them;
    same lengths as ``a`` and ``q``), and a pair of parts counts the better of both comparisons.
    ``light``: parts that weigh as little as a particle where the name is not a person's (the legal
    forms, `Normalizer.legal_forms`, given for an organization's: "Acme Holdings" is "Acme Holdings
    Inc")."""
    if not q or not a:
        return Scored(0.0, (), ("empty name",))
    if q == a:
        return Scored(1.0, ((" ".join(q), " ".join(a), 1.0, "key:equal"),), ())
    if len(q) == len(a) == 1 and not person:  # one word against one word: the steps below, short
        sim, how = token_similarity(q[0], a[0])
        if sim < 1.0 and ((q_alt or q)[0] != q[0] or (alt or a)[0] != a[0]):
            sim, how = max((sim, how), token_similarity((q_alt or q)[0], (alt or a)[0]))
        if not _same_word(sim, q[0], a[0]):
            return Scored(0.0, (), ())
        return Scored(min(1.0, sim), ((q[0], a[0], sim, how),), ())
    return _by_parts(q, a, person, family_index, alt, q_alt, light)


def _same_word(sim: float, q: str, a: str) -> bool:
    """Whether two words ``sim`` alike count in an organization's or a place's name: from 0.75 alike,
    or, of three letters, one edit apart ("deo" for "del": as near as three letters get)."""
    return sim >= PART_MATCH or (sim >= _SHORT_MATCH and len(q) == len(a) == 3)


def _by_parts(
    q: tuple[str, ...], a: tuple[str, ...], person: bool, family_index: int | None, alt: tuple[str, ...] | None,
    q_alt: tuple[str, ...] | None, light: frozenset[str] = frozenset(),
) -> Scored:  # fmt: skip
    """`compare`, every step (its short case of one word against one word gives the same)."""
    pairs = _align(q, a, alt, q_alt)
    if not person:  # an organization's words match or they do not: "TASS news agency" is not "Fars News Agency"
        pairs = [p for p in pairs if _same_word(p[2], q[p[0]], a[p[1]])]
    wq, wa = _weights(q, person, light), _weights(a, person, light)
    got_q = sum(wq[i] * sim for i, _, sim, _ in pairs)
    got_a = sum(wa[j] * sim for _, j, sim, _ in pairs)
    cov_q, cov_a = got_q / sum(wq), got_a / sum(wa)
    score = (cov_q + cov_a) / 2
    flags = 0
    if not person and min(cov_q, cov_a) < score:
        score = (score + min(cov_q, cov_a)) / 2  # a word more or less changes an organization
        flags |= _ORGANIZATION
    order = [j for _, j, _, _ in sorted(pairs)]
    if order != sorted(order):
        score -= 0.02
        flags |= _ORDER
    fam_sim = 0.0
    if person and len(a) > 1:
        fam = family_index if family_index is not None else len(a) - 1
        by_a = {j: (i, sim) for i, j, sim, _ in pairs}
        fam_sim = by_a.get(fam, (None, 0.0))[1]
        given = [j for j in range(len(a)) if j != fam and a[j] not in _PARTICLES]
        if len([t for t in q if t not in _PARTICLES]) == 1 and (len(q) == 1 or by_a.get(fam) is not None):
            if fam_sim >= PART_MATCH:
                score = SURNAME_ONLY * fam_sim
                flags |= _FAMILY_ONLY
            else:
                score = min(score, _CAP)
                flags |= _ONE_GIVEN
        elif fam_sim < PART_MATCH:
            score = min(score, _CAP)
            flags |= _FAMILY_DIFFERS
        elif given and len(q) > 1:
            first = given[0]
            matched = by_a.get(first)
            unpaired_q = [i for i in range(len(q)) if i not in {p[0] for p in pairs} and q[i] not in _PARTICLES]
            if (matched is not None and matched[1] < PART_MATCH) or (matched is None and unpaired_q):
                score = min(score, _CAP)
                flags |= _GIVEN_DIFFERS
    whole = None
    if len(q) != len(a):
        sim = Levenshtein.normalized_similarity("".join(q), "".join(a))
        whole = ("".join(q), "".join(a), round(sim, 4))
        if sim >= 0.9 and sim > score:
            score = sim
            flags |= _WHOLE
    parts = tuple((q[i], a[j], sim, how) for i, j, sim, how in sorted(pairs))
    return Scored(max(0.0, min(1.0, score)), parts, notes_of(flags, fam_sim), whole)


def compare_many(
    np: Any,
    q: Sequence[tuple[str, ...]],
    a: Sequence[tuple[str, ...]],
    person: Sequence[bool],
    family: Sequence[int | None],
    alt: Sequence[tuple[str, ...] | None],
    q_alt: Sequence[tuple[str, ...] | None],
    light: frozenset[str] = frozenset(),
    lit: Sequence[bool] | None = None,
) -> tuple[Any, Any, Any]:
    """`compare` of each pair ``q[k]``, ``a[k]`` (non-empty parts; ``person``, ``family``, ``alt`` and
    ``q_alt`` as its arguments), every step done for all pairs at once over arrays: the scores, the
    bits of their notes and the family names' similarities (see `notes_of`). It gives what `compare`
    gives, number for number; the part pairs behind a score are left to `compare`, when a match is
    explained."""
    size = len(q)
    n = np.fromiter(map(len, q), dtype=np.int64, count=size)
    m = np.fromiter(map(len, a), dtype=np.int64, count=size)
    is_person = np.fromiter(person, dtype=bool, count=size)
    q_start, a_start = np.cumsum(n) - n, np.cumsum(m) - m  # each pair's first part among all parts
    q_list, a_list = list(chain.from_iterable(q)), list(chain.from_iterable(a))
    q_particle = np.fromiter(map(_PARTICLES.__contains__, q_list), dtype=bool, count=len(q_list))
    a_particle = np.fromiter(map(_PARTICLES.__contains__, a_list), dtype=bool, count=len(a_list))
    # (see `_weights`; ``lit``: the pairs whose ``light`` parts weigh little, each pair not a person's where None)
    q_light = np.fromiter(map(light.__contains__, q_list), dtype=bool, count=len(q_list))
    a_light = np.fromiter(map(light.__contains__, a_list), dtype=bool, count=len(a_list))
    is_lit = ~is_person & (np.ones(size, dtype=bool) if lit is None else np.fromiter(lit, dtype=bool, count=size))

    # 1. the similarity of every part of one side with every part of the other, as keys and as spelled
    pair = np.repeat(np.arange(size), n * m)
    within = np.arange(len(pair)) - np.repeat(np.cumsum(n * m) - n * m, n * m)
    i, j = within // m[pair], within % m[pair]
    q_cell, a_cell = q_start[pair] + i, a_start[pair] + j  # each cell's parts among all parts
    q_parts, a_parts = _objects(np, q_list), _objects(np, a_list)
    sim = token_similarities(np, q_parts[q_cell].tolist(), a_parts[a_cell].tolist())
    q_spelled = _objects(np, list(chain.from_iterable(sp or parts for parts, sp in zip(q, q_alt, strict=True))))
    a_spelled = _objects(np, list(chain.from_iterable(sp or parts for parts, sp in zip(a, alt, strict=True))))
    respelled = (q_spelled != q_parts)[q_cell] | (a_spelled != a_parts)[a_cell]
    again = np.flatnonzero((sim < 1.0) & respelled)
    if len(again):
        sim[again] = np.maximum(sim[again], token_similarities(np, q_spelled[q_cell[again]].tolist(), a_spelled[a_cell[again]].tolist()))

    # 2. one to one: the most similar pair first (then the nearer places, then the later parts); each
    # round takes, for every name pair, the first cell whose parts are both still free
    keep = np.flatnonzero(sim >= _PAIR_MIN)
    keep = keep[np.lexsort((-j[keep], -i[keep], np.abs(i[keep] - j[keep]), -sim[keep], pair[keep]))]
    used_q = np.zeros(int(n.sum()), dtype=bool)
    used_a = np.zeros(int(m.sum()), dtype=bool)
    taken = []
    while len(keep):
        keep = keep[~used_q[q_cell[keep]] & ~used_a[a_cell[keep]]]
        if not len(keep):
            break
        first = keep[np.concatenate(([True], pair[keep][1:] != pair[keep][:-1]))]
        used_q[q_cell[first]] = True
        used_a[a_cell[first]] = True
        taken.append(first)
    cells = np.concatenate(taken) if taken else np.zeros(0, dtype=np.int64)  # in the order taken, per pair
    q_len = np.fromiter(map(len, q_list), dtype=np.int64, count=len(q_list))[q_cell[cells]]
    a_len = np.fromiter(map(len, a_list), dtype=np.int64, count=len(a_list))[a_cell[cells]]
    short = (sim[cells] >= _SHORT_MATCH) & (q_len == 3) & (a_len == 3)  # (see `_same_word`)
    cells = cells[is_person[pair[cells]] | (sim[cells] >= PART_MATCH) | short]  # an organization's words match or not

    # 3. coverage of each side, weighted: particles (and an organization's legal forms), middle names of persons
    def weights(parts: Any, start: Any, particle: Any, light: Any) -> Any:
        owner = np.repeat(np.arange(size), parts)
        place = np.arange(len(owner)) - start[owner]
        edge = (place == 0) | (place == parts[owner] - 1) | ~is_person[owner]
        small = (particle | (light & is_lit[owner])) & (parts[owner] > 1)
        return np.where(small, _PARTICLE, np.where(edge, 1.0, _MIDDLE)), owner

    wq, q_owner = weights(n, q_start, q_particle, q_light)
    wa, a_owner = weights(m, a_start, a_particle, a_light)
    cp = pair[cells]
    cov_q = np.bincount(cp, wq[q_cell[cells]] * sim[cells], size) / np.bincount(q_owner, wq, size)
    cov_a = np.bincount(cp, wa[a_cell[cells]] * sim[cells], size) / np.bincount(a_owner, wa, size)
    score = (cov_q + cov_a) / 2
    flags = np.zeros(size, dtype=np.int64)
    weaker = np.minimum(cov_q, cov_a)
    org = ~is_person & (weaker < score)
    score = np.where(org, (score + weaker) / 2, score)
    flags[org] |= _ORGANIZATION
    by_i = cells[np.lexsort((i[cells], pair[cells]))]
    swapped = pair[by_i][1:][(pair[by_i][1:] == pair[by_i][:-1]) & (j[by_i][1:] < j[by_i][:-1])]  # (a pair may repeat: set once)
    score[swapped] -= 0.02
    flags[swapped] |= _ORDER

    # 4. persons: the family name must match, and so must the first given name
    fam = np.fromiter((m_ - 1 if f is None else f for f, m_ in zip(family, m.tolist(), strict=True)), dtype=np.int64, count=size)
    at_fam = cells[j[cells] == fam[pair[cells]]]
    fam_sim = np.zeros(size)
    fam_sim[pair[at_fam]] = sim[at_fam]
    has_fam = np.zeros(size, dtype=bool)
    has_fam[pair[at_fam]] = True
    a_place = np.arange(len(a_owner)) - a_start[a_owner]
    given = np.flatnonzero((a_place != fam[a_owner]) & ~a_particle)
    owners = a_owner[given]
    firsts = np.concatenate(([True], owners[1:] != owners[:-1])) if len(given) else np.zeros(0, dtype=bool)
    first_given = np.full(size, -1)
    first_given[owners[firsts]] = a_place[given][firsts]  # each name's first given name (the parts are in order)
    at_first = cells[j[cells] == first_given[pair[cells]]]
    first_sim = np.full(size, -1.0)  # -1: the first given name found no partner
    first_sim[pair[at_first]] = sim[at_first]
    paired_q = np.zeros(len(q_owner), dtype=bool)
    paired_q[q_cell[cells]] = True
    unpaired_q = np.bincount(q_owner, ~paired_q & ~q_particle, size) > 0
    named = np.bincount(q_owner, ~q_particle, size)
    ruled = is_person & (m > 1)
    alone = ruled & (named == 1) & ((n == 1) | has_fam)
    only = alone & (fam_sim >= PART_MATCH)
    score = np.where(only, SURNAME_ONLY * fam_sim, score)
    flags[only] |= _FAMILY_ONLY
    rules = (
        (alone & ~only, _ONE_GIVEN),
        (ruled & ~alone & (fam_sim < PART_MATCH), _FAMILY_DIFFERS),
        (ruled & ~alone & (fam_sim >= PART_MATCH) & (first_given >= 0) & (n > 1)
         & (((first_sim >= 0) & (first_sim < PART_MATCH)) | ((first_sim < 0) & unpaired_q)), _GIVEN_DIFFERS),
    )  # fmt: skip
    for capped, bit in rules:
        score = np.where(capped, np.minimum(score, _CAP), score)
        flags[capped] |= bit

    # 5. a name split otherwise is also compared whole
    uneven = np.flatnonzero(n != m).tolist()
    if uneven:
        from rapidfuzz import process

        whole = process.cpdist(["".join(q[k]) for k in uneven], ["".join(a[k]) for k in uneven],
                               scorer=Levenshtein.normalized_similarity, dtype=np.float64)  # fmt: skip
        better = (whole >= 0.9) & (whole > score[uneven])
        score[np.array(uneven)[better]] = whole[better]
        flags[np.array(uneven)[better]] |= _WHOLE

    same = np.fromiter((x == y for x, y in zip(q, a, strict=True)), dtype=bool, count=size)
    score = np.where(same, 1.0, np.clip(score, 0.0, 1.0))
    flags[same] = 0
    return score, flags, np.where(ruled, fam_sim, 0.0)


def _objects(np: Any, strings: list[str]) -> Any:
    """``strings`` as an array of objects."""
    out = np.empty(len(strings), dtype=object)
    out[:] = strings
    return out
