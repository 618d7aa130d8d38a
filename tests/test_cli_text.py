"""The text commands of the CLI: annotate, normalize and eval, through click's CliRunner."""

from __future__ import annotations

import codecs
import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from resolver.cli import main

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"  # the seed articles, beside the repository
KEYS = ["doc", "start", "end", "text", "id", "name", "type", "score"]


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def rows(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def seed(pattern: str, folder: Path, name: str | None = None) -> Path:
    found = sorted(SEEDS.glob(pattern))
    if not found:
        pytest.skip(f"no seed article {pattern} in {SEEDS}")
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(found[0], folder / (name or found[0].name)))


@pytest.fixture
def article(tmp_path: Path) -> Path:
    return seed("001_*.txt", tmp_path)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder of 6 seed articles, two in a subfolder, and a file the default glob leaves out."""
    folder = tmp_path / "corpus"
    for i in range(5):
        seed(f"00{i}_*.txt", folder / ("sub" if i >= 3 else ""), f"{i}.txt")
    seed("001_*.txt", folder, "5.txt")
    (folder / "notes.md").write_text("Sergei Ivanov\n")
    return folder


# -- annotate ---------------------------------------------------------------------------------------------
def test_annotate_jsonl_on_a_seed_article(article: Path) -> None:
    res = run("annotate", str(article))
    assert res.exit_code == 0, res.output
    items = rows(res.stdout)
    ids = {i["id"] for i in items}
    assert {"sergei-ivanov-svr", "tass"} <= ids
    text = article.read_bytes().decode("utf-8")
    for item in items:
        assert list(item)[:8] == KEYS and list(item)[8] == "kind"
        assert item["doc"] == str(article)
        assert text[item["start"] : item["end"]] == item["text"]  # type: ignore[misc]
    assert res.stderr == ""  # one file, all done: no summary


def test_annotate_explain_adds_notes_and_explanation(article: Path) -> None:
    items = rows(run("annotate", "--explain", str(article)).stdout)
    ivanov = next(i for i in items if i["id"] == "sergei-ivanov-svr")
    assert "notes" in ivanov and ivanov["explanation"]["alias"] == "Sergei Ivanov"  # type: ignore[index]


def test_annotate_csv_has_the_header_and_quotes(tmp_path: Path) -> None:
    doc = tmp_path / "a, b.txt"
    doc.write_text("Sergei Ivanov met TASS.\n")
    res = run("annotate", "--format", "csv", str(doc))
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0] == "doc,start,end,text,id,name,type,score,kind"
    parsed = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [(r["doc"], r["text"], r["id"]) for r in parsed] == [(str(doc), "Sergei Ivanov", "sergei-ivanov-svr"), (str(doc), "TASS", "tass")]
    assert lines[1].startswith(f'"{doc}",0,13,')


def test_annotate_inline_without_ansi_when_not_a_terminal(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("Sergei Ivanov met TASS.")
    res = run("annotate", "--format", "inline", str(doc))
    assert res.stdout == "[Sergei Ivanov](sergei-ivanov-svr) met [TASS](tass).\n"
    assert "\x1b[" not in res.stdout


def test_annotate_inline_separates_several_documents(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("I.S.I.\n")
    (tmp_path / "b.txt").write_text("Daesh\n")
    res = run("annotate", "--format", "inline", str(tmp_path))
    assert res.stdout == f"==> {tmp_path / 'a.txt'} <==\n[I.S.I.](isi)\n\n==> {tmp_path / 'b.txt'} <==\n[Daesh](islamic-state)\n"
    assert res.stderr == "resolver: 2 files done, 0 skipped, 0 failed\n"


def test_annotate_stdin() -> None:
    res = run("annotate", "-", input="Sergei Ivano met I.S.I.")
    assert res.exit_code == 0
    assert [(i["doc"], i["text"], i["id"]) for i in rows(res.stdout)] == [
        ("-", "Sergei Ivano", "sergei-ivanov-svr"),
        ("-", "I.S.I.", "isi"),
    ]


def test_annotate_folder_with_globs(corpus: Path) -> None:
    res = run("annotate", str(corpus))
    docs = list(dict.fromkeys(i["doc"] for i in rows(res.stdout)))
    assert docs == [str(corpus / n) for n in ["0.txt", "1.txt", "2.txt", "5.txt", "sub/3.txt", "sub/4.txt"]]
    assert res.stderr.endswith("6 files done, 0 skipped, 0 failed\n")
    res = run("annotate", str(corpus), "--glob", "*.md", "--glob", "sub/3.*")
    assert list(dict.fromkeys(i["doc"] for i in rows(res.stdout))) == [str(corpus / "notes.md"), str(corpus / "sub/3.txt")]


def test_annotate_unresolved_gives_null_ids(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("Sergei Ivanov met Zork Quux yesterday.")
    plain = rows(run("annotate", str(doc)).stdout)
    assert all(i["id"] is not None for i in plain)
    items = rows(run("annotate", "--unresolved", str(doc)).stdout)
    unresolved = [i for i in items if i["id"] is None]
    assert [(i["text"], i["name"], i["kind"]) for i in unresolved] == [("Zork Quux", None, "unresolved")]


def test_annotate_output_file_refuses_to_overwrite_without_force(article: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    res = run("annotate", str(article), "-o", str(out))
    assert res.exit_code == 0 and res.stdout == ""
    first = out.read_text()
    assert "sergei-ivanov-svr" in first
    out.write_text("keep me")
    res = run("annotate", str(article), "-o", str(out))
    assert res.exit_code == 2
    assert "already exists" in res.stderr and "--force" in res.stderr
    assert out.read_text() == "keep me"
    assert run("annotate", str(article), "-o", str(out), "--force").exit_code == 0
    assert out.read_text() == first


def test_annotate_output_never_overwrites_an_input(article: Path) -> None:
    before = article.read_bytes()
    res = run("annotate", str(article), "-o", str(article), "--force")
    assert res.exit_code == 2 and "is one of the inputs" in res.stderr
    assert article.read_bytes() == before


def test_annotate_jobs_2_equals_jobs_1(corpus: Path) -> None:
    one = run("annotate", str(corpus), "--jobs", "1", "--unresolved")
    two = run("annotate", str(corpus), "--jobs", "2", "--unresolved")
    assert one.exit_code == two.exit_code == 0
    assert len(rows(one.stdout)) > 100
    assert two.stdout_bytes == one.stdout_bytes


def test_annotate_help_has_examples() -> None:
    for command in ["annotate", "normalize", "eval"]:
        res = run(command, "--help")
        assert res.exit_code == 0 and "Examples:" in res.stdout, command


# -- normalize --------------------------------------------------------------------------------------------
MIXED = codecs.BOM_UTF8 + b"Sergei Ivano met I.S.I. in Moscow.\r\nThen Ivanov left;\nTASS reported\rthe end  \r\n"


def test_normalize_keeps_every_byte_outside_the_mentions(tmp_path: Path) -> None:
    doc = tmp_path / "mixed.txt"
    doc.write_bytes(MIXED)
    mentions = rows(run("annotate", str(doc)).stdout)
    assert [m["text"] for m in mentions] == ["Sergei Ivano", "I.S.I.", "Moscow", "Ivanov", "TASS"]
    res = run("normalize", str(doc))
    assert res.exit_code == 0
    out = res.stdout_bytes
    text = MIXED[3:].decode()
    expected = codecs.BOM_UTF8
    pos = 0
    for m in mentions:  # the output, split at the replaced spans: the original bytes between them
        expected += text[pos : m["start"]].encode() + str(m["name"]).encode()  # type: ignore[misc]
        pos = m["end"]  # type: ignore[assignment]
    expected += text[pos:].encode()
    assert out == expected
    assert out.startswith(codecs.BOM_UTF8)
    assert out.count(b"\r\n") == MIXED.count(b"\r\n") == 2 and out.count(b"\r") == MIXED.count(b"\r") == 3
    assert b"Sergei Ivanov met Inter-Services Intelligence in Moscow.\r\n" in out


def test_normalize_ids_and_template(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("Sergei Ivano met I.S.I. and Zork Quux.\n")
    assert run("normalize", "--ids", str(doc)).stdout == "sergei-ivanov-svr met isi and Zork Quux.\n"
    res = run("normalize", "--template", "{name} [{id}]", str(doc))
    assert res.stdout == "Sergei Ivanov [sergei-ivanov-svr] met Inter-Services Intelligence [isi] and Zork Quux.\n"
    res = run("normalize", "--template", "{nope}", str(doc))
    assert res.exit_code == 2 and "unknown field {nope}" in res.stderr
    assert run("normalize", "--ids", "--template", "{id}", str(doc)).exit_code == 2


def test_normalize_utf16_keeps_its_encoding(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_bytes(codecs.BOM_UTF16_LE + "I.S.I.\r\n".encode("utf-16-le"))
    res = run("normalize", "--ids", str(doc))
    assert res.stdout_bytes == codecs.BOM_UTF16_LE + "isi\r\n".encode("utf-16-le")


def test_normalize_in_place_with_backup(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_bytes(b"Sergei Ivano met I.S.I.\r\n")
    untouched = tmp_path / "b.txt"
    untouched.write_bytes(b"nothing here\n")
    res = run("normalize", "--in-place", "--backup", ".orig", str(doc), str(untouched))
    assert res.exit_code == 0 and res.stdout == ""
    assert doc.read_bytes() == b"Sergei Ivanov met Inter-Services Intelligence\r\n"
    assert (tmp_path / "a.txt.orig").read_bytes() == b"Sergei Ivano met I.S.I.\r\n"
    assert untouched.read_bytes() == b"nothing here\n" and not (tmp_path / "b.txt.orig").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "a.txt.orig", "b.txt"]


def test_normalize_several_inputs_to_a_folder(corpus: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("Daesh")
    out = tmp_path / "out"
    res = run("normalize", str(corpus), str(extra), "-o", str(out))
    assert res.exit_code == 0, res.output
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert written == ["0.txt", "1.txt", "2.txt", "5.txt", "extra.txt", "sub/3.txt", "sub/4.txt"]
    assert (out / "extra.txt").read_text() == "Islamic State"
    assert (out / "sub/3.txt").read_bytes() == run("normalize", str(corpus / "sub/3.txt")).stdout_bytes
    again = run("normalize", str(corpus), str(extra), "-o", str(out))
    assert again.exit_code == 1 and again.stderr.count("already exists") == 7
    assert run("normalize", str(corpus), str(extra), "-o", str(out), "--force").exit_code == 0
    res = run("normalize", str(corpus), str(extra))
    assert res.exit_code == 2 and "give -o FOLDER or --in-place" in res.stderr


def test_normalize_never_writes_over_an_input(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("I.S.I.")
    res = run("normalize", str(doc), "-o", str(doc), "--force")
    assert res.exit_code == 2 and "--in-place" in res.stderr
    assert doc.read_text() == "I.S.I."
    out = tmp_path / "b.txt"
    out.write_text("old")
    res = run("normalize", str(doc), "-o", str(out))
    assert res.exit_code == 2 and out.read_text() == "old"
    assert run("normalize", str(doc), "-o", str(out), "--force").exit_code == 0
    assert out.read_text() == "Inter-Services Intelligence"


def test_normalize_with_a_gazetteer_that_matches_nothing_is_the_identity(tmp_path: Path, article: Path) -> None:
    gaz = tmp_path / "gaz.jsonl"
    gaz.write_text(json.dumps({"id": "zz-org", "type": "organization", "name": "Zzyzx Qwv Holdings", "aliases": []}) + "\n")
    for data in [article.read_bytes(), MIXED, b"", b"\r\n\n\r", codecs.BOM_UTF16_BE + "Sergei Ivanov".encode("utf-16-be")]:
        doc = tmp_path / "doc.txt"
        doc.write_bytes(data)
        res = run("normalize", "-g", str(gaz), str(doc))
        assert res.exit_code == 0
        assert res.stdout_bytes == data


def test_normalize_an_empty_file_gives_an_empty_file(tmp_path: Path) -> None:
    doc = tmp_path / "empty.txt"
    doc.write_bytes(b"")
    out = tmp_path / "out.txt"
    assert run("normalize", str(doc), "-o", str(out)).exit_code == 0
    assert out.read_bytes() == b""


# -- bad input --------------------------------------------------------------------------------------------
def test_invalid_utf8_fails_that_file_only(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("TASS")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Sergei Ivanov \xc3\x28 TASS")
    res = run("annotate", str(bad), str(good))
    assert res.exit_code == 1
    assert f"resolver: error: {bad}: not valid utf-8 at byte 14\n" in res.stderr
    assert "Traceback" not in res.output
    assert [i["doc"] for i in rows(res.stdout)] == [str(good)]
    assert res.stderr.endswith("1 file done, 0 skipped, 1 failed\n")


def test_errors_replace_and_skip_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff TASS")
    res = run("annotate", "--errors", "replace", str(bad))
    assert res.exit_code == 0
    assert [(i["start"], i["text"]) for i in rows(res.stdout)] == [(2, "TASS")]
    res = run("normalize", "--errors", "replace", "--ids", str(bad))
    assert res.stdout_bytes == b"\xff tass"  # the undecodable byte is written back as it was
    res = run("annotate", "--errors", "skip-file", str(bad))
    assert res.exit_code == 1 and res.stdout == ""
    assert f"resolver: warning: {bad}: not valid utf-8 at byte 0; skipped" in res.stderr
    assert "0 files done, 1 skipped, 0 failed" in res.stderr


def test_binary_file_in_a_folder_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Daesh")
    (tmp_path / "b.txt").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    res = run("annotate", str(tmp_path))
    assert res.exit_code == 1
    assert f"resolver: warning: {tmp_path / 'b.txt'}: binary file (NUL byte at 8); skipped" in res.stderr
    assert [i["id"] for i in rows(res.stdout)] == ["islamic-state"]
    assert res.stderr.endswith("1 file done, 1 skipped, 0 failed\n")


def test_an_empty_file_works(tmp_path: Path) -> None:
    doc = tmp_path / "empty.txt"
    doc.write_bytes(b"")
    res = run("annotate", str(doc))
    assert (res.exit_code, res.stdout, res.stderr) == (0, "", "")


def test_a_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    res = run("annotate", str(missing))
    assert res.exit_code == 2
    assert res.stderr == f"resolver: error: {missing}: no such file or folder\n"
    good = tmp_path / "good.txt"
    good.write_text("TASS")
    res = run("annotate", str(missing), str(good))
    assert res.exit_code == 1
    assert [i["id"] for i in rows(res.stdout)] == ["tass"]
    assert res.stderr.endswith("1 file done, 0 skipped, 1 failed\n")
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    res = run("annotate", str(empty))
    assert res.exit_code == 2 and "no file matching *.txt" in res.stderr


def test_fail_fast_stops_at_the_first_failure(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\xff")
    (tmp_path / "b.txt").write_text("TASS")
    args = [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    assert rows(run("annotate", *args).stdout) != []
    res = run("annotate", "--fail-fast", *args)
    assert res.exit_code == 1 and res.stdout == ""
    assert "0 files done, 0 skipped, 1 failed" in res.stderr


def test_a_bad_gazetteer_or_encoding_is_exit_2(tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("TASS")
    res = run("annotate", "-g", str(tmp_path / "missing-gazetteer"), str(doc))
    assert res.exit_code == 2 and res.stderr.startswith("resolver: error:") and "Traceback" not in res.output
    res = run("annotate", "--encoding", "klingon", str(doc))
    assert res.exit_code == 2 and "unknown encoding 'klingon'" in res.stderr
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\u00e9 TASS".encode("latin-1"))
    assert run("annotate", str(latin)).exit_code == 1
    res = run("normalize", "--encoding", "latin-1", "--ids", str(latin))
    assert res.exit_code == 0 and res.stdout_bytes == b"Caf\xe9 tass"


# -- eval -------------------------------------------------------------------------------------------------
def _gold(tmp_path: Path) -> Path:
    """Two documents; annotate gets 2 of the 4 gold mentions and predicts one wrong ID.

    a.txt "Sergei Ivanov met TASS in Moscow." predicts sergei-ivanov-svr 0:13, tass 18:22 and moscow 26:32.
    The gold says 18:22 is ria-novosti (so tass is a false positive and ria-novosti a false negative), and
    b.txt holds a person annotate does not know.
    """
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Sergei Ivanov met TASS in Moscow.")
    (tmp_path / "docs" / "b.txt").write_text("The spokesman Zork Quux spoke.")
    gold = [
        {"doc": "docs/a.txt", "start": 0, "end": 13, "text": "Sergei Ivanov", "id": "sergei-ivanov-svr", "variant": "exact"},
        {"doc": "docs/a.txt", "start": 18, "end": 22, "text": "TASS", "id": "ria-novosti", "variant": "acronym"},
        {"doc": "docs/a.txt", "start": 26, "end": 32, "text": "Moscow", "id": "moscow", "type": "location", "variant": "exact"},
        {"doc": "docs/b.txt", "start": 14, "end": 23, "text": "Zork Quux", "id": "faiz-hameed", "variant": "misspelling"},
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(g) + "\n" for g in gold))
    return path


def test_eval_gives_the_scores_computed_by_hand(tmp_path: Path) -> None:
    gold = _gold(tmp_path)
    res = run("eval", str(gold), "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    # tp 2 (sergei, moscow), fp 1 (tass), fn 2 (ria-novosti, faiz-hameed): P 2/3, R 2/4, F1 4/7
    assert data["overall"] == {"tp": 2, "fp": 1, "fn": 2, "precision": 0.6667, "recall": 0.5, "f1": 0.5714}
    assert data["by_entity"]["tass"] == {"tp": 0, "fp": 1, "fn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert data["by_entity"]["sergei-ivanov-svr"]["tp"] == 1 and data["by_entity"]["ria-novosti"]["fn"] == 1
    assert data["by_variant"] == {
        "acronym": {"gold": 1, "found": 0, "recall": 0.0},
        "exact": {"gold": 2, "found": 2, "recall": 1.0},
        "misspelling": {"gold": 1, "found": 0, "recall": 0.0},
    }
    assert [s["id"] for s in data["false_negatives"]] == ["ria-novosti", "faiz-hameed"]


def test_eval_types_leave_out_locations(tmp_path: Path) -> None:
    gold = _gold(tmp_path)
    res = run("eval", str(gold), "--json", "--types", "person,organization")
    data = json.loads(res.stdout)
    # moscow is gone from both sides: tp 1, fp 1, fn 2: P 1/2, R 1/3, F1 2/5
    assert data["overall"] == {"tp": 1, "fp": 1, "fn": 2, "precision": 0.5, "recall": 0.3333, "f1": 0.4}
    assert "moscow" not in data["by_entity"]
    res = run("eval", str(gold), "--types", "persons")
    assert res.exit_code == 2 and "unknown type persons" in res.stderr


def test_eval_table_has_overall_entity_and_variant_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _gold(tmp_path)
    monkeypatch.chdir(tmp_path)
    res = run("eval", "gold.jsonl")
    lines = res.stdout.splitlines()
    assert lines[0] == "gold.jsonl: 2 documents, match exact, types all"
    assert lines[1].split() == ["tp", "fp", "fn", "precision", "recall", "f1"]
    assert lines[2].split() == ["overall", "2", "1", "2", "0.667", "0.500", "0.571"]
    assert any(line.split() == ["moscow", "1", "0", "0", "1.000", "1.000", "1.000"] for line in lines)
    assert any(line.split() == ["acronym", "1", "0", "0.000"] for line in lines)
    assert any(line.split() == ["exact", "2", "2", "1.000"] for line in lines)
    # --docs: the doc paths are then relative to that folder
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (tmp_path / "docs").rename(moved / "docs")
    assert run("eval", "gold.jsonl").exit_code == 1
    assert run("eval", "gold.jsonl", "--docs", "elsewhere").stdout == res.stdout


def test_eval_reports_a_gold_text_that_is_not_the_documents(tmp_path: Path) -> None:
    gold = _gold(tmp_path)
    gold.write_text(gold.read_text().replace('"text": "TASS"', '"text": "TAS"'))
    res = run("eval", str(gold))
    assert res.exit_code == 1
    assert f"{gold}:2: gold text 'TAS' is not the document's text at 18:22 ('TASS')" in res.stderr
