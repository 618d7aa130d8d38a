"""The seed entities and the way the seed articles write them; confusables, case rules, acronyms,
explanations, thresholds and batch resolution."""

from __future__ import annotations

import pytest

from resolver import Match, Resolver

SEED_IDS = [
    "isi",
    "svr",
    "islamic-state",
    "taliban",
    "ttp",
    "al-qaeda",
    "etim",
    "bla",
    "jundallah",
    "cia",
    "tass",
    "sco",
    "press-tv",
    "dawn",
    "the-nation",
    "pakistan-today",
    "ria-novosti",
    "gazeta-ru",
    "washington-examiner",
    "faiz-hameed",
    "sergei-ivanov-svr",
    "sergei-ivanov",
    "sergei-naryshkin",
    "dmitry-medvedev",
    "mohammad-hasan-akhund",
    "abdul-ghani-baradar",
    "ali-khamenei",
    "william-burns",
    "qamar-javed-bajwa",
    "mohammad-faisal",
]


def _ids(m: Match) -> set[str]:
    return {m.id, *(a.id for a in m.alternatives)}


def test_there_are_thirty_seed_entities() -> None:
    assert len(SEED_IDS) == len(set(SEED_IDS)) == 30


@pytest.mark.parametrize("entity_id", SEED_IDS)
def test_seed_entity_exists_and_resolves_from_its_name(resolver: Resolver, entity_id: str) -> None:
    entity = resolver.get(entity_id)
    assert entity is not None
    assert entity.id == entity_id
    m = resolver.resolve(entity.name)
    assert m is not None
    assert m.id == entity_id or (m.ambiguous and entity_id in _ids(m))
    assert m.score >= resolver.threshold


