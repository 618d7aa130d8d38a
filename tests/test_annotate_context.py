"""The annotator reading the words around a name: acronyms that the text defines as something else,
another country's state body, names that hold a place or end a hyphenated compound, a place after a
locative preposition, titles that end a window, and back-references that belong to another person.

Each case states what a careful reader would mark; the mechanisms are general (no test string is in
the gazetteer or the rules)."""

from __future__ import annotations

import pytest

from resolver import Resolver
from resolver.annotate import Mention


def _found(resolver: Resolver, text: str) -> list[tuple[str, str | None]]:
    return [(m.text, m.id) for m in resolver.annotate(text) if m.type != "location"]


def _ids_at(mentions: list[Mention], text: str, needle: str) -> set[str | None]:
    start = text.index(needle)
    return {m.id for m in mentions if m.start < start + len(needle) and m.end > start}


# -- acronyms the text defines -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "acronym", "gazetteer_id"),
    [
        ("Andhra Pradesh (AP) police arrested two men, AP officials said.", "AP", "associated-press"),
        ("The Slovak Information Service (SIS) expelled three diplomats. SIS said so.", "SIS", "mi6"),
        ("The Press Trust of India (PTI) reported the arrests.", "PTI", "pakistan-tehreek-e-insaf"),
        ("India's Intelligence Bureau (IB) warned of attacks; the IB said more.", "IB", "intelligence-bureau-pakistan"),
    ],
)
def test_an_acronym_defined_as_another_name_is_not_the_gazetteers(
    resolver: Resolver, text: str, acronym: str, gazetteer_id: str
) -> None:
    assert resolver.resolve(acronym) is not None and resolver.resolve(acronym).id == gazetteer_id  # type: ignore[union-attr]
    assert [m for m in resolver.annotate(text) if m.text == acronym] == []


def test_an_acronym_defined_as_its_own_entitys_name_still_counts(resolver: Resolver) -> None:
    text = "The Pakistan Tehreek-e-Insaf (PTI) said on Monday that PTI would protest."
    assert [m.id for m in resolver.annotate(text) if m.text == "PTI"] == ["pakistan-tehreek-e-insaf"] * 2


def test_an_acronym_is_not_bound_to_a_place_it_cannot_abbreviate(resolver: Resolver) -> None:
    text = "Tehreek-e-Labbaik Pakistan (TLP) ended its sit-in; TLP leaders left."
    assert all(m.id != "pakistan" for m in resolver.annotate(text) if m.text == "TLP")


# -- longer names around a known word ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "needle", "entity_id"),
    [
        ("Imran Khan's party, the Pakistan Tehrik-e-Insaf, said it would appeal.", "Pakistan Tehrik-e-Insaf", "pakistan-tehreek-e-insaf"),
        ("not to be confused with the Tehreek-e-Taliban Pakistan, which claimed it.", "Tehreek-e-Taliban Pakistan", "ttp"),
        ("presence of Al Qaida fighters near the border", "Al Qaida", "al-qaeda"),
        ("presence of Jabhat al-Nusrah fighters near the border", "Jabhat al-Nusrah", "al-nusra-front"),
    ],
)
def test_a_name_holding_a_place_or_a_particle_is_read_whole(resolver: Resolver, text: str, needle: str, entity_id: str) -> None:
    mentions = resolver.annotate(text)
    start = text.index(needle)
    assert [(m.start, m.end, m.id) for m in mentions if m.start < start + len(needle) and m.end > start] == [
        (start, start + len(needle), entity_id)
    ]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("The US-Taliban deal was signed in Doha.", "Taliban"),
        ("Anti-Taliban forces gathered in the valley.", "Taliban"),
        ("anti-Taliban forces gathered in the valley.", "Taliban"),
        ("Daesh-held territory shrank.", "Daesh"),
        ("Lebanese Hezbollah and Takfiri Daesh fighters were named.", "Hezbollah"),
        ("Yesterday Hezbollah said nothing.", "Hezbollah"),
    ],
)
def test_a_known_name_in_a_compound_or_after_an_adjective_stays(resolver: Resolver, text: str, needle: str) -> None:
    assert _ids_at(resolver.annotate(text), text, needle) - {None}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("Kataib Hezbollah, an Iraqi militia, denied involvement.", "Hezbollah"),
        ("Thomson Reuters reported higher profits.", "Reuters"),
    ],
)
def test_a_known_name_that_ends_a_longer_name_is_not_a_mention(resolver: Resolver, text: str, needle: str) -> None:
    assert _ids_at(resolver.annotate(text), text, needle) == set()


# -- one word alone ---------------------------------------------------------------------------------------------
def test_a_lone_family_name_after_a_locative_preposition_is_a_place(resolver: Resolver) -> None:
    assert resolver.resolve("Lloyd Austin") is not None
    text = "At a test range outside Austin, Texas, the Pentagon showed off new lasers."
    assert all(m.id != "lloyd-austin" for m in resolver.annotate(text))
    text = "Defense Secretary Austin met the Pakistani army chief."
    assert ("Austin", "lloyd-austin") in _found(resolver, text)


def test_a_numbered_model_is_no_name(resolver: Resolver) -> None:
    text = "Pakistan test-fired a Shaheen-III ballistic missile on Thursday."
    assert _found(resolver, text) == []


