"""Candidate retrieval: find the few aliases worth scoring without scanning every alias.

The index holds, for every alias the rules produced:

* ``exact``: the full normalized key (and the key written as one word) -> aliases;
* ``postings``: each name part -> aliases containing it;
* ``neighbours``: each name part filed under itself, under each of its one-letter deletions (parts
  of 4+ letters; a symmetric-deletion index: two parts within one edit, or one transposition,
  share a form) and under its Metaphone code, as one sorted array of hashed keys.

A query's parts are looked up in those tables; aliases are ranked by how many query parts found
them, and only the best ``limit`` go on to scoring.
"""

from __future__ import annotations

__all__ = ["AliasRecord", "CandidateIndex", "Tables"]

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple
from zlib import crc32

from rapidfuzz.distance import Indel, Levenshtein

from . import parallel
from .scoring import metaphone_code


@dataclass(frozen=True, slots=True)
class AliasRecord:
    """One searchable form of an entity's name, with its normalized key."""

    entity: int  # index into the resolver's entity list
    text: str  # the alias as written in the gazetteer (or as derived)
    kind: str  # "name", "alias", "weak-alias", "acronym"
    tokens: tuple[str, ...]
    cased: tuple[str, ...]
    case_sensitive: bool
    family_index: int | None = None

    @property
    def key(self) -> str:
        return " ".join(self.tokens)


class Tables(NamedTuple):
    """The lookup tables of a :class:`CandidateIndex`: dicts and lists when built from aliases, the
    array-backed views of :mod:`resolver.columns` when loaded from an index file."""

    exact: Mapping[str, Sequence[int]]  # full key (and the key as one word) -> aliases
    postings: Mapping[str, Sequence[int]]  # name part -> aliases
    parts: Sequence[str]  # the parts in the order of ``postings``: a part's number is its place
    part_postings: Sequence[Sequence[int]]  # the aliases of each part, by number
    neighbours: Sequence[int]  # see CandidateIndex.neighbour_table
    sizes: Sequence[int]  # each alias's number of parts
    keys: Sequence[str] | None = None  # each alias's key (None: read from the aliases)


_MIN_FUZZY = 4
_MAX_FUZZY = 40  # longer parts are only looked up exactly: deletions of a long word cost its length squared
_SOUND = "#"  # marks a Metaphone code among the forms of the neighbour table (parts have no "#")
_PART_MASK = 0xFFFFFFFF
_SMALL_TABLE = 1 << 20  # neighbour keys up to which the forms are also kept as strings in a dict
_POOL = 4  # aliases ranked by their likeness to the query, per alias proposed for scoring
_COMMON = 500  # a part in more aliases than this only confirms candidates that rarer parts found


def _key_of(aliases: Sequence[AliasRecord], i: int) -> str:
    return aliases[i].key


def _deletion_of(longer: str, form: str) -> bool:
    """True when ``form`` is ``longer`` less one letter."""
    if len(longer) != len(form) + 1:
        return False
    i = 0
    while i < len(form) and longer[i] == form[i]:
        i += 1
    return longer[i + 1 :] == form[i:]


def _forms(part: str) -> list[str]:
    """The forms a part is filed under: itself, and (4+ letters) its Metaphone code (marked) and
    its one-letter deletions."""
    if len(part) < _MIN_FUZZY:
        return [part]
    forms = [part[:i] + part[i + 1 :] for i in range(len(part))]
    forms += (part, _SOUND + metaphone_code(part))  # uncached: most parts and words are filed or asked once
    return forms


_PARTS_PER_WORKER = 100_000  # fewer parts than this per worker are done faster than workers start


def _neighbour_keys(parts: Sequence[str], numbers: Sequence[int]) -> list[bytes]:
    """The neighbour keys (see `CandidateIndex.neighbour_table`) of the parts ``numbers``, unsorted,
    as the bytes of an array of 64-bit integers (cheap to send from a worker process)."""
    keys = array("Q")
    for number in numbers:  # a double letter's deletions repeat: harmless
        keys.extend([crc32(f.encode()) << 32 | number for f in _forms(parts[number])])
    return [keys.tobytes()]