# the way the seed articles (and common usage) write the seed entities
AS_WRITTEN = [
    ("Faiz Hamid", "faiz-hameed"),
    ("Lt Gen Faiz Hameed", "faiz-hameed"),
    ("Faiz Hameed’s", "faiz-hameed"),
    ("Faiz Hameed's", "faiz-hameed"),
    ("Inter-Services Intelligence", "isi"),
    ("Inter Services Intelligence", "isi"),
    ("ISI", "isi"),
    ("I.S.I.", "isi"),
    ("Pakistan’s Inter-Services Intelligence", None),  # a possessive of a country is another name
    ("Daesh", "islamic-state"),
    ("ISIS", "islamic-state"),
    ("ISIL", "islamic-state"),
    ("IS", "islamic-state"),
    ("Islamic State", "islamic-state"),
    ("Jundullah", "jundallah"),
    ("Jundallah", "jundallah"),
    ("Gen Qamar Bajwa", "qamar-javed-bajwa"),
    ("General Qamar Javed Bajwa", "qamar-javed-bajwa"),
    ("Ayatollah Seyyed Ali Khamenei", "ali-khamenei"),
    ("Ayatollah Ali Khamenei", "ali-khamenei"),
    ("Supreme Leader Ali Khamenei", "ali-khamenei"),
    ("Shanghai Cooperation Organization", "sco"),
    ("Shanghai Cooperation Organisation", "sco"),
    ("SCO", "sco"),
    ("Gazeta.Ru", "gazeta-ru"),
    ("Gazeta.ru", "gazeta-ru"),
    ("Washington examiner", "washington-examiner"),
    ("The Washington Examiner", "washington-examiner"),
    ("RIA", "ria-novosti"),
    ("RIA Novosti", "ria-novosti"),
    ("TASS", "tass"),
    ("ITAR-TASS", "tass"),
    ("Press TV", "press-tv"),
    ("PressTV", "press-tv"),
    ("Pakistan Today", "pakistan-today"),
    ("Dawn", "dawn"),
    ("The Nation", "the-nation"),
    ("Taliban", "taliban"),
    ("Tehrik-i-Taliban Pakistan", "ttp"),
    ("Tehreek-e-Taliban Pakistan", "ttp"),
    ("TTP", "ttp"),
    ("al-Qaeda", "al-qaeda"),
    ("Al Qaida", "al-qaeda"),
    ("East Turkestan Islamic Movement", "etim"),
    ("ETIM", "etim"),
    ("Balochistan Liberation Army", "bla"),
    ("Baluchistan Liberation Army", "bla"),
    ("BLA", "bla"),
    ("Central Intelligence Agency", "cia"),
    ("CIA", "cia"),
    ("Russian Foreign Intelligence Service", "svr"),
    ("Foreign Intelligence Service", "svr"),
    ("SVR", "svr"),
    ("Sergei Naryshkin", "sergei-naryshkin"),
    ("Director Sergei Naryshkin", "sergei-naryshkin"),
    ("Dmitry Medvedev", "dmitry-medvedev"),
    ("Mohammad Hasan Akhund", "mohammad-hasan-akhund"),
    ("Mullah Mohammad Hasan Akhund", "mohammad-hasan-akhund"),
    ("Abdul Ghani Baradar", "abdul-ghani-baradar"),
    ("Mullah Abdul Ghani Baradar", "abdul-ghani-baradar"),
    ("William Burns", "william-burns"),
    ("CIA Director William Burns", None),  # not a title: "CIA" is a name, not stripped
    ("Mohammad Faisal", "mohammad-faisal"),
    ("Muhammad Faisal", "mohammad-faisal"),
]
# native script, inverted order, initials, misspellings, hypocorisms
VARIANTS = [
    ("Служба внешней разведки", "svr"),
    ("СВР", "svr"),
    ("Сергей Нарышкин", "sergei-naryshkin"),
    ("Дмитрий Медведев", "dmitry-medvedev"),
    ("Али Хаменеи", "ali-khamenei"),
    ("علی خامنه‌ای", "ali-khamenei"),
    ("فیض حمید", "faiz-hameed"),
    ("آئی ایس آئی", "isi"),
    ("داعش", "islamic-state"),
    ("الدولة الإسلامية", "islamic-state"),
    ("طالبان", "taliban"),
    ("القاعدة", "al-qaeda"),
    ("جندالله", "jundallah"),
    ("عبدالغني برادر", "abdul-ghani-baradar"),
    ("محمد حسن آخوند", "mohammad-hasan-akhund"),
    ("قمر جاوید باجوہ", "qamar-javed-bajwa"),
    ("محمد فیصل", "mohammad-faisal"),
    ("ڈان", "dawn"),
    ("پرس تی وی", "press-tv"),
    ("ТАСС", "tass"),
    ("РИА Новости", "ria-novosti"),
    ("Газета.Ru", "gazeta-ru"),
    ("ЦРУ", "cia"),
    ("Шанхайская организация сотрудничества", "sco"),
    ("NARYSHKIN, Sergei", "sergei-naryshkin"),
    ("Medvedev, Dmitry", "dmitry-medvedev"),
    ("Hameed, Faiz", "faiz-hameed"),
    ("S. Naryshkin", "sergei-naryshkin"),
    ("D. Medvedev", "dmitry-medvedev"),
    ("Abdul Ghani Biradar", "abdul-ghani-baradar"),
    ("Sergei Naryshkn", "sergei-naryshkin"),
    ("Sergey Naryshkin", "sergei-naryshkin"),
    ("Mohammed Hassan Akhund", "mohammad-hasan-akhund"),
    ("Muhammad Hassan Akhund", "mohammad-hasan-akhund"),
    ("Dmitri Medvedev", "dmitry-medvedev"),
    ("Dmitriy Medvedev", "dmitry-medvedev"),
    ("Ali Khamenei", "ali-khamenei"),
    ("Ali Khamenehi", "ali-khamenei"),
    ("Bill Burns", "william-burns"),
    ("William J. Burns", "william-burns"),
    ("Qamar Jawed Bajwa", "qamar-javed-bajwa"),
    ("Faiz Hameed", "faiz-hameed"),
]


@pytest.mark.parametrize(("query", "expected"), [c for c in AS_WRITTEN if c[1] is not None])
def test_seed_entity_resolves_as_the_articles_write_it(resolver: Resolver, query: str, expected: str) -> None:
    m = resolver.resolve(query)
    assert m is not None, query
    assert m.id == expected
    assert not m.ambiguous, [a.id for a in m.alternatives]


