"""Laws of the name rules, stated as properties (hypothesis) or checked exhaustively over the tables.

Each test states one law of the resolver: normalization is idempotent, noise and titles do not change
a result, every variant of an equivalence class meets the others, every alias resolves back to its
entity, similarity is symmetric with ``sim(x, x) == 1``, far strings match nothing, and the
transliteration patterns bring their examples together without loops.
"""

from __future__ import annotations

import re
import string
import unicodedata

import pytest
from conftest import default_resolver
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from resolver import Match, Resolver
from resolver.normalize import _CLEAN_TABLE, clean
from resolver.scoring import compare

_R = default_resolver()
_N = _R.normalizer
LAW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ids(m: Match) -> set[str]:
    return {m.id, *(a.id for a in m.alternatives)}


def _searchable(kinds: tuple[str, ...] = ("name", "alias")) -> list[tuple[str, str]]:
    """(entity id, alias text) of every alias that matches regardless of case."""
    return [
        (_R.entities[rec.entity].id, rec.text)
        for rec in _R.index.aliases
        if rec.kind in kinds and not rec.case_sensitive
    ]


# -- data the strategies draw from ---------------------------------------------------------------------
_ALL_ALIASES = [(e.id, text) for e in _R.entities for text in e.names]
_MULTI_WORD = sorted({(eid, text) for eid, text in _searchable() if len(text.split()) > 1})
_PERSON_ALIASES = sorted({(eid, text) for eid, text in _searchable() if _R.get(eid).type == "person"})  # type: ignore[union-attr]
_TITLES = sorted({form for _kind, form in _N.rules.titles})
_PARTS = sorted({w for _eid, text in _ALL_ALIASES for w in text.split()} | set(_TITLES) | {"The", "the", "of", "al-"})
_ALIAS_KEYS = sorted({rec.key for rec in _R.index.aliases} | {"".join(rec.tokens) for rec in _R.index.aliases})


def _variant_cases() -> list[tuple[str, str, str, str]]:
    """(entity id, alias, alias with one part replaced by a variant of its class, variant) for every person alias."""
    classes: dict[str, tuple[str, ...]] = {}
    for cls in _N.rules.name_classes:
        forms = (cls.canonical, *cls.variants)
        for form in forms:
            classes.setdefault(form.lower(), forms)
    cases = []
    for e in _R.entities:
        if e.type != "person":
            continue
        for text in e.names:
            for m in re.finditer(r"[A-Za-z]+", text):
                forms = classes.get(m.group().lower())
                if forms is None:
                    continue
                for variant in forms:
                    replaced = text[: m.start()] + variant.capitalize() + text[m.end() :]
                    if replaced != text:
                        cases.append((e.id, text, replaced, variant))
    return cases


_VARIANT_CASES = _variant_cases()


def test_the_strategies_have_data() -> None:
    # the laws below are vacuous if the tables they sample are empty
    assert len(_MULTI_WORD) > 50
    assert len(_PERSON_ALIASES) > 50
    assert len(_TITLES) > 100
    assert len(_VARIANT_CASES) > 100


# -- normalization ---------------------------------------------------------------------------------------
@LAW
@given(st.text())
@example("Faiz Hameed’s")
@example("IVANOV, Sergei")
@example("I.S.I.")
def test_key_is_idempotent_on_any_text(text: str) -> None:
    once = _N.key(text).key
    assert _N.key(once).key == once


names_from_parts = st.lists(st.sampled_from(_PARTS), min_size=1, max_size=5).map(" ".join)


@LAW
@given(names_from_parts)
@example("Mr The Nation")
@example("The The Nation")
@example("Lt Gen Faiz Hameed")
def test_key_is_idempotent_on_names_built_from_gazetteer_parts(name: str) -> None:
    once = _N.key(name).key
    assert _N.key(once).key == once


