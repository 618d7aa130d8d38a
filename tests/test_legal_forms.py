"""Company legal forms (Ltd, Inc., GmbH...) weigh as little as a particle in an organization's name:
a company named with or without its legal form is the same company; a place's or a person's name
is scored as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from resolver import Resolver
from resolver.errors import RuleError
from resolver.rules import load_rules

RECORDS = [
    {"id": "wheatley", "type": "organization", "name": "Wheatley Trading Ltd"},
    {"id": "acme-inc", "type": "organization", "name": "Acme Holdings Inc."},
    {"id": "acme-gmbh", "type": "organization", "name": "Acme Holdings GmbH"},
    {"id": "anbar-ab", "type": "organization", "name": "Anbar AB"},
    {"id": "ab-anbar", "type": "location", "name": "Ab Anbar"},
    {"id": "budapest-kft", "type": "organization", "name": "Budapest Trading Kft"},
]


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver.from_records(RECORDS)


def test_a_company_without_its_legal_form_is_the_same_company(resolver: Resolver) -> None:
    m = resolver.resolve("Wheatley Trading")
    assert m is not None and m.id == "wheatley" and m.score > 0.9 and not m.ambiguous
    m = resolver.resolve("Wheatley Trading Limited")
    assert m is not None and m.id == "wheatley" and m.score == 1.0


def test_the_same_legal_form_scores_higher_and_none_is_ambiguous(resolver: Resolver) -> None:
    gmbh = resolver.resolve("Acme Holdings GmbH")
    assert gmbh is not None and gmbh.id == "acme-gmbh" and gmbh.score == 1.0 and not gmbh.ambiguous
    bare = resolver.resolve("Acme Holdings")
    assert bare is not None and bare.ambiguous and {bare.id, *(a.id for a in bare.alternatives)} == {"acme-inc", "acme-gmbh"}


def test_a_place_whose_name_holds_a_legal_form_is_scored_as_before(resolver: Resolver) -> None:
    company = resolver.resolve("Anbar", threshold=0.0)
    assert company is not None and company.id == "anbar-ab" and company.score > 0.8
    place = [c for c in resolver.candidates("Anbar", k=5) if c.id == "ab-anbar"]
    assert place and place[0].score < 0.8  # ("ab" is a whole part of the place's name)


def test_legal_forms_are_a_rule_table_a_folder_extends_and_an_index_keeps(resolver: Resolver, tmp_path: Path) -> None:
    assert resolver.resolve("Budapest Trading") is None  # "Kft" is not among the built-in forms
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "org_variants_hu.toml").write_text('[legal_forms]\nforms = ["kft"]\n', encoding="utf-8")
    extended = Resolver.from_records(RECORDS, rules_dir=rules)
    m = extended.resolve("Budapest Trading")
    assert m is not None and m.id == "budapest-kft" and m.score > 0.9
    extended.save_index(tmp_path / "g.rindex")
    loaded = Resolver.from_path(tmp_path / "g.rindex")
    assert "kft" in loaded.normalizer.legal_forms
    again = loaded.resolve("Budapest Trading")
    assert again is not None and (again.id, again.score) == (m.id, m.score)
    (rules / "org_variants_hu.toml").write_text('[legal_forms]\nforms = "kft"\n', encoding="utf-8")
    with pytest.raises(RuleError, match="'forms' must be a list of strings"):
        load_rules([rules])