@pytest.mark.parametrize(("query", "expected"), VARIANTS)
def test_seed_entity_resolves_from_script_order_initials_misspellings_hypocorisms(
    resolver: Resolver, query: str, expected: str
) -> None:
    m = resolver.resolve(query)
    assert m is not None, query
    assert m.id == expected


@pytest.mark.parametrize("query", ["Sergei Ivano", "Sergei Ivanov", "Сергей Иванов", "IVANOV, Sergei", "Sergey Ivanov"])
def test_sergei_ivanov_is_the_svr_spokesman_but_ambiguous(resolver: Resolver, query: str) -> None:
    m = resolver.resolve(query)
    assert m is not None
    assert m.id == "sergei-ivanov-svr"
    assert m.ambiguous is True
    assert "sergei-ivanov" in [a.id for a in m.alternatives]
    assert any("ambiguous" in note for note in m.explanation.notes)


def test_the_spokesman_and_the_politician_are_namesakes(resolver: Resolver) -> None:
    svr, politician = resolver.get("sergei-ivanov-svr"), resolver.get("sergei-ivanov")
    assert svr is not None and politician is not None
    assert "sergei-ivanov" in svr.namesakes
    assert "sergei-ivanov-svr" in politician.namesakes
    m = resolver.resolve("Sergei Borisovich Ivanov")
    assert m is not None and m.id == "sergei-ivanov" and not m.ambiguous


# -- confusables -------------------------------------------------------------------------------------
CONFUSABLES = [
    ("Sergei Lavrov", {"sergei-ivanov-svr", "sergei-ivanov", "sergei-naryshkin"}),
    ("Hamid Karzai", {"faiz-hameed"}),
    ("Tehrik-e-Labbaik Pakistan", {"ttp"}),
    ("Dmitry Peskov", {"dmitry-medvedev"}),
    ("William Barr", {"william-burns"}),
    ("Ali Larijani", {"ali-khamenei"}),
    ("Faiz Ahmed", {"faiz-hameed"}),
    ("Washington Post", {"washington-examiner"}),
    ("The National", {"the-nation"}),
    ("Sergei Ivanovich", {"sergei-naryshkin"}),
    ("Abdul Ghani", {"abdul-ghani-baradar"}),
    ("Mohammad Hasan", {"mohammad-hasan-akhund"}),
    ("Ali Hosseini", {"ali-khamenei"}),
]


@pytest.mark.parametrize(("query", "never"), CONFUSABLES)
def test_confusables_never_resolve_to_the_entity_they_resemble(resolver: Resolver, query: str, never: set[str]) -> None:
    m = resolver.resolve(query)
    if m is not None:
        assert not (_ids(m) & never), f"{query!r} -> {m.id} {m.score}"


def test_confusables_that_are_gazetteer_entities_resolve_to_themselves(resolver: Resolver) -> None:
    m = resolver.resolve("Dmitry Peskov")
    assert m is not None and m.id == "dmitry-peskov"
    m = resolver.resolve("Washington Post")
    assert m is not None and m.id != "washington-examiner"
    assert resolver.get("dmitry-peskov") is not None


# -- case rules --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("IS", "islamic-state"),
        ("is", None),
        ("Is", None),
        ("Dawn", "dawn"),
        ("DAWN", "dawn"),
        ("dawn", None),
        ("The Nation", "the-nation"),
        ("the nation", None),
        ("nation", None),
    ],
)
def test_case_rules_for_short_and_common_word_aliases(resolver: Resolver, query: str, expected: str | None) -> None:
    m = resolver.resolve(query)
    assert (m.id if m else None) == expected


# -- acronyms ----------------------------------------------------------------------------------------
def test_acronym_is_derived_from_a_long_organization_name() -> None:
    r = Resolver.from_records(
        [{"id": "x-org", "type": "organization", "name": "Balochistan Liberation Army", "aliases": []}]
    )
    m = r.resolve("BLA")
    assert m is not None and m.id == "x-org"
    assert m.explanation.alias_kind == "acronym"
    assert any("acronym" in n for n in m.explanation.notes)
    assert r.resolve("bla") is None  # a derived acronym matches only in capitals
    assert r.acronym_collisions == []