# The untraced pipeline takes short cuts for the common case; each must give what the long way gives.
@LAW
@given(st.text(alphabet=string.printable + "`\x0b\x0c\x1c\x00", max_size=30) | st.text(max_size=30))
@example("San`a'")
@example("Faiz\tHameed")
@example("  Faiz  Hameed ")
def test_clean_short_cut_gives_what_the_unicode_table_gives(text: str) -> None:
    nfkc = unicodedata.normalize("NFKC", text)
    if not nfkc.isprintable():
        nfkc = "".join(ch for ch in nfkc if unicodedata.category(ch) != "Cf")
    assert clean(text) == re.sub(r"\s+", " ", nfkc.translate(_CLEAN_TABLE)).strip()


_VARIANT_KEYS = sorted({t for table in (_N.name_variants, _N.org_variants) for k in table for t in k})


@LAW
@given(st.lists(st.sampled_from(_VARIANT_KEYS) | st.sampled_from(["bin", "de", "ivanov", "x"]), max_size=6).map(tuple))
@example(("abu", "bakr", "al", "baghdadi"))
def test_variants_without_a_record_are_the_variants_with_one(tokens: tuple[str, ...]) -> None:
    assert _N._variants(tokens) == _N._apply_variants(tokens)[0]


@LAW
@given(names_from_parts | st.text(max_size=30))
def test_untraced_key_is_the_traced_key_less_its_steps(name: str) -> None:
    assert _N.key(name, cache=False) == _N.key(name, trace=True)._replace(steps=())


@LAW
@given(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=20))
def test_skeleton_is_idempotent(token: str) -> None:
    once = _N.skeleton(token)
    assert _N.skeleton(once) == once


# -- noise, titles, variants -----------------------------------------------------------------------------
_SEPARATORS = [" ", "  ", "-", " - ", ".", ". ", ",", ", ", " ,  "]


@st.composite
def noisy_alias(draw: st.DrawFn) -> tuple[str, str, str]:
    eid, alias = draw(st.sampled_from(_MULTI_WORD))
    parts = alias.split()
    cased = ["".join(ch.upper() if draw(st.booleans()) else ch.lower() for ch in part) for part in parts]
    out = cased[0]
    for part in cased[1:]:
        out += draw(st.sampled_from(_SEPARATORS)) + part
    lead = " " * draw(st.integers(0, 3))
    trail = " " * draw(st.integers(0, 3))
    return eid, alias, lead + out + trail


@settings(max_examples=300, deadline=None)
@given(noisy_alias())
@example(("svr", "Foreign Intelligence Service", "fOREIGN-intelligence.SERVICE"))
@example(("sergei-naryshkin", "Sergey Naryshkin", "NARYSHKIN, sergey"))
@example(("odni", "Office of the Director of National Intelligence", "office of,the director of national-intelligence"))
@example(("hizb-ut-tahrir", "Hizb ut-Tahrir", "hizb,ut-tahrir"))
def test_case_space_and_punctuation_noise_do_not_change_the_result(case: tuple[str, str, str]) -> None:
    _eid, alias, noisy = case
    clean = _R.resolve(alias)
    assert clean is not None, alias
    got = _R.resolve(noisy)
    assert got is not None, f"{noisy!r} (noise on {alias!r}) resolved to nothing, expected {clean.id}"
    assert got.id == clean.id, f"{noisy!r} -> {got.id}, but {alias!r} -> {clean.id}"