class CandidateIndex:
    """Lookup tables over the aliases of a gazetteer, built from them or given as ``tables`` (those
    of a loaded index file, read through the same ``Mapping`` and ``Sequence`` protocols)."""

    def __init__(self, aliases: Iterable[AliasRecord], *, tables: Tables | None = None, jobs: int = 0) -> None:
        self.aliases: Sequence[AliasRecord] = aliases if isinstance(aliases, Sequence) else list(aliases)
        if tables is None:
            tables = self.build(self.aliases, jobs=jobs)
        self.exact, self.postings, self.parts, self._part_postings, self.neighbours, self.sizes, keys = tables
        # the ranking reads the key and size of thousands of aliases: from columns where a loaded index has them
        self._key_of: Callable[[int], str] = keys.__getitem__ if keys is not None else partial(_key_of, self.aliases)
        # where the table is small (the default gazetteer's), its forms themselves in a dict: a text
        # asks about thousands of words, most near no part, and a dict answers without hashing twice
        self._near: dict[str, tuple[int, ...]] | None = None
        if len(self.neighbours) <= _SMALL_TABLE:
            near: defaultdict[str, list[int]] = defaultdict(list)
            for number, part in enumerate(self.parts):
                for form in dict.fromkeys(_forms(part)):
                    near[form].append(number)
            self._near = {form: tuple(found) for form, found in near.items()}

    @classmethod
    def build(cls, aliases: Sequence[AliasRecord], neighbours: Sequence[int] | None = None, jobs: int = 0) -> Tables:
        """The tables over ``aliases`` (with ``neighbours``, the neighbour table made for them earlier;
        ``jobs`` as in `neighbour_table`)."""
        exact: defaultdict[str, list[int]] = defaultdict(list)
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for i, rec in enumerate(aliases):
            exact[rec.key].append(i)
            if len(rec.tokens) > 1:
                exact["".join(rec.tokens)].append(i)
            if rec.case_sensitive:
                continue  # short and common-word aliases match only exactly
            # each part under its key and as spelled, where the rules rewrote it ("steenbergen" as well
            # as "stinbergen"), so that a typo is one edit from one of them (in a fixed order: the
            # neighbour table refers to parts by their place)
            for tok in dict.fromkeys((*rec.tokens, *map(str.lower, rec.cased))):
                postings[tok].append(i)
        parts = list(postings)
        return Tables(dict(exact), dict(postings), parts, list(postings.values()),
                      cls.neighbour_table(parts, jobs) if neighbours is None else neighbours,
                      array("I", [len(rec.tokens) for rec in aliases]))  # fmt: skip

    @staticmethod
    def neighbour_table(parts: Sequence[str], jobs: int = 0) -> array[int]:
        """Every part under the hash of itself, of each of its one-letter deletions (parts of 4+
        letters: two parts within one edit, or one swap, share a form) and of its Metaphone code:
        one sorted array of ``hash << 32 | part number``, 8 bytes a key, found by binary search.
        A dict of the forms themselves would take ten times the memory at GeoNames size.

        The keys of many parts are made in ``jobs`` processes (0: one per core) and sorted by NumPy
        (7 million in 0.25 s, where sorting and packing a list of Python integers took 8 s)."""
        numbers = range(len(parts))
        if parallel.workers(jobs, len(parts), _PARTS_PER_WORKER) > 1:
            chunks = parallel.map_shared(parts, _neighbour_keys, numbers, jobs)
        else:
            chunks = _neighbour_keys(parts, numbers)
        import numpy  # here, not at the top: loading an index or a query never needs it

        keys = numpy.concatenate([numpy.frombuffer(chunk, dtype=numpy.uint64) for chunk in chunks])
        keys.sort()
        table = array("Q")
        table.frombytes(keys.data.cast("B"))  # (one copy, no bytes object between)
        return table

    def near_parts(self, token: str) -> dict[str, Sequence[int]]:
        """Indexed name parts within one edit of ``token`` (one letter more, less or changed, or two
        neighbours swapped) or sounding like it, each with its postings (the aliases that hold it)."""
        if len(token) < _MIN_FUZZY or len(token) > _MAX_FUZZY:  # no name part is 40 letters long
            hit = self.postings.get(token)
            return {} if hit is None else {token: hit}
        forms = _forms(token)
        parts, lists = self.parts, self._part_postings
        if self._near is not None:
            near = self._near
            hits = near.keys() & forms  # most words are near no part: told by one set operation, in C
            if not hits:
                return {}
            numbers = {number: None for form in forms if form in hits for number in near[form]}
            return {parts[number]: lists[number] for number in numbers}
        found: dict[int, str] = {}  # part number -> part (a part near the token is filed under several of its forms)
        table = self.neighbours
        n, n_parts = len(table), len(parts)
        code = forms[-1][1:]  # the Metaphone code comes last
        for form in forms:
            h = crc32(form.encode())
            i = bisect_left(table, h << 32)
            while i < n and table[i] >> 32 == h:  # the parts filed under the form's hash ...
                number = table[i] & _PART_MASK
                i += 1
                if number >= n_parts or number in found:
                    continue  # (a table that does not fit the parts finds nothing)
                part = parts[number]
                # ... less those of another form with the same hash
                if part == form or _deletion_of(part, form) or (form[0] == _SOUND and metaphone_code(part) == code):
                    found[number] = part
        return {part: lists[number] for number, part in found.items()}

    def _pool(self, counts: dict[int, float], n: int) -> list[int]:
        """The ``n`` aliases with the highest counts, fewer parts first, then by number: the same as
        ``heapq.nsmallest(n, counts, key=lambda i: (-counts[i], sizes[i], i))``, with the sorting in C."""
        if len(counts) <= n:
            return sorted(counts, key=lambda i: (-counts[i], self.sizes[i], i))
        cut = sorted(counts.values(), reverse=True)[n - 1]
        above = [i for i, c in counts.items() if c > cut]
        ties = sorted(i for i, c in counts.items() if c == cut)
        ties.sort(key=self.sizes.__getitem__)  # stable: by parts, then by number
        return sorted(above, key=lambda i: (-counts[i], self.sizes[i], i)) + ties[: n - len(above)]

    def lookup(self, tokens: tuple[str, ...], limit: int = 50, spelled: tuple[str, ...] | None = None) -> list[int]:
        """Aliases worth scoring for a query's parts: exact hits first, then by parts found. ``spelled``
        holds the parts as written (same length), also looked up where the rules rewrote them."""
        if not tokens:
            return []
        exact = list(self.exact.get(" ".join(tokens), ()))
        if len(tokens) > 1:
            exact += self.exact.get("".join(tokens), ())
        counts: defaultdict[int, float] = defaultdict(float)
        likeness = Levenshtein.normalized_similarity
        # rarest parts first; a very common part ("san", "city") only adds weight to aliases that a
        # rarer part already found, unless nothing rarer was given
        per_token = []
        for tok, as_written in dict(zip(tokens, spelled or tokens, strict=True)).items():
            if len(tok) == 1:
                continue  # an initial finds nothing on its own
            parts = self.near_parts(tok)
            if as_written != tok:
                parts |= self.near_parts(as_written)
            per_token.append((sum(map(len, parts.values())), tok, as_written, parts))
        per_token.sort(key=lambda t: t[:2])
        for size, tok, as_written, parts in per_token:
            # a part as queried weighs 1; a near part by how near it is, so that among thousands of
            # aliases with some near part those with the nearest come first. In rising weight order,
            # so that each alias keeps its best (dict updates in C, not a loop over every posting)
            weighted = sorted(
                ((1.0 if part in (tok, as_written) else 0.9 * max(likeness(part, tok), likeness(part, as_written)), n)
                 for n, part in enumerate(parts)),
            )  # fmt: skip
            lists = list(parts.values())
            best: dict[int, float] = {}
            for weight, n in weighted:
                postings: Iterable[int] = lists[n]
                if size > _COMMON and counts:
                    postings = counts.keys() & postings
                best.update(dict.fromkeys(postings, weight))
            if not counts:
                counts.update(best)
            else:
                for alias, weight in best.items():
                    counts[alias] += weight
        # the aliases that most parts found, in a pool a few times the limit; within it, those most like
        # the query as a whole string come first (a C-level comparison, far cheaper than scoring)
        key_of = self._key_of
        pool = self._pool(counts, _POOL * limit + len(exact))
        query = " ".join(tokens)
        whole = Indel.normalized_similarity
        ranked = sorted(pool, key=lambda i: (-round(counts[i], 3), -whole(query, key_of(i)), i))
        seen = set(exact)
        out = list(dict.fromkeys(exact))
        for i in ranked:
            if len(out) >= limit:
                break
            if i not in seen:
                out.append(i)
        return out