@pytest.mark.parametrize(
    ("name", "acronym"),
    [
        ("Inter-Services Intelligence", "ISI"),
        ("Islamic State of Iraq and the Levant", "ISIL"),
        ("Tehrik-i-Taliban Pakistan", "TTP"),
        ("Shanghai Cooperation Organisation", "SCO"),
        ("Committee for State Security", "CSS"),
        ("Federal Security Service", "FSS"),
        ("Islamic Revolutionary Guard Corps Quds Force", "IRGCQF"),
    ],
)
def test_derived_acronym_resolves_whatever_its_letters(name: str, acronym: str) -> None:
    # the acronym must meet the query's normalization: "FSS" is normalized like any query
    r = Resolver.from_records([{"id": "x-org", "type": "organization", "name": name, "aliases": []}])
    m = r.resolve(acronym)
    assert m is not None, f"{acronym!r} derived from {name!r} resolved to nothing"
    assert m.id == "x-org"


def test_acronym_collision_resolves_to_neither_and_is_reported() -> None:
    r = Resolver.from_records(
        [
            {"id": "bal-army", "type": "organization", "name": "Balochistan Liberation Army", "aliases": []},
            {"id": "ban-alliance", "type": "organization", "name": "Bangladesh Liberation Alliance", "aliases": []},
        ]
    )
    assert r.resolve("BLA") is None
    assert len(r.acronym_collisions) == 1
    text = str(r.acronym_collisions[0])
    assert "bal-army" in text and "ban-alliance" in text and "BLA" in text
    # the full names still resolve
    assert r.resolve("Balochistan Liberation Army").id == "bal-army"  # type: ignore[union-attr]
    assert r.resolve("Bangladesh Liberation Alliance").id == "ban-alliance"  # type: ignore[union-attr]


def test_derived_acronym_that_is_another_entitys_alias_is_not_used_and_is_reported() -> None:
    r = Resolver.from_records(
        [
            {"id": "bal-army", "type": "organization", "name": "Balochistan Liberation Army", "aliases": []},
            {"id": "bla-city", "type": "location", "name": "Bla", "aliases": ["BLA"]},
        ]
    )
    assert r.resolve("BLA").id == "bla-city"  # type: ignore[union-attr]
    assert [str(p) for p in r.acronym_collisions] == ["<records>: derived acronym 'BLA' of bal-army is another entity's alias: not used"]


def test_attested_acronym_alias_wins_over_a_derived_one(resolver: Resolver) -> None:
    m = resolver.resolve("ISI")
    assert m is not None and m.id == "isi"
    assert m.alias == "ISI"


# -- explanations ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "rule"),
    [
        ("Lt Gen Faiz Hameed", "title"),
        ("Сергей Нарышкин", "transliterate"),
        ("Faiz Hameed’s", "possessive"),
        ("Faiz Hameed’s", "unicode"),
        ("NARYSHKIN, Sergei", "name-order"),
        ("I.S.I.", "dotted-acronym"),
        ("Ali Khamenei", "pattern:kh-h"),
        ("Faiz Hameed", "pattern:ee-i"),
        ("Bill Burns", "name-variant"),
        ("Mohammed Hassan Akhund", "double-letters"),
        ("The Washington Examiner", "leading-the"),
        ("Shanghai Cooperation Organisation", "org-variant"),
    ],
)
def test_explanation_names_the_rules_that_changed_the_query(resolver: Resolver, query: str, rule: str) -> None:
    m = resolver.resolve(query)
    assert m is not None
    rules = [s.rule for s in m.explanation.query_steps]
    assert rule in rules, rules
    assert rule in str(m.explanation)