@pytest.mark.parametrize(
    ("noisy", "clean"),
    [("Hizb, ut-Tahrir", "Hizb ut-Tahrir"), ("Lashkar,e-Taiba", "Lashkar-e-Taiba"), ("Naryshkin, Sergey", "Sergey Naryshkin")],
)
def test_a_comma_before_a_linking_particle_does_not_turn_the_name(noisy: str, clean: str) -> None:
    """"Family, Given" is read in the other order, but a comma before a particle bound to the next
    word ("ut-Tahrir") stands inside the name."""
    assert _N.key(noisy).tokens == _N.key(clean).tokens


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_TITLES), st.sampled_from(_PERSON_ALIASES))
@example("Lt Gen", ("faiz-hameed", "Faiz Hameed"))
@example("Ayatollah", ("ali-khamenei", "Seyyed Ali Khamenei"))
def test_any_title_before_a_person_alias_resolves_to_the_same_id(title: str, person: tuple[str, str]) -> None:
    _eid, alias = person
    plain = _R.resolve(alias)
    assert plain is not None, alias
    query = f"{title} {alias}"
    got = _R.resolve(query)
    assert got is not None, f"{query!r} resolved to nothing, expected {plain.id}"
    assert got.id == plain.id, f"{query!r} -> {got.id}, but {alias!r} -> {plain.id}"
    assert _N.key(query).key == _N.key(alias).key


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_VARIANT_CASES))
@example(("william-burns", "William Burns", "Bill Burns", "bill"))
@example(("ali-khamenei", "Seyyed Ali Khamenei", "Syed Ali Khamenei", "syed"))
def test_every_variant_of_a_name_part_class_resolves_to_the_same_id(case: tuple[str, str, str, str]) -> None:
    _eid, alias, replaced, variant = case
    assert _N.key(replaced).key == _N.key(alias).key, f"variant {variant!r}: key({replaced!r}) != key({alias!r})"
    plain, got = _R.resolve(alias), _R.resolve(replaced)
    assert plain is not None, alias
    assert got is not None, f"{replaced!r} resolved to nothing, expected {plain.id}"
    assert got.id == plain.id, f"{replaced!r} -> {got.id}, but {alias!r} -> {plain.id}"


def test_name_variant_classes_do_not_collide() -> None:
    # a form of one class must not normalize to the key of another class (it would join the wrong class)
    owner: dict[str, str] = {}
    clashes = []
    for cls in _N.rules.name_classes:
        for form in (cls.canonical, *cls.variants):
            key = _N.key(form).key
            if owner.setdefault(key, cls.canonical) != cls.canonical:
                clashes.append(f"{form!r} of class {cls.canonical!r} has the key {key!r} of class {owner[key]!r}")
    assert clashes == []


# -- every alias resolves back ---------------------------------------------------------------------------
def test_every_alias_of_every_entity_resolves_back_to_its_entity(resolver: Resolver) -> None:
    failures = []
    checked = 0
    for e in resolver.entities:
        for text in e.names:  # queried as written: case-sensitive aliases keep their own case
            checked += 1
            m = resolver.resolve(text)
            if m is None:
                failures.append(f"{text!r} of {e.id}: no match")
            elif m.id != e.id and not (m.ambiguous and e.id in _ids(m)):
                failures.append(f"{text!r} of {e.id}: resolved to {m.id} (alternatives {sorted(_ids(m) - {m.id})})")
    assert checked >= 176 * 2
    assert failures == []


def test_every_searchable_form_including_derived_acronyms_resolves_back(resolver: Resolver) -> None:
    failures = []
    for rec in resolver.index.aliases:
        eid = resolver.entities[rec.entity].id
        m = resolver.resolve(rec.text)
        if m is None or (m.id != eid and eid not in _ids(m)):
            failures.append(f"{rec.kind} {rec.text!r} of {eid}: {None if m is None else m.id}")
    assert failures == []


# -- similarity and scores -------------------------------------------------------------------------------
name_part = st.text(alphabet=string.ascii_letters + "áéíöüçşАБВГДЕЖЗИКЛМНабвгдежзиклмн", min_size=1, max_size=12)
names = st.one_of(
    st.lists(name_part, min_size=1, max_size=4).map(" ".join),
    st.sampled_from([text for _eid, text in _ALL_ALIASES]),
)


