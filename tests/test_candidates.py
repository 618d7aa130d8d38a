"""Laws of candidate retrieval: which indexed name parts a word finds (`CandidateIndex.near_parts`),
over the dicts of a small table and over the hashed neighbour table of a large one, stated without
the index's forms: by edits between the word and the part."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from resolver import Resolver
from resolver.candidates import AliasRecord, CandidateIndex, _Arrays, _ranges
from resolver.scoring import metaphone_code

_WORDS = st.text(alphabet="abeilnorst", min_size=1, max_size=7)


def _index(parts: list[str], large: bool) -> CandidateIndex:
    records = [AliasRecord(i, p, "name", (p,), (p,), False) for i, p in enumerate(parts)]
    index = CandidateIndex(records, jobs=1)
    if large:
        index._near = None  # the hashed neighbour table, as over hundreds of thousands of parts
    return index


def _less_one(longer: str, shorter: str) -> bool:
    """True when ``shorter`` is ``longer`` with one letter taken out."""
    return len(longer) == len(shorter) + 1 and any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _share_a_deletion(a: str, b: str) -> bool:
    """Of one length, and one letter less each the same ("abba" and "aabb": "abb"): what a
    symmetric-deletion table also finds, a letter moved."""
    return len(a) == len(b) and bool({a[:i] + a[i + 1 :] for i in range(len(a))} & {b[:i] + b[i + 1 :] for i in range(len(b))})


def _one_edit(a: str, b: str) -> bool:
    """One letter more, less or changed, or two neighbours swapped."""
    if len(a) != len(b):
        return _less_one(a, b) or _less_one(b, a)
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])


@given(st.lists(_WORDS, min_size=1, max_size=30, unique=True), _WORDS, st.booleans())
@example(["reid", "red", "rod", "ready", "re"], "red", False)
@example(["reid", "red", "rod", "ready", "re"], "red", True)
@example(["lachlan", "lachan", "laclhan", "lachlans", "lochlan"], "lachlan", False)
@example(["aabb"], "abba", False)
def test_a_word_finds_the_parts_one_edit_away(parts: list[str], word: str, large: bool) -> None:
    """A word of 4 letters or more finds every part one edit away (and, besides those, only parts of
    its length that lose a letter each to become the same, and parts that sound like it); a word of
    3 letters finds itself and the parts of one letter more; a shorter word, or a word of running
    text of 3 letters, only itself."""
    found = set(_index(parts, large).near_parts(word))
    if len(word) >= 4:
        edits = {p for p in parts if p == word or _one_edit(word, p)}
        assert edits <= found
        code = metaphone_code(word)
        assert all(p in edits or _share_a_deletion(word, p) or (len(p) >= 4 and metaphone_code(p) == code) for p in found)
    elif len(word) == 3:
        assert found == {p for p in parts if p == word or (len(p) == 4 and _less_one(p, word))}
    else:
        assert found == {word} & set(parts)
    if len(word) == 3:
        assert set(_index(parts, large).near_parts(word, three_letters=False)) == {word} & set(parts)


@given(st.lists(_WORDS, min_size=1, max_size=30, unique=True), _WORDS, _WORDS | st.none())
@example(["abcde", "bcdea", "abdce", "abxde", "abcd", "abcdef", "xbcde"], "abcde", None)
@example(["aabb", "abba", "abab", "bbaa"], "abba", "aabb")
@example(["reid", "red", "rod", "ready", "re"], "red", None)
@example(["reid", "red", "rod", "ready", "re"], "red", "reed")
def test_many_words_find_on_arrays_the_parts_each_finds_alone(parts: list[str], word: str, spelled: str | None) -> None:
    """`lookup_many` tells the parts near a word by distances computed for all pairs at once (the
    Indel distance told from the OSA distance where it can be): it proposes what `lookup` proposes
    through the dicts of a small table, where each part is checked against each form that found it."""
    small, large = _index(parts, False), _index(parts, True)
    alt = None if spelled is None else (spelled,)
    expected = small.lookup((word,), 100, alt)
    assert large.lookup_many([((word,), alt)], 100) == [expected]
    assert set(expected) >= {i for i, p in enumerate(parts) if p == word or (len(word) >= 4 and _one_edit(word, p))}


@pytest.fixture(scope="module")
def namesakes() -> Resolver:
    """Persons who share a given name, and one with a family name of four letters."""
    families = ["Abbott", "Barker", "Collins", "Dawson", "Ellison", "Fraser", "Gibbons", "Hughes", "Ingram", "Jarvis",
                "Kendall", "Lawson", "Mercer", "Norris", "Osborne", "Porter", "Quinn", "Rowland", "Sutton", "Turner",
                "Upton", "Vaughan", "Walker", "Yates", "Reid"]  # fmt: skip
    records: list[dict[str, Any]] = [
        {"id": f"p{i}", "type": "person", "name": f"Joshua {family}", "aliases": []} for i, family in enumerate(families)
    ]
    return Resolver.from_records(records)


@pytest.mark.parametrize("query", ["Joshua Red", "Josua Red", "Red, Joshua"])
def test_a_family_name_missing_a_letter_is_found_among_namesakes(namesakes: Resolver, query: str) -> None:
    """Among more namesakes than the candidates pool holds, "Red" (three letters) finds "Reid"."""
    m = namesakes.resolve(query, threshold=0.0)
    assert m is not None and m.name == "Joshua Reid", m
    assert namesakes.resolve_many([query] * 40, threshold=0.0)[0] == m


@given(st.lists(st.tuples(st.integers(0, 2**32 - 1) | st.integers(0, 40), st.integers(0, 2**32 - 1)), max_size=300),
       st.lists(st.integers(0, 2**32 - 1) | st.integers(0, 40), max_size=30))  # fmt: skip
@example([(7, 1), (7, 2), (8, 0), (2**32 - 1, 5)], [7, 8, 9, 0, 2**32 - 1])
def test_the_directory_finds_where_each_hash_starts_and_ends(keys: list[tuple[int, int]], hashes: list[int]) -> None:
    """`lookup_many` finds a form's keys in the neighbour table through a directory of the keys' top
    bits: the same places as a binary search of the whole table, for hashes present or not."""
    import numpy as np

    table = np.array(sorted(h << 32 | n for h, n in keys), dtype=np.uint64)
    index = _index(["x"], large=True)
    index.neighbours = table
    arrays = _Arrays.of(index)
    asked = np.array(hashes, dtype=np.uint64) << np.uint64(32)
    lo, hi = arrays.bounds(np, asked)
    assert lo.tolist() == np.searchsorted(table, asked).tolist()
    assert hi.tolist() == np.searchsorted(table, asked | np.uint64(0xFFFFFFFF), side="right").tolist()


@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 5) | st.integers(0, 300)), max_size=60))
@example([])
@example([(5, 0), (7, 0)])
@example([(0, 3), (10, 0), (2, 2), (2, 1), (100, 0)])
def test_ranges_are_the_positions_of_each_range_in_turn(ranges: list[tuple[int, int]]) -> None:
    """`_ranges` (how the look-ups gather the postings, keys and bytes of many ranges at once) gives
    each range's positions in turn; empty ranges give none."""
    import numpy as np

    starts = np.array([s for s, _ in ranges], dtype=np.int64)
    ends = starts + np.array([n for _, n in ranges], dtype=np.int64)
    got = _ranges(np, starts, ends)
    assert got.dtype == np.int64
    assert got.tolist() == [p for s, n in ranges for p in range(s, s + n)]
