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

__all__ = ["SEPARATOR", "AliasBatch", "AliasRecord", "AliasRow", "CandidateIndex", "Tables", "alias_rows", "round_each", "strings_at"]

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import chain
from typing import Any, NamedTuple
from zlib import crc32

from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

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


class AliasRow(NamedTuple):
    """What a scan over every alias reads of one (`alias_rows`): no key, no parts as keys."""

    text: str
    kind: str
    case_sensitive: bool
    entity: int
    size: int  # its number of parts (of its key)
    cased: tuple[str, ...]  # its parts as written


def alias_rows(aliases: Sequence[AliasRecord]) -> Iterator[AliasRow]:
    """Every alias of ``aliases`` in order as an :class:`AliasRow`: from a loaded index's columns
    without making records (see `columns.AliasColumns.rows`), or from the records."""
    rows = getattr(aliases, "rows", None)
    if rows is not None:
        return rows()  # type: ignore[no-any-return]
    return (AliasRow(r.text, r.kind, r.case_sensitive, r.entity, len(r.tokens), r.cased) for r in aliases)


class AliasBatch(NamedTuple):
    """Aliases as columns (`CandidateIndex.alias_columns`): arrays, and lists of strings."""

    entity: Any
    case_sensitive: Any
    is_name: Any  # the entity's own name (kind "name")
    whole: Any  # the parts are the key split at spaces (else one holds a space: see `columns.pack_aliases`)
    family: Any  # the family name's place, or -1
    keys: list[str] | None  # (of an index's columns) the keys, and ...
    cased: list[str] | None  # ... the parts as written, joined by spaces
    records: list[AliasRecord] | None  # (else) the records

    def parts(self, rows: list[int]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...] | None]]:
        """The parts of the (``whole``) aliases ``rows``, as keys and as written; of columns, None for
        an alias written as its key in lower case (most are: told by one comparison of the strings)."""
        if self.records is not None:
            recs = [self.records[k] for k in rows]
            return [r.tokens for r in recs], [r.cased for r in recs]
        assert self.keys is not None and self.cased is not None
        keys, cased = [self.keys[k] for k in rows], [self.cased[k] for k in rows]
        written = [None if c.lower() == key else tuple(c.split(SEPARATOR)) for key, c in zip(keys, cased, strict=True)]
        return [tuple(key.split(SEPARATOR)) for key in keys], written


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
_MIN_NEAR = 3  # a part of 3 letters is looked up under itself: it finds the parts of 4 letters filed under it ("reid" for "red")
_MAX_FUZZY = 40  # longer parts are only looked up exactly: deletions of a long word cost its length squared
_SOUND = "#"  # marks a Metaphone code among the forms of the neighbour table (parts have no "#")
_PART_MASK = 0xFFFFFFFF
_SMALL_TABLE = 1 << 20  # neighbour keys up to which the forms are also kept as strings in a dict
_POOL = 4  # aliases ranked by their likeness to the query, per alias proposed for scoring
_COMMON = 500  # a part in more aliases than this only confirms candidates that rarer parts found
_SOUNDS = 16  # a Metaphone code shared by more parts than this says little: not looked up
SEPARATOR = " "  # between the parts of a key (and of the cased parts in an index file)


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


def _likeness(query: str, turned: str | None, key: str) -> float:
    """How alike a query and an alias key are as whole strings: their OSA similarity, or that of the
    query `_turned` (None for a query of one part), when higher ("IVANOV, Sergei" is "ivanov
    sergei", turned "sergei ivanov"). `lookup_many` computes the same for many pairs at once."""
    alike = OSA.normalized_similarity(query, key)
    return alike if turned is None else max(alike, OSA.normalized_similarity(turned, key))


def _turned(tokens: tuple[str, ...]) -> str:
    """The query's parts with the first moved last, as one string."""
    return " ".join((*tokens[1:], tokens[0]))