@pytest.mark.parametrize(
    "text", ["Russian Foreign Minister Sergei Lavrov met the envoys.", "Intelligence Minister Esmail Khatib accused Mossad."]
)
def test_a_window_does_not_end_on_a_title(resolver: Resolver, text: str) -> None:
    assert all(m.id not in {"russian-foreign-ministry", "mois"} for m in resolver.annotate(text))


# -- headlines --------------------------------------------------------------------------------------------------
def test_an_acronym_after_its_own_country_counts_in_a_headline(resolver: Resolver) -> None:
    assert ("RAW", "raw") in _found(resolver, "INDIA'S RAW BEHIND BALOCHISTAN UNREST, CLAIMS MINISTER")
    assert ("ISI", "isi") in _found(resolver, "PAKISTAN'S ISI CHIEF IN KABUL FOR TALKS")
    assert _found(resolver, "WHY IS PAKISTAN HOSTING SPY CHIEFS?") == []


# -- namesakes and back-references ------------------------------------------------------------------------------
def test_the_words_right_beside_a_name_weigh_most(resolver: Resolver) -> None:
    text = (
        "Akhund, the acting prime minister, and Akhundzada, the supreme leader, rarely appear together, "
        "according to Taliban insiders."
    )
    mentions = resolver.annotate(text)
    akhund = next(m for m in mentions if m.text == "Akhund")
    assert akhund.id == "mohammad-hasan-akhund", akhund.notes
    assert "abdul-ghani-baradar" in akhund.alternatives


def test_a_family_name_after_another_given_name_is_another_person(resolver: Resolver) -> None:
    text = "Bollywood actor Imran Khan, a nephew of Aamir Khan, announced his return."
    assert [m.text for m in resolver.annotate(text) if m.id == "imran-khan"] == ["Imran Khan"]
    text = "Imran Khan spoke first. Later Khan said more, and Prime Minister Khan left."
    assert [m.text for m in resolver.annotate(text) if m.id == "imran-khan"] == ["Imran Khan", "Khan", "Khan"]


@pytest.mark.parametrize(
    ("text", "needle", "entity_id"),
    [
        ("ISKP, led by Shahab al-Muhajir, clashed with the Taliban, and al-Muhajir is in hiding.", "al-Muhajir", "shahab-al-muhajir"),
        ("Osama bin Laden was killed in 2011, and bin Laden's successor died later.", "bin Laden", "osama-bin-laden"),
    ],
)
def test_a_back_reference_keeps_the_particle_of_the_family_name(
    resolver: Resolver, text: str, needle: str, entity_id: str
) -> None:
    start = text.rindex(needle)
    back = [m for m in resolver.annotate(text) if m.start == start]
    assert [(m.text, m.id, m.kind) for m in back] == [(needle, entity_id, "coreference")]


def test_a_back_reference_is_no_place(resolver: Resolver) -> None:
    text = "Sergei Ivanov spoke in Moscow. Later a delegation arrived in Ivanovo for talks."
    assert all(m.text != "Ivanovo" or m.type == "location" for m in resolver.annotate(text))


# -- a family name alone, with no title and no full mention before it --------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Medvedev knocked out of Wimbledon in straight sets.", None),  # another Medvedev: nothing bears it out
        ("Medvedev warned that Russia would answer, the Kremlin said.", "dmitry-medvedev"),
        ("Hameed's visit to Kabul as head of the ISI came after the fall of the city.", "faiz-hameed"),
    ],
)
def test_a_lone_family_name_needs_the_context_to_bear_it_out(resolver: Resolver, text: str, expected: str | None) -> None:
    word = text.split()[0].removesuffix("'s")
    found = [m for m in resolver.annotate(text) if m.text == word]
    assert [m.id for m in found] == ([expected] if expected else [])
    if expected:
        assert any("borne out by context" in n for n in found[0].notes), found[0].notes


@pytest.mark.parametrize(
    ("headline", "expected"),
    [
        ("CIA DIRECTOR BURNS MEETS TALIBAN'S BARADAR IN SECRET KABUL TALKS", {("BURNS", "william-burns"), ("BARADAR", "abdul-ghani-baradar")}),
        ("AP: US DRONE STRIKE KILLED AL-QAEDA LEADER ZAWAHIRI", {("ZAWAHIRI", "ayman-al-zawahiri")}),
        ("FIRE BURNS IN KABUL MARKET", set()),
        ("THE NEWS FROM KABUL IS NOT GOOD, WARNS ENVOY", set()),
    ],
)
def test_a_family_name_alone_in_a_headline(resolver: Resolver, headline: str, expected: set[tuple[str, str]]) -> None:
    persons_and_papers = {(t, i) for t, i in _found(resolver, headline) if i not in {"cia", "taliban", "al-qaeda"}}
    assert persons_and_papers == expected


@pytest.mark.parametrize(
    ("text", "needle", "entity_id"),
    [
        ("Tasnim news agency said so.", "Tasnim", "tasnim"),  # lower-case words that describe the name
        ("Xinhua news agency said so.", "Xinhua", "xinhua"),
        ("The Tasnim News Agency said so.", "Tasnim News Agency", "tasnim"),  # as the alias writes them
        ("The Washington examiner said so.", "Washington examiner", "washington-examiner"),  # "Washington" is no name of it
    ],
)
def test_a_lower_case_tail_that_describes_a_name_stays_out_of_the_span(
    resolver: Resolver, text: str, needle: str, entity_id: str
) -> None:
    start = text.index(needle)
    assert [(m.start, m.end, m.id) for m in resolver.annotate(text) if m.type == "organization"] == [
        (start, start + len(needle), entity_id)
    ]