def test_explanation_names_the_alias_and_the_comparisons(resolver: Resolver) -> None:
    m = resolver.resolve("Sergei Ivano")
    assert m is not None
    ex = m.explanation
    assert ex.alias == m.alias == "Sergei Ivanov"
    assert ex.alias_kind == "name"
    assert ex.method == "name-parts-v2"
    assert ex.query_key == "sergei ivano"
    assert ex.alias_key == "sergei ivanov"
    assert ex.comparisons
    assert all(0.0 <= c.score <= 1.0 for c in ex.comparisons)
    assert any(c.left == "ivano" and c.right == "ivanov" and c.score < 1.0 for c in ex.comparisons)
    text = str(ex)
    assert text.splitlines()[0].startswith("matched name 'Sergei Ivanov' by name-parts-v2")
    assert "ivano" in text and "0.833" in text
    assert "Traceback" not in text and "Explanation(" not in text
    as_dict = m.to_dict()
    assert as_dict["id"] == "sergei-ivanov-svr" and as_dict["explanation"]["alias"] == "Sergei Ivanov"


def test_explanation_of_a_title_step_shows_before_and_after(resolver: Resolver) -> None:
    m = resolver.resolve("Lt Gen Faiz Hameed")
    assert m is not None
    (step,) = [s for s in m.explanation.query_steps if s.rule == "title"]
    assert step.before == "lt gen faiz hameed"
    assert step.after == "faiz hameed"
    assert "title: 'lt gen faiz hameed' -> 'faiz hameed'" in str(m.explanation)


# -- scores, thresholds, batches ---------------------------------------------------------------------
def test_below_the_threshold_resolve_gives_none_but_candidates_list_alternatives(resolver: Resolver) -> None:
    assert resolver.resolve("Faiz") is None
    cands = resolver.candidates("Faiz", k=3)
    assert cands and cands[0].id == "faiz-hameed"
    assert cands[0].score < resolver.threshold
    assert all(0.0 <= c.score <= 1.0 for c in cands)
    assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)
    assert len(cands) <= 3
    assert resolver.candidates("Faiz", k=0) == []


def test_threshold_option_of_resolve_and_of_the_resolver(resolver: Resolver) -> None:
    m = resolver.resolve("Sergei Ivano")
    assert m is not None and m.score < 0.95
    assert resolver.resolve("Sergei Ivano", threshold=0.95) is None
    assert resolver.resolve("Faiz", threshold=0.4) is not None
    strict = Resolver(threshold=0.95)
    assert strict.threshold == 0.95
    assert strict.resolve("Sergei Ivano") is None
    assert strict.resolve("Faiz Hameed") is not None
    assert strict.candidates("Sergei Ivano", k=1)[0].id == "sergei-ivanov-svr"
    lax = Resolver(threshold=0.4)
    m = lax.resolve("Faiz")
    assert m is not None and m.id == "faiz-hameed"


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_threshold_out_of_range_is_refused(bad: float) -> None:
    from resolver import ResolverError

    with pytest.raises(ResolverError):
        Resolver(threshold=bad)


def test_resolve_many_equals_a_loop_of_resolve_in_order_with_duplicates(resolver: Resolver) -> None:
    names = ["Sergei Ivano", "I.S.I.", "nobody at all", "Daesh", "I.S.I.", "dawn", "Dawn", "Sergei Ivano", ""]
    many = resolver.resolve_many(names)
    loop = [resolver.resolve(n) for n in names]
    assert len(many) == len(names)
    assert [m.id if m else None for m in many] == [m.id if m else None for m in loop]
    assert [m.score if m else None for m in many] == [m.score if m else None for m in loop]
    assert [m.query if m else None for m in many] == [n if m else None for n, m in zip(names, loop, strict=True)]
    assert many[1] is not None and many[4] is not None and many[1].id == many[4].id == "isi"
    assert resolver.resolve_many(iter(["ISI", "CIA"]))[1].id == "cia"  # type: ignore[union-attr]
    assert resolver.resolve_many([]) == []


def test_empty_and_punctuation_only_names_resolve_to_nothing(resolver: Resolver) -> None:
    for name in ["", " ", "...", "’s", "-", ",", "\u200d"]:
        assert resolver.resolve(name) is None
        assert all(0.0 <= c.score <= 1.0 for c in resolver.candidates(name))