def _selective(form: str, parts: int) -> bool:
    """False for a Metaphone code filed for more than ``_SOUNDS`` parts: on a large gazetteer a common
    code ("#SNT" of "santa", "sante", "sind"...) would bring hundreds of parts that one edit does not."""
    return parts <= _SOUNDS or form[0] != _SOUND


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
        self._keys = keys
        # where the table is small (the default gazetteer's), its forms themselves in a dict: a text
        # asks about thousands of words, most near no part, and a dict answers without hashing twice
        self._near: dict[str, tuple[int, ...]] | None = None
        self._np: _Arrays | None = None  # the arrays of lookup_many: a large table's made here, before the first query
        self._record_columns: tuple[Any, ...] | None = None  # see alias_columns
        if len(self.neighbours) <= _SMALL_TABLE:
            near: defaultdict[str, list[int]] = defaultdict(list)
            for number, part in enumerate(self.parts):
                for form in dict.fromkeys(_forms(part)):
                    near[form].append(number)
            self._near = {form: tuple(found) for form, found in near.items()}
        else:
            self._np = _Arrays.of(self)

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
        one sorted array of ``hash << 32 | part number``, 8 bytes a key, found by binary search
        (`near_parts`) or through a directory of the keys' top bits (`lookup_many`).
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

    def near_parts(self, token: str, *, three_letters: bool = True) -> dict[str, Sequence[int]]:
        """Indexed name parts within one edit of ``token`` (one letter more, less or changed, or two
        neighbours swapped) or sounding like it, each with its postings (the aliases that hold it).
        A token of 3 letters finds itself and the parts of one letter more ("reid" for "red": only
        parts of 4 letters and more are filed under their deletions), or with ``three_letters``
        false, itself only (a word of running text: "Son" is not "Sion")."""
        if len(token) < (_MIN_NEAR if three_letters else _MIN_FUZZY) or len(token) > _MAX_FUZZY:  # no name part is 40 letters long
            hit = self.postings.get(token)
            return {} if hit is None else {token: hit}
        forms = _forms(token)
        parts, lists = self.parts, self._part_postings
        if self._near is not None:
            near = self._near
            hits = near.keys() & forms  # most words are near no part: told by one set operation, in C
            if not hits:
                return {}
            numbers = {number: None for form in forms if form in hits and _selective(form, len(near[form]))
                       for number in near[form]}  # fmt: skip
            return {parts[number]: lists[number] for number in numbers}
        found: dict[int, str] = {}  # part number -> part (a part near the token is filed under several of its forms)
        table = self.neighbours
        n, n_parts = len(table), len(parts)
        code = forms[-1][1:]  # the Metaphone code comes last
        for form in forms:
            h = crc32(form.encode())
            i = bisect_left(table, h << 32)
            if form[0] == _SOUND and not _selective(form, bisect_left(table, (h + 1) << 32, i) - i):
                continue
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

    def _exact(self, tokens: tuple[str, ...]) -> list[int]:
        """The aliases whose key is the query's, or the query's written as one word."""
        exact = list(self.exact.get(" ".join(tokens), ()))
        if len(tokens) > 1:
            exact += self.exact.get("".join(tokens), ())
        return exact

    def lookup(self, tokens: tuple[str, ...], limit: int = 50, spelled: tuple[str, ...] | None = None) -> list[int]:
        """Aliases worth scoring for a query's parts: exact hits first, then by parts found. ``spelled``
        holds the parts as written (same length), also looked up where the rules rewrote them."""
        if not tokens:
            return []
        if self.large:  # the same search on arrays (see lookup_many)
            return self.lookup_many([(tokens, spelled)], limit)[0]
        exact = self._exact(tokens)
        counts: defaultdict[int, float] = defaultdict(float)
        likeness = OSA.normalized_similarity
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
        query, turned = " ".join(tokens), _turned(tokens) if len(tokens) > 1 else None
        ranked = sorted(pool, key=lambda i: (-round(counts[i], 3), -_likeness(query, turned, key_of(i)), i))
        seen = set(exact)
        out = list(dict.fromkeys(exact))
        for i in ranked:
            if len(out) >= limit:
                break
            if i not in seen:
                out.append(i)
        return out

    # -- the same search over many queries at once, on arrays (large tables) ---------------------------
    @property
    def large(self) -> bool:
        """True for a large table, searched with :meth:`lookup_many` even for one query (a small one:
        with dicts, faster for one query; for many, `Resolver.resolve_many` takes lookup_many)."""
        return self._near is None

    @property
    def _arrays(self) -> _Arrays:
        if self._np is None:
            self._np = _Arrays.of(self)
        return self._np

    def alias_columns(self, np: Any, ids: Any) -> AliasBatch:
        """The aliases ``ids`` (an array) as columns, read from a loaded index's columns without making
        records."""
        columns = getattr(self.aliases, "columns", None)
        if columns is None:  # records: their columns made once
            if self._record_columns is None:
                recs = self.aliases
                self._record_columns = (
                    np.fromiter((r.entity for r in recs), dtype=np.int64, count=len(recs)),
                    np.fromiter((r.case_sensitive for r in recs), dtype=bool, count=len(recs)),
                    np.fromiter((r.kind == "name" for r in recs), dtype=bool, count=len(recs)),
                    np.fromiter((-1 if r.family_index is None else r.family_index for r in recs), dtype=np.int64, count=len(recs)),
                )
            entity, case, is_name, family = (column[ids] for column in self._record_columns)
            return AliasBatch(entity, case, is_name, np.ones(len(ids), dtype=bool), family, None, None,
                              [self.aliases[i] for i in ids.tolist()])  # fmt: skip
        entity, case, kind, whole, family = columns(np, ids)
        kinds = list(self.aliases.kinds)  # type: ignore[attr-defined]
        is_name = kind == kinds.index("name") if "name" in kinds else np.zeros(len(ids), dtype=bool)
        cased = strings_at(np, self.aliases.cased, ids)  # type: ignore[attr-defined]
        return AliasBatch(entity, case, is_name, whole, family, self._keys_at(np, ids), cased, None)

    def alias_text(self, i: int) -> str:
        """The text of alias ``i`` (from a loaded index's column, without making its record)."""
        texts = getattr(self.aliases, "texts", None)
        return texts[i] if texts is not None else self.aliases[i].text

    def _keys_at(self, np: Any, indices: Any) -> list[str]:
        keys = self._keys
        if keys is None:  # records: their keys made once, as an array of objects
            keys = self._keys = np.array([rec.key for rec in self.aliases], dtype=object)
        return strings_at(np, keys, indices)

    def lookup_many(self, queries: Sequence[tuple[tuple[str, ...], tuple[str, ...] | None]], limit: int = 50) -> list[list[int]]:
        """:meth:`lookup` for many queries (``(tokens, spelled)`` each): the same steps and the same
        candidates, the parts of all queries looked up together with NumPy over arrays instead of one
        by one in dicts. A part found in the neighbour table is checked by its distance to the word
        (`_near_many`), not against each form that found it."""
        import numpy as np

        plan = _Plan(self, queries)
        if not plan.words:
            return [list(dict.fromkeys(e)) for e in plan.exact]
        pair_token, pair_part, weight = self._near_pairs(np, plan)
        pools = self._pools(np, plan, pair_token, pair_part, weight, limit)
        # the aliases of each pool ranked by their likeness to the query as a whole string (all at once)
        empty = np.zeros(0, dtype=np.int64)
        pool_query, pool_alias, pool_count = empty, empty, empty
        if pools:
            of_query, pooled, counted = zip(*pools, strict=True)
            pool_alias, pool_count = np.concatenate(pooled), np.concatenate(counted)
            pool_query = np.repeat(np.array(of_query, dtype=np.int64), [len(a) for a in pooled])
        # (the strings of the pairs gathered as arrays of objects: in C, not a loop over each)
        query_text = np.array([" ".join(tokens) for tokens, _ in queries], dtype=object)
        keys = self._keys_at(np, pool_alias)
        likeness = process.cpdist(query_text[pool_query].tolist(), keys, scorer=OSA.normalized_similarity, dtype=np.float64)
        several = np.flatnonzero(np.array([len(tokens) > 1 for tokens, _ in queries], dtype=bool)[pool_query])
        if len(several):  # (see `_likeness`)
            turned = np.array([_turned(tokens) if len(tokens) > 1 else "" for tokens, _ in queries], dtype=object)
            likeness[several] = np.maximum(likeness[several], process.cpdist(
                turned[pool_query[several]].tolist(), np.array(keys, dtype=object)[several].tolist(), scorer=OSA.normalized_similarity, dtype=np.float64))  # fmt: skip
        out = [list(dict.fromkeys(e)) for e in plan.exact]
        # after each query's exact hits, its pool in that order, up to the limit
        order = np.lexsort((pool_alias, -likeness, -round_each(np, pool_count, 3), pool_query))
        owners, aliases = pool_query[order], pool_alias[order]
        exact = np.array([q << 32 | i for q, e in enumerate(out) for i in e], dtype=np.int64)
        if len(exact):
            fresh = ~np.isin(owners << 32 | aliases, exact)
            owners, aliases = owners[fresh], aliases[fresh]
        first = np.searchsorted(owners, np.arange(len(out) + 1))
        room = np.fromiter((max(0, limit - len(e)) for e in out), dtype=np.int64, count=len(out))
        ranks = np.arange(len(owners)) - first[owners]
        kept = ranks < room[owners]
        owners, aliases = owners[kept], aliases[kept]
        ends = np.searchsorted(owners, np.arange(len(out) + 1)).tolist()
        ranked = aliases.tolist()
        for q, hits in enumerate(out):
            hits += ranked[ends[q] : ends[q + 1]]
        return out

    def _near_pairs(self, np: Any, plan: _Plan) -> tuple[Any, Any, Any]:
        """(token, part, weight) of every part near a token (`near_parts`), by token.
        A part weighs 1 when it is the token (or its spelling), else 0.9 x its likeness to it."""
        table, offsets = self._arrays.table, self._arrays.offsets
        # the parts filed under the tokens' forms
        form_hashes, form_token, sound = plan.form_columns(np)
        lo, hi = self._arrays.bounds(np, form_hashes)
        wide = (sound >= 0) & (hi - lo > _SOUNDS)  # a Metaphone code of too many parts is left out
        hi[wide] = lo[wide]
        codes = plan.codes
        for place in sound[wide].tolist():
            codes[place // 2][place % 2] = ""  # (so no part is near by sound alone)
        entries = table[_ranges(np, lo, hi)]
        direct = np.array(plan.direct, dtype=np.int64).reshape(-1, 2)
        pair_token = np.concatenate([np.repeat(form_token, hi - lo), direct[:, 0]])
        pair_part = np.concatenate([(entries & np.uint64(_PART_MASK)).astype(np.int64), direct[:, 1]])
        ok = pair_part < len(offsets) - 1  # (a table that does not fit the parts finds nothing)
        pairs = _sorted_distinct(np, pair_token[ok] << 32 | pair_part[ok])
        pair_token, pair_part = pairs >> 32, pairs & _PART_MASK
        # less the parts of another form with the same hash; then each part's weight
        parts = strings_at(np, self.parts, pair_part)
        near, likeness = _near_many(np, parts, pair_token, plan)  # (a likeness of 1: the part is the word or its spelling)
        return pair_token[near], pair_part[near], np.where(likeness == 1.0, 1.0, 0.9 * likeness)[near]

    def _pools(self, np: Any, plan: _Plan, pair_token: Any, pair_part: Any, weight: Any, limit: int) -> list[tuple[int, Any, Any]]:
        """Per query, (query, aliases, counts) of the pool `lookup` ranks: its tokens taken rarest
        first, each adding its best weight per alias (a common part only confirms the aliases found
        before), and the ``_POOL * limit`` (+ exact hits) aliases with the highest counts kept."""
        offsets, items, sizes = self._arrays.offsets, self._arrays.items, self._arrays.sizes
        best, counts, counted, last = self._arrays.scratch
        starts, ends = offsets[pair_part], offsets[pair_part + 1]
        token_size = np.bincount(pair_token, weights=ends - starts, minlength=len(plan.words))
        # a token in at most _COMMON aliases: its aliases, each once with its best weight (for all such
        # tokens at once); a common token's as rows, made distinct where a query needs them
        rare = token_size[pair_token] <= _COMMON
        rare_alias, rare_weight, rare_at = _best_per_token(np, items, offsets, pair_token[rare], pair_part[rare], weight[rare], len(plan.words))
        common = np.flatnonzero(~rare)
        row_alias = items[_ranges(np, starts[common], ends[common])].astype(np.int64)
        row_weight = np.repeat(weight[common], (ends - starts)[common])
        row_at = np.concatenate(([0], np.cumsum((ends - starts)[common]))).tolist()
        pair_at = np.searchsorted(pair_token[common], np.arange(len(plan.words) + 1)).tolist()
        token_size = token_size.tolist()
        rarest_first = list(zip(token_size, (word for word, _ in plan.words), strict=True)).__getitem__
        pools = []
        for q, tokens_of_q in enumerate(plan.tokens_of):
            pool: Any = None  # the aliases found, and their counts: of the first token that finds any ...
            found: Any = None
            added: list[Any] = []  # ... and, from the second on, those counted in the scratch arrays
            for t in sorted(tokens_of_q, key=rarest_first):
                if pool is not None and not added:
                    counts[pool] = found
                    counted[pool] = True
                    added.append(pool)
                if token_size[t] <= _COMMON:
                    a, b = rare_at[t], rare_at[t + 1]
                    aliases, weights = rare_alias[a:b], rare_weight[a:b]
                    if pool is not None:
                        fresh = aliases[~counted[aliases]]
                        counted[fresh] = True
                        added.append(fresh)
                else:
                    a, b = row_at[pair_at[t]], row_at[pair_at[t + 1]]
                    aliases, weights = row_alias[a:b], row_weight[a:b]
                    if pool is not None:  # it only confirms the aliases found before
                        known = counted[aliases]
                        aliases, weights = aliases[known], weights[known]
                    if pair_at[t + 1] - pair_at[t] > 1:  # (the aliases of one part are distinct)
                        _keep_best(np, best, aliases, weights)
                        aliases = _distinct(np, aliases, last)
                        weights = best[aliases]
                if pool is None:
                    if len(aliases):
                        pool, found = aliases, weights
                    continue
                counts[aliases] += weights
            if pool is None:
                continue
            if added:
                pool = np.concatenate(added)
                found = counts[pool]
                counts[pool] = 0.0
                counted[pool] = False
            size = _POOL * limit + len(plan.exact[q])
            if len(pool) > size:  # the most found, fewer parts first, then by number
                if len(pool) > 4 * size:
                    top = found >= np.partition(found, len(pool) - size)[len(pool) - size]
                    pool, found = pool[top], found[top]
                pick = np.lexsort((pool, sizes[pool], -found))[:size]
                pool, found = pool[pick], found[pick]
            pools.append((q, pool, found))
        return pools


class _Plan:
    """The look-ups of `CandidateIndex.lookup_many`: each query's exact hits, and the distinct parts
    of all queries ("tokens": a part and its spelling, looked up once however many queries hold
    them), each with the forms it is looked up under."""

    def __init__(self, index: CandidateIndex, queries: Sequence[tuple[tuple[str, ...], tuple[str, ...] | None]]) -> None:
        self.exact: list[list[int]] = []
        self.words: list[tuple[str, str]] = []  # token -> (part, as written)
        self.tokens_of: list[list[int]] = []  # query -> its tokens
        self.codes: list[list[str | None]] = []  # token -> each word's Metaphone code (None: it has none)
        self.hashes: list[int] = []  # every form's hash
        self.filed: list[tuple[int, int]] = []  # (place among the words: token * 2 + 0 or 1, forms) of each word filed
        self.direct: list[tuple[int, int]] = []  # (token, part number) of words looked up as they are
        known: dict[tuple[str, str], int] = {}
        for tokens, spelled in queries:
            self.exact.append(index._exact(tokens) if tokens else [])
            mine = []
            for word_pair in dict(zip(tokens, spelled or tokens, strict=True)).items():
                if len(word_pair[0]) == 1:
                    continue  # an initial finds nothing on its own
                t = known.get(word_pair)
                if t is None:
                    t = known[word_pair] = len(self.words)
                    self._file(index, t, word_pair)
                mine.append(t)
            self.tokens_of.append(mine)

    def _file(self, index: CandidateIndex, t: int, word_pair: tuple[str, str]) -> None:
        """The look-ups of token ``t``: each word as it is (two letters, or over 40), or under its
        forms (three letters: itself, see `near_parts`; more: its deletions, itself and its Metaphone code)."""
        self.words.append(word_pair)
        self.codes.append([None, None])
        for w, word in enumerate(dict.fromkeys(word_pair)):
            if len(word) < _MIN_NEAR or len(word) > _MAX_FUZZY:
                number = index._arrays.number(word)
                if number >= 0:
                    self.direct.append((t, number))
                continue
            forms = _forms(word)
            self.hashes += map(crc32, map(str.encode, forms))
            self.filed.append((2 * t + w, len(forms)))
            if len(forms) > 1:
                self.codes[t][w] = forms[-1][1:]

    def form_columns(self, np: Any) -> tuple[Any, Any, Any]:
        """(hash << 32, token, place of a Metaphone code among the words or -1) of every form."""
        place, count = np.array(self.filed, dtype=np.int64).reshape(-1, 2).T
        sounds = np.full(int(count.sum()), -1, dtype=np.int64)
        coded = count > 1  # (a word of 3 letters is filed under itself alone)
        sounds[(np.cumsum(count) - 1)[coded]] = place[coded]  # (the Metaphone code comes last)
        return np.array(self.hashes, dtype=np.uint64) << np.uint64(32), np.repeat(place // 2, count), sounds


def _best_per_token(np: Any, items: Any, offsets: Any, pair_token: Any, pair_part: Any, weight: Any, tokens: int) -> tuple[Any, Any, Any]:
    """The aliases of each token's parts (the pairs are in token order), each once with its best
    weight: token ``t``'s are ``aliases[at[t]:at[t + 1]]``, in the order of their numbers."""
    by_weight = np.lexsort((-weight, pair_token))  # a token's heaviest part first ...
    pair_token, pair_part, weight = pair_token[by_weight], pair_part[by_weight], weight[by_weight]
    starts, ends = offsets[pair_part], offsets[pair_part + 1]
    alias = items[_ranges(np, starts, ends)].astype(np.int64)
    row_token = np.repeat(pair_token, ends - starts)
    key = row_token << 32 | alias
    order = np.argsort(key, kind="stable")  # ... so that the first of an alias's rows has its best weight
    keep = order[_firsts(np, key[order])]
    at = np.searchsorted(row_token[keep], np.arange(tokens + 1))
    return alias[keep], np.repeat(weight, ends - starts)[keep], at.tolist()


def _keep_best(np: Any, best: Any, aliases: Any, weights: Any) -> None:
    """``best[a]``: the highest of the ``weights`` of alias ``a`` among ``aliases`` (``best`` is
    scratch space: other places keep what they held)."""
    best[aliases] = 0.0
    np.maximum.at(best, aliases, weights)  # (a plain assignment may keep any of an alias's weights)


def _distinct(np: Any, values: Any, last: Any) -> Any:
    """The distinct ``values`` (alias numbers), without sorting: ``last`` is scratch space, a place per alias."""
    places = np.arange(len(values))
    last[values] = places  # where a value repeats, its last place is kept
    return values[last[values] == places]


def strings_at(np: Any, column: Sequence[str], indices: Any) -> list[str]:
    """The strings at ``indices`` (an array) of a list or an array of objects, or of a loaded index's
    string column, whose bytes are then gathered by NumPy, with a line feed after each, and decoded at
    once (when a string holds a line feed, one at a time)."""
    if isinstance(column, np.ndarray):
        return column[indices].tolist()  # type: ignore[no-any-return]
    buffers = getattr(column, "buffers", None)
    if buffers is None:
        return [column[i] for i in indices.tolist()]
    offsets, blob = np.frombuffer(buffers[0], dtype=np.uint32), np.frombuffer(buffers[1], dtype=np.uint8)
    starts, ends = offsets[indices].astype(np.int64), offsets[indices + 1].astype(np.int64)
    places = np.concatenate(([0], np.cumsum(ends - starts + 1)))
    gathered = np.full(int(places[-1]), ord("\n"), dtype=np.uint8)
    gathered[_ranges(np, places[:-1], places[:-1] + ends - starts)] = blob[_ranges(np, starts, ends)]
    try:
        strings = gathered.tobytes().decode("utf-8", "surrogatepass").split("\n")[:-1]
    except UnicodeDecodeError:  # (a forged file: see StringColumn)
        strings = []
    return strings if len(strings) == len(indices) else [column[i] for i in indices.tolist()]


def _near_many(np: Any, parts: list[str], pair_token: Any, plan: _Plan) -> tuple[Any, Any]:
    """For each part and its token: whether `near_parts` finds the part for the token or its
    spelling (a word looked up as it is finds itself; a word of 3 letters, also the parts of one
    letter more that lose one to become it; a word of 4 to 40 letters finds the parts one deletion
    away, Indel distance 1, the parts of its length that lose one letter each to become the same,
    distance 2, and the parts of its Metaphone code unless that code was left out), and the better
    OSA likeness of the part to either; the distances computed in C.

    The Indel distance is told from the OSA distance (which the likeness gives) and the lengths: it
    is at least the OSA distance, and one OSA edit is one Indel edit between lengths one apart (a
    letter more or less) and two between equal lengths (a letter changed, or two swapped). So only
    the pairs of equal length two OSA edits apart need their Indel distance (a letter moved, 2)."""
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    part_array = np.array(parts, dtype=object)
    near = np.zeros(len(parts), dtype=bool)
    likeness = np.zeros(len(parts), dtype=np.float64)
    spelled = np.array([w[0] != w[1] for w in plan.words], dtype=bool)
    for column in (0, 1):
        pick = np.arange(len(parts)) if column == 0 else np.flatnonzero(spelled[pair_token])
        token = pair_token[pick]
        if not len(token):
            continue
        word_array = np.array([w[column] for w in plan.words], dtype=object)
        chosen, words = part_array[pick], word_array[token]
        size = np.fromiter(map(len, word_array), dtype=np.int64, count=len(word_array))[token]
        fuzzy, three = (size >= _MIN_FUZZY) & (size <= _MAX_FUZZY), (size >= _MIN_NEAR) & (size < _MIN_FUZZY)
        extra = lengths[pick] - size  # letters more than the word
        alike = process.cpdist(chosen.tolist(), words.tolist(), scorer=OSA.normalized_similarity, dtype=np.float64)
        edits = np.rint((1.0 - alike) * np.maximum(lengths[pick], size)).astype(np.int64)  # (OSA: 1 - edits / longer)
        near[pick] |= (edits == 0) | ((edits == 1) & (fuzzy | (three & (extra == 1))))
        moved = np.flatnonzero(fuzzy & (extra == 0) & (edits == 2))
        if len(moved):
            near[pick[moved]] |= process.cpdist(chosen[moved].tolist(), words[moved].tolist(), scorer=Indel.distance, dtype=np.int64, score_cutoff=3) <= 2
        likeness[pick] = np.maximum(likeness[pick], alike)
    rest = np.flatnonzero(~near & (lengths >= _MIN_FUZZY))  # these may sound alike
    codes, tokens = plan.codes, pair_token[rest].tolist()
    near[rest] = [bool(code) and code in codes[t] for t, code in zip(tokens, map(metaphone_code, part_array[rest].tolist()), strict=True)]
    return near, likeness


class _Arrays(NamedTuple):
    """A large table for `CandidateIndex.lookup_many`, as NumPy arrays (a loaded index's columns are
    viewed in place, not copied), and scratch space with a place per alias."""

    table: Any  # the neighbour table (uint64)
    offsets: Any  # a part's aliases are items[offsets[part]:offsets[part + 1]] (int64)
    items: Any  # (uint32)
    sizes: Any  # each alias's number of parts (uint32)
    number: Callable[[str], int]  # a part's number, or -1
    scratch: tuple[Any, Any, Any, Any]  # for `_pools`: best weight, count, counted, last place (see `_keep_best`, `_distinct`)
    directory: Any  # the keys whose top ``64 - shift`` bits are b are table[directory[b]:directory[b + 1]]
    shift: int

    def bounds(self, np: Any, hashes: Any) -> tuple[Any, Any]:
        """For each of ``hashes`` (a form's hash << 32), where its keys start and end in the table:
        found in the few keys of its place in the directory, one read of memory each, where a binary
        search of the whole table would read a dozen places far apart."""
        bucket = (hashes >> np.uint64(self.shift)).astype(np.int64)
        start, end = self.directory[bucket], self.directory[bucket + 1]
        owner = np.repeat(np.arange(len(hashes)), end - start)
        found = self.table[_ranges(np, start, end)] >> np.uint64(32)
        wanted = (hashes >> np.uint64(32))[owner]
        lo = start + np.bincount(owner, found < wanted, len(hashes)).astype(np.int64)
        return lo, lo + np.bincount(owner, found == wanted, len(hashes)).astype(np.int64)

    @classmethod
    def of(cls, index: CandidateIndex) -> _Arrays:
        import numpy as np
        import numpy.ma  # (numpy.unique imports it on its first call, 12 ms: here, at load, not in the first query)

        columns = getattr(index.postings, "arrays", None)  # a loaded index's table: its columns
        if columns is not None:
            offsets = np.frombuffer(columns[0], dtype=np.uint32).astype(np.int64)
            items = np.frombuffer(columns[1], dtype=np.uint32)
            number: Callable[[str], int] = index.postings.slot  # type: ignore[attr-defined]
        else:
            lists = index._part_postings
            offsets = np.zeros(len(lists) + 1, dtype=np.int64)
            np.cumsum([len(x) for x in lists], out=offsets[1:])
            items = np.fromiter(chain.from_iterable(lists), dtype=np.uint32, count=int(offsets[-1]))
            numbers = {p: n for n, p in enumerate(index.parts)}

            def number(part: str) -> int:
                return numbers.get(part, -1)

        n = len(index.aliases)
        table: Any = index.neighbours  # (an array or a memoryview)
        table = np.frombuffer(table, dtype=np.uint64) if len(table) else np.zeros(0, np.uint64)
        sizes: Any = index.sizes
        shift = 64 - min(24, max(1, len(table).bit_length() - 2))  # a few keys a place
        directory = np.append(np.searchsorted(table, np.arange(1 << (64 - shift), dtype=np.uint64) << np.uint64(shift)), len(table))
        return cls(
            table,
            offsets,
            items,
            np.frombuffer(sizes, dtype=np.uint32) if len(sizes) else np.zeros(0, np.uint32),
            number,
            # (filled, not only allocated: the pages are then in memory before the first query, not faulted in by it)
            (np.full(n, 0.0), np.full(n, 0.0), np.full(n, False), np.full(n, 0, dtype=np.int64)),
            directory,
            shift,
        )


def round_each(np: Any, values: Any, digits: int) -> Any:
    """``round(v, digits)`` of each of ``values`` (an array), as Python rounds: by NumPy, which gives
    Python's result unless ``v`` x 10 ** digits is within rounding error of a half (those few are
    rounded by Python)."""
    out = np.round(values, digits)
    scaled = values * 10.0**digits
    odd = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    out[odd] = [round(v, digits) for v in values[odd].tolist()]
    return out


def _sorted_distinct(np: Any, values: Any) -> Any:
    """The distinct ``values``, sorted: `numpy.unique` without its hashing, which takes twenty times
    as long on arrays of thousands (NumPy 2.4)."""
    values = np.sort(values)
    return values[_firsts(np, values)]


def _firsts(np: Any, values: Any) -> Any:
    """True where a value differs from the one before it: the first of each run of equal values."""
    first = np.ones(len(values), dtype=bool)
    first[1:] = values[1:] != values[:-1]
    return first


def _ranges(np: Any, starts: Any, ends: Any) -> Any:
    """The positions of the ranges ``starts[i]:ends[i]``, one after the other: a run of ones, with the
    jump to its start at the head of each range, summed up in place (one array of the size of the
    result, where repeating each range's offset took three)."""
    lengths = ends - starts
    some = lengths > 0
    if not some.all():
        starts, lengths = starts[some], lengths[some]
    if not len(lengths):
        return np.zeros(0, dtype=np.int64)
    heads = np.cumsum(lengths)
    out = np.ones(int(heads[-1]), dtype=np.int64)
    out[0] = starts[0]
    out[heads[:-1]] = starts[1:] - (starts[:-1] + lengths[:-1] - 1)  # from the last of the range before
    return np.cumsum(out, out=out)
