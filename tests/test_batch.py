"""Many names at once over a large gazetteer: `resolve_many` looks up the candidates of all its names
together on arrays (`CandidateIndex.lookup_many`) and scores their pairs together
(`Resolver._ranked_together`, `scoring.compare_many`). Both are shortcuts: these tests hold them to giving exactly what
`resolve` gives one name at a time, through the dicts of a small table and the long way of scoring."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from resolver import Match, Resolver
from resolver.candidates import round_each
from resolver.columns import AliasColumns
from resolver.model import EntityFacts
from resolver.resolver import _as_spelled
from resolver.scoring import _by_parts, compare, compare_many, notes_of, token_similarities, token_similarity


def _typos(names: list[str], seed: int) -> list[str]:
    """Each name with one random edit: a letter dropped, doubled, changed, or two swapped."""
    rng = random.Random(seed)
    out = []
    for name in names:
        i = rng.randrange(len(name))
        op = rng.choice("dxst")
        if op == "d":
            out.append(name[:i] + name[i + 1 :])
        elif op == "x":
            out.append(name[: i + 1] + name[i:])
        elif op == "s":
            out.append(name[:i] + rng.choice("aeiouklmnrst") + name[i + 1 :])
        else:
            out.append(name[:i] + name[i + 1 : i + 2] + name[i : i + 1] + name[i + 2 :])
    return out


def _queries(cities: list[dict[str, Any]]) -> list[str]:
    names = [rec["name"] for rec in cities[::7]]
    aliases = [a for rec in cities[::41] for a in rec["aliases"][:4]]
    odd = ["", "x", "A B", "San", "Santa Cruz", "St. Louis", "new york city", "SAO PAULO", "Bit", "Body", "is", "The Hague"]
    # words of four letters less their last: three letters, which also find the parts of one letter more
    short = [" ".join(w[:3] if len(w) == 4 else w for w in rec["name"].split()) for rec in cities[::5] if len(rec["name"]) > 3]
    short = [name for name in short if any(len(w) == 3 for w in name.split())]
    return [*names, *_typos(names, 3), *aliases, *_typos(aliases, 4), *odd, *short]


def _arrays(r: Resolver) -> Resolver:
    """``r`` with its index searched on arrays even for one name, as a large table is (its dicts set aside)."""
    r.index._near = None
    assert r.index.large
    return r


def _outcome(m: Match | None) -> Any:
    if m is None:
        return None
    return (m.id, m.name, m.type, m.score, m.alias, m.ambiguous, m.notes, [(a.id, a.score, a.alias, a.notes) for a in m.alternatives])


@pytest.fixture(scope="module")
def built(geonames_cities: list[dict[str, Any]]) -> Resolver:
    return Resolver.from_records(geonames_cities)


def test_lookup_many_proposes_what_lookup_proposes(built: Resolver, geonames_cities: list[dict[str, Any]]) -> None:
    index = built.index
    assert not index.large, "8000 cities make a small table: lookup goes through its dicts"
    keys = [built.normalizer.key(q) for q in _queries(geonames_cities)]
    asked = [(k.tokens, _as_spelled(k.surface, k.tokens)) for k in keys]
    for limit in (1, 5, 20):
        expected = [index.lookup(tokens, limit, spelled) for tokens, spelled in asked]
        assert sum(map(len, expected)) > len(asked), "most names find candidates"
        assert index.lookup_many(asked, limit) == expected
    assert index.lookup_many([], 5) == []


@pytest.mark.parametrize("threshold", [None, 0.0])
def test_resolve_many_on_arrays_resolves_as_resolve(
    built: Resolver, geonames_cities: list[dict[str, Any]], threshold: float | None
) -> None:
    queries = _queries(geonames_cities)
    expected = [built.resolve(q, threshold=threshold) for q in queries]
    assert sum(m is not None for m in expected) > len(queries) // 2
    r = Resolver.from_records(geonames_cities)
    got = r.resolve_many(queries, threshold=threshold)  # (many names: looked up together, on arrays)
    assert r.index._np is not None and not r.index.large
    assert [_outcome(m) for m in got] == [_outcome(m) for m in expected]
    # a match scored with the others is explained as one scored alone
    for m, e in zip(got, expected, strict=True):
        if m is not None and e is not None:
            assert m.explanation == e.explanation


def test_a_loaded_index_searched_on_arrays_resolves_as_built(
    built: Resolver, geonames_cities: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("resolver.compiled._READ_WHOLE", 0)  # through the index's columns, not plain objects
    built.save_index(tmp_path / "cities.rindex")
    loaded = _arrays(Resolver.from_path(tmp_path / "cities.rindex"))
    assert loaded.compiled.facts is not None and list(map(list, loaded.compiled.facts)) == list(map(list, EntityFacts.of(built.entities)))
    queries = _queries(geonames_cities)
    expected = [_outcome(built.resolve(q, threshold=0.0)) for q in queries]
    assert [_outcome(m) for m in loaded.resolve_many(queries, threshold=0.0)] == expected
    assert [_outcome(loaded.resolve(q, threshold=0.0)) for q in queries[:300]] == expected[:300]


def test_a_large_gazetteer_is_kept_as_columns_and_resolves_and_saves_as_before(
    built: Resolver, geonames_cities: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("resolver.candidates._SMALL_TABLE", 0)  # these 8000 cities make a large table
    big = Resolver.from_records(geonames_cities)
    assert big.index.large and isinstance(big.compiled.aliases, AliasColumns), "compacted after the build"
    assert not isinstance(built.compiled.aliases, AliasColumns)
    queries = _queries(geonames_cities)
    assert [_outcome(m) for m in big.resolve_many(queries, threshold=0.0)] == [_outcome(built.resolve(q, threshold=0.0)) for q in queries]
    # saved from its columns as they are, the index is the very file the records make
    big.save_index(tmp_path / "columns.rindex")
    built.save_index(tmp_path / "records.rindex")
    assert (tmp_path / "columns.rindex").read_bytes() == (tmp_path / "records.rindex").read_bytes()


def test_namesakes_rank_together_as_one_by_one() -> None:
    # persons who share a name tie in all but their IDs: ranked on arrays, they come in the order of their IDs
    given, family = ["Mitchell", "Sergei", "Faiz", "Jon", "Ann"], ["Mason", "Ivanov", "Hamid", "Smith", "Lee"]
    records = [{"id": f"p-{k}-{g.lower()}-{f.lower()}", "type": "person", "name": f"{g} {f}", "aliases": []}
               for k in (3, 1, 2) for g in given for f in family]  # fmt: skip
    r = Resolver.from_records(records)
    names = [f"{g} {f}" for g in given for f in family]
    queries = [*names, *_typos(names, 7), *_typos(names, 8), "Smith", "Ivanov, Sergei", "S. Ivanov"]
    for threshold in (None, 0.0):
        got = r.resolve_many(queries, threshold=threshold)
        assert sum(1 for m in got if m is not None and m.ambiguous) > len(names)
        assert [_outcome(m) for m in got] == [_outcome(r.resolve(q, threshold=threshold)) for q in queries]


# -- the one-word case of scoring, done many pairs at once --------------------------------------------
_PART = st.text(alphabet="abcdeiklmnorsštuzé", min_size=1, max_size=9)


@given(st.lists(st.tuples(_PART, _PART), min_size=1, max_size=30))
@example([("a", "a"), ("a", "ab"), ("b", "ab"), ("hamid", "hameed"), ("kosikha", "kosikah"), ("smith", "smyth")])
def test_token_similarities_are_token_similarity(pairs: list[tuple[str, str]]) -> None:
    a, b = [x for x, _ in pairs], [y for _, y in pairs]
    assert token_similarities(np, a, b).tolist() == [token_similarity(x, y)[0] for x, y in pairs]


@given(_PART, _PART, st.none() | _PART, st.none() | _PART)
@example("marseille", "marseile", None, None)
@example("kiev", "kyiv", "kiev", "kyjiv")
@example("deo", "del", None, None)
def test_one_word_against_one_word_scores_as_the_long_way(q: str, a: str, q_alt: str | None, alt: str | None) -> None:
    got = compare((q,), (a,), person=False, q_alt=None if q_alt is None else (q_alt,), alt=None if alt is None else (alt,))
    long = _by_parts((q,), (a,), False, None, None if alt is None else (alt,), None if q_alt is None else (q_alt,))
    if (q,) == (a,):
        long = got  # (equal keys are decided before either)
    assert (got.score, got.pairs, got.notes, got.whole) == (long.score, long.pairs, long.notes, long.whole)


# -- every case of scoring, done many pairs at once ---------------------------------------------------
# parts that pair in every way: equal, one edit, initials, sound-alikes, particles (which weigh less)
_WORDS = ["sergei", "sergey", "s", "ivanov", "ivano", "ivanova", "faiz", "f", "hamid", "hameed", "khan", "kahn", "smith",
          "smyth", "al", "bin", "de", "of", "state", "islamic", "ab", "abc", "abd", "bac", "del", "deo", "limited", "sa"]  # fmt: skip
_LIGHT = frozenset({"limited", "sa", "ab"})  # (legal forms: light in an organization's name, see `_weights`)
_NAME = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4).map(tuple)


@st.composite
def _pair(draw: st.DrawFn) -> tuple[Any, ...]:
    q, a = draw(_NAME), draw(_NAME)
    spelled = st.lists(st.sampled_from(_WORDS), min_size=len(a), max_size=len(a)).map(tuple)
    q_spelled = st.lists(st.sampled_from(_WORDS), min_size=len(q), max_size=len(q)).map(tuple)
    family = draw(st.none() | st.integers(0, len(a) - 1))
    return q, a, draw(st.booleans()), family, draw(st.none() | spelled), draw(st.none() | q_spelled), draw(st.booleans())


@given(st.lists(_pair(), min_size=1, max_size=40))
@example([(("sergei", "ivano"), ("sergei", "ivanov"), True, None, None, None, False),
          (("ivanov", "sergei"), ("sergei", "ivanov"), True, None, None, None, False),
          (("ivanov",), ("sergei", "ivanov"), True, None, None, None, False),
          (("sergei",), ("sergei", "ivanov"), True, None, None, None, False),
          (("faiz", "hameed"), ("faiz", "hamid"), True, 1, None, ("faiz", "hameed"), False),
          (("s", "ivanov"), ("sergei", "ivanov"), True, None, None, None, False),
          (("islamic", "state", "of", "khan"), ("islamic", "state"), False, None, None, None, False),
          (("abc",), ("ab", "abc"), False, None, None, None, True),
          (("consolacion", "deo", "sur"), ("consolacion", "del", "sur"), False, None, None, None, False),
          (("bac", "state"), ("abc", "state"), False, None, None, ("abd", "state"), False),
          (("deo",), ("del",), False, None, None, None, False),
          (("state", "khan"), ("state", "khan", "limited"), False, None, None, None, True),
          (("state", "khan"), ("state", "khan", "limited"), False, None, None, None, False),
          (("smith",), ("smith",), True, None, None, None, False)])  # fmt: skip
def test_compare_many_scores_as_compare(pairs: list[tuple[Any, ...]]) -> None:
    q, a, person, family, alt, q_alt, lit = (list(column) for column in zip(*pairs, strict=True))
    score, flags, family_sim = compare_many(np, q, a, person, family, alt, q_alt, _LIGHT, lit)
    expected = [compare(*p[:2], person=p[2], family_index=p[3], alt=p[4], q_alt=p[5], light=_LIGHT if p[6] else frozenset())
                for p in pairs]  # fmt: skip
    got = [(x, notes_of(bits, f)) for x, bits, f in zip(score.tolist(), flags.tolist(), family_sim.tolist(), strict=True)]
    assert got == [(s.score, s.notes) for s in expected]


def test_many_names_over_the_default_gazetteer_resolve_as_one_by_one(resolver: Resolver) -> None:
    # persons, case-sensitive forms, acronyms and common words: the pairs scored the long way
    names = [n for e in resolver.entities for n in e.names]
    queries = [*names, *_typos(names, 5), "", "x", "IS", "is", "Dawn", "dawn", "Pakistan ISI", "Russia's SVR",
               "IVANOV, Sergei", "I.S.I.", "Служба внешней разведки", "Burns", "Sergei Lavrov", "UN", "un"]  # fmt: skip
    for threshold in (None, 0.0):
        expected = [resolver.resolve(q, threshold=threshold) for q in queries]
        got = resolver.resolve_many(queries, threshold=threshold)
        assert [_outcome(m) for m in got] == [_outcome(m) for m in expected]
        assert all(m.explanation == e.explanation for m, e in zip(got, expected, strict=True) if m is not None and e is not None)


_HALVES = st.integers(0, 10**6).map(lambda k: (k + 0.5) / 1e6)  # (as near a half-way point as floats get)
_COUNT_HALVES = st.integers(0, 10**4).map(lambda k: (k + 0.5) / 1e3)  # (of the pool counts, rounded to 3 digits)
_COUNTS = st.lists(st.sampled_from([1.0, 0.9, 0.0]) | st.floats(0, 0.9), min_size=1, max_size=5).map(sum)  # (sums of part weights)


@given(st.lists(st.one_of(st.floats(0, 1), _HALVES), max_size=40))
@example([0.5e-6, 0.9999995, 0.1234565, 0.885, 11 / 12])
def test_scores_are_rounded_together_as_python_rounds_them(values: list[float]) -> None:
    assert round_each(np, np.array(values, dtype=np.float64), 6).tolist() == [round(v, 6) for v in values]


@given(st.lists(st.one_of(st.floats(0, 10), _COUNT_HALVES, _COUNTS), max_size=40))
@example([0.0005, 1.8845, 2.0005, 0.9 * 0.8125 + 1.0, 9.9995])
def test_pool_counts_are_rounded_together_as_python_rounds_them(values: list[float]) -> None:
    assert round_each(np, np.array(values, dtype=np.float64), 3).tolist() == [round(v, 3) for v in values]


def test_a_match_is_a_frozen_value() -> None:
    """`Match` sets its fields in its own ``__init__``: it stays frozen, equal by its compared fields
    (not its explanation or notes), hashable, copied by `dataclasses.replace` and sent between
    processes as before."""
    import dataclasses
    import pickle

    m = Match("a", "A", "person", 0.9, "q", "A", lambda: None, notes=("n",))  # type: ignore[arg-type, return-value]
    twin = Match("a", "A", "person", 0.9, "q", "A", print, False, (), ())  # type: ignore[arg-type]
    assert m == twin and hash(m) == hash(twin) and m.notes == ("n",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.score = 1.0  # type: ignore[misc]
    other = dataclasses.replace(m, ambiguous=True, alternatives=(twin,))
    assert other.ambiguous and other.alternatives == (twin,) and other.id == "a" and other != m
    sent = pickle.loads(pickle.dumps(dataclasses.replace(m, explain=dict)))
    assert sent == m and sent.notes == ("n",)