@LAW
@given(names, names)
def test_similarity_is_symmetric(a: str, b: str) -> None:
    assert _R.similarity(a, b) == _R.similarity(b, a)
    assert 0.0 <= _R.similarity(a, b) <= 1.0


@LAW
@given(st.text(), st.text())
def test_similarity_is_symmetric_on_any_text(a: str, b: str) -> None:
    assert _R.similarity(a, b) == _R.similarity(b, a)


@LAW
@given(names)
def test_similarity_of_a_name_with_itself_is_one(a: str) -> None:
    assert _R.similarity(a, a) == 1.0


@LAW
@given(
    st.text(alphabet="abcdefgh", min_size=3, max_size=3),
    st.integers(0, 2),
    st.sampled_from("xyz"),
    st.lists(st.sampled_from(["north", "river", "city", "port"]), min_size=1, max_size=3, unique=True),
)
def test_a_word_of_three_letters_one_letter_off_counts_two_thirds_in_a_place_name(
    word: str, at: int, letter: str, rest: list[str]
) -> None:
    """Words of an organization's or a place's name match or they do not (from 0.75 alike), but a
    word of three letters one letter off ("deo" for "del") is as near as three letters can be."""
    misspelled = word[:at] + letter + word[at + 1 :]
    n = len(rest) + 1
    score = compare((misspelled, *rest), (word, *rest), person=False).score
    assert (n - 1 + 2 / 3) / n - 1e-9 <= score < 1.0
    assert compare(("xy" + word[2], *rest), (word, *rest), person=False).score == pytest.approx((n - 1) / n)


@LAW
@given(st.one_of(names, st.text(max_size=40)))
def test_scores_are_between_zero_and_one(name: str) -> None:
    for m in _R.candidates(name, k=5):
        assert 0.0 <= m.score <= 1.0
    m = _R.resolve(name)
    if m is not None:
        assert _R.threshold <= m.score <= 1.0


_CONSONANTS = "bcdfghjklmnpqrstvwxz"


@LAW
@given(st.text(alphabet=_CONSONANTS, min_size=8, max_size=20))
def test_strings_far_from_every_alias_resolve_to_nothing(text: str) -> None:
    query_key = _N.key(text).key
    nearest = process.extractOne(query_key, _ALIAS_KEYS, scorer=fuzz.ratio)
    nearest_raw = process.extractOne(text, _ALIAS_KEYS, scorer=fuzz.ratio)
    assert nearest is not None and nearest_raw is not None
    if max(nearest[1], nearest_raw[1]) >= 60:
        return  # close to an alias: the law says nothing
    assert _R.resolve(text) is None, f"{text!r} is far from every alias (nearest {nearest[0]!r} {nearest[1]:.0f})"


# -- transliteration patterns ----------------------------------------------------------------------------
_EXAMPLES = [
    (p.name, pair.split("~")[0].strip(), pair.split("~")[1].strip())
    for p in _N.rules.patterns
    for pair in p.example.split(",")
    if "~" in pair
]


def test_every_pattern_has_an_example() -> None:
    assert {name for name, _a, _b in _EXAMPLES} == {p.name for p in _N.rules.patterns}


@pytest.mark.parametrize(("pattern", "a", "b"), _EXAMPLES, ids=[f"{n}:{a}~{b}" for n, a, b in _EXAMPLES])
def test_pattern_example_gives_equal_skeleton_keys(pattern: str, a: str, b: str) -> None:
    assert _N.key(a).key == _N.key(b).key
    assert [_N.skeleton(t) for t in _N.key(a).surface] == [_N.skeleton(t) for t in _N.key(b).surface]


@pytest.mark.parametrize("pattern", _N.rules.patterns, ids=lambda p: p.name)
def test_pattern_target_contains_no_source(pattern: object) -> None:
    sources = {p.name: p.source for p in _N.rules.patterns}
    target = pattern.target  # type: ignore[attr-defined]
    assert [name for name, src in sources.items() if src in target] == []
