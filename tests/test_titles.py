"""Titles are people's: an organization's or a place's name keeps the title it starts with, and a
query that starts with one is read both ways (stripped and whole), the better reading taken."""

from __future__ import annotations

from typing import Any

import pytest

from resolver import Match, Resolver

RECORDS = [
    {"id": "gm", "type": "organization", "name": "General Motors", "aliases": ["GM"]},
    {"id": "ge", "type": "organization", "name": "General Electric"},
    {"id": "ford-motors", "type": "organization", "name": "Ford Motors"},
    {"id": "kaust", "type": "organization", "name": "King Abdullah University of Science and Technology"},
    {"id": "marshal-trading", "type": "organization", "name": "Marshal Trading Ltd"},
    {"id": "prince-george", "type": "location", "name": "Prince George"},
    {"id": "george", "type": "location", "name": "George"},
    {"id": "asim-munir", "type": "person", "name": "Asim Munir", "aliases": ["Syed Asim Munir"]},
]


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver.from_records(RECORDS)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("General Motors", "gm"),
        ("General Motor", "gm"),  # a typo: still the company, read whole
        ("General Electric", "ge"),
        ("King Abdullah University of Science & Technology", "kaust"),
        ("KAUST", "kaust"),  # derived from the whole name
        ("Marshal Trading Ltd", "marshal-trading"),
        ("Prince George", "prince-george"),  # read whole, over the place called George
        ("Prince Georg", "prince-george"),
        ("George", "george"),
        ("General Asim Munir", "asim-munir"),  # a person: the title stripped
        ("Lt Gen Asim Munir", "asim-munir"),
        ("Electric", None),  # no longer General Electric's key
        ("Trading Ltd", None),  # no longer Marshal Trading Ltd's key
    ],
)
def test_a_title_is_stripped_from_a_person_and_kept_by_an_organization_or_a_place(
    resolver: Resolver, query: str, expected: str | None
) -> None:
    m = resolver.resolve(query)
    assert (m.id if m else None) == expected, m


def _outcome(m: Match | None) -> Any:
    return m and (m.id, m.score, m.ambiguous, [a.id for a in m.alternatives], m.explanation.to_dict())


def test_the_reading_taken_is_the_one_explained_and_a_batch_takes_the_same(resolver: Resolver) -> None:
    company, person = resolver.resolve("General Motor"), resolver.resolve("General Asim Munir")
    assert company is not None and person is not None
    assert company.explanation.query_key == "general motor"
    assert "title" not in [s.rule for s in company.explanation.query_steps]
    assert person.explanation.query_key == "asim munir"
    assert "title" in [s.rule for s in person.explanation.query_steps]
    queries = [q[:i] + q[i + 1 :] for q in ("General Motors", "Prince George", "General Asim Munir") for i in range(len(q))]
    queries += ["General Motors", "Prince George", "General Asim Munir", "George", "GM"]
    assert len(set(queries)) >= 32  # (the batch path: candidates looked up and scored together)
    assert [_outcome(m) for m in resolver.resolve_many(queries)] == [_outcome(resolver.resolve(q)) for q in queries]


def test_the_normalizer_keeps_titles_on_request(resolver: Resolver) -> None:
    n = resolver.normalizer
    stripped, whole = n.key("General Motors"), n.key("General Motors", titles=False)
    assert (stripped.key, stripped.titled) == ("motors", True)
    assert (whole.key, whole.titled) == ("general motors", False)
    assert n.key("Motors").titled is False and n.key("The Nation", titles=False).key == "nation"  # ("the" goes either way)


def test_annotate_finds_the_company_and_the_general(resolver: Resolver) -> None:
    text = "Workers at General Motors met General Asim Munir in Prince George."
    found = {(m.text, m.id) for m in resolver.annotate(text)}
    assert {("General Motors", "gm"), ("Asim Munir", "asim-munir"), ("Prince George", "prince-george")} <= found
