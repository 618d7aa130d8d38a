"""The text-processing library: decoding, atomic writes, finding inputs, running tasks, rendering, evaluation."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resolver import Resolver
from resolver.annotate import Mention
from resolver.documents import Document, ReadOptions, ResolverSpec, Source, Summary, find_sources, run
from resolver.errors import BinaryFileError, DecodeError, InputError, ResolverError
from resolver.evaluate import Span, check_texts, evaluate, locate, read_gold
from resolver.render import check_template, csv_rows, inline, jsonl, substitute
from resolver.textio import BINARY_PROBE, atomic_write, check_encoding, decode, read_lines

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"  # the seed articles, beside the repository


# -- decoding ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"plain ascii\n",
        "Sergei Ivanov\r\nСлужба внешней разведки\rmixed\n".encode(),
        codecs.BOM_UTF8 + b"BOM and CRLF\r\n",
        codecs.BOM_UTF16_LE + "utf-16 \u00e9\r\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "utf-16 big\n".encode("utf-16-be"),
    ],
)
def test_decode_then_encode_gives_the_same_bytes(data: bytes) -> None:
    d = decode(data, label="x")
    assert not d.text.startswith("\ufeff")
    assert d.encode(d.text) == data


@given(st.binary(max_size=200))
@settings(max_examples=200, deadline=None)
def test_keep_mode_carries_any_bytes_through(data: bytes) -> None:
    """With errors='keep' (normalize --errors replace), undecodable UTF-8 bytes come back unchanged."""
    try:
        d = decode(data, label="x", errors="keep")
    except BinaryFileError:
        assert b"\0" in data
        return
    assert d.encode(d.text) == data


def test_a_bom_decides_the_encoding() -> None:
    d = decode(codecs.BOM_UTF16_LE + "Daesh".encode("utf-16-le"), label="x", encoding="latin-1")
    assert (d.text, d.encoding, d.bom) == ("Daesh", "utf-16-le", codecs.BOM_UTF16_LE)


def test_strict_decoding_names_the_file_and_the_byte_offset() -> None:
    with pytest.raises(DecodeError) as info:
        decode(b"caf\xc3\xa9 ok \xff rest", label="news/a.txt")
    assert str(info.value) == "news/a.txt: not valid utf-8 at byte 9"
    assert info.value.offset == 9
    with pytest.raises(DecodeError, match=r"at byte 7$"):  # the offset counts the BOM
        decode(codecs.BOM_UTF8 + b"abcd\xff", label="b")


def test_replace_puts_replacement_characters() -> None:
    assert decode(b"a\xffb", label="x", errors="replace").text == "a\ufffdb"


def test_a_nul_byte_near_the_start_is_binary_but_not_in_utf16_or_far_away() -> None:
    with pytest.raises(BinaryFileError, match="NUL byte at 3"):
        decode(b"abc\0def", label="x")
    assert decode(b"a" * BINARY_PROBE + b"\0", label="x").text.endswith("\0")
    assert decode(codecs.BOM_UTF16_LE + "ab".encode("utf-16-le"), label="x").text == "ab"
    assert decode(b"abc\0", label="x", binary_check=False).text == "abc\0"


def test_unknown_encoding_is_an_input_error() -> None:
    assert check_encoding("UTF8") == "utf-8"
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        check_encoding("klingon")
    with pytest.raises(InputError):
        ReadOptions(encoding="klingon")


def test_encoding_a_character_the_encoding_lacks_is_an_input_error() -> None:
    d = decode("caf\u00e9".encode("latin-1"), label="x", encoding="latin-1")
    assert d.encode("caf\u00e9") == b"caf\xe9"
    with pytest.raises(InputError, match="cannot be written in iso8859-1"):
        d.encode("Служба")


# -- atomic writes ----------------------------------------------------------------------------------------
def test_atomic_write_replaces_the_file_keeping_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    with atomic_write(target) as out:
        out.write(b"new")
        assert target.read_bytes() == b"old"  # not replaced before the block ends
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]  # no temporary file left


def test_atomic_write_leaves_the_file_alone_on_error(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_write(target) as out:
        out.write(b"half")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_atomic_write_refuses_an_existing_file_without_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_bytes(b"old")
    with pytest.raises(InputError, match="already exists"), atomic_write(target, overwrite=False):
        pass
    assert target.read_bytes() == b"old"


def test_atomic_write_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_bytes(b"old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with atomic_write(link) as out:
        out.write(b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


# -- finding inputs ---------------------------------------------------------------------------------------
def test_find_sources_walks_folders_with_globs_sorted(tmp_path: Path) -> None:
    for name in ["b.txt", "a.txt", "sub/c.txt", "sub/d.md", "x.csv", ".hidden.txt", ".git/e.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    folder = str(tmp_path)
    sources, missing = find_sources([folder])
    assert [s.rel for s in sources] == ["a.txt", "b.txt", "sub/c.txt"]
    assert all(s.in_folder and s.label == os.path.join(folder, s.rel) for s in sources)
    sources, _ = find_sources([folder], ["*.md", "sub/*.txt"])
    assert [s.rel for s in sources] == ["sub/c.txt", "sub/d.md"]
    sources, missing = find_sources([str(tmp_path / "x.csv"), "-", str(tmp_path / "nope.txt")])
    assert [(s.rel, s.in_folder) for s in sources] == [("x.csv", False), ("-", False)]
    assert [e.file for e in missing] == [str(tmp_path / "nope.txt")]


# -- running tasks ----------------------------------------------------------------------------------------
def _first_line(r: Resolver, doc: Document) -> str:
    return doc.text.split("\n")[0]


def _crash_on_marker(r: Resolver, doc: Document) -> str:
    if "CRASH" in doc.text:
        os._exit(3)  # a worker dying (segfault, out of memory) as far as the pool can tell
    return doc.text.strip()


def _sources(tmp_path: Path, texts: list[bytes]) -> list[Source]:
    for i, data in enumerate(texts):
        (tmp_path / f"{i:02d}.txt").write_bytes(data)
    return find_sources([str(tmp_path)])[0]


def test_run_reports_every_source_in_order_whatever_happens(tmp_path: Path, resolver: Resolver) -> None:
    sources = _sources(tmp_path, [b"one\n", b"bad \xff\n", b"bin\0", b"", b"five"])
    sources.append(Source(str(tmp_path / "missing.txt"), "missing.txt"))
    outcomes = list(run(sources, _first_line, resolver=resolver))
    assert [o.source for o in outcomes] == sources
    assert [o.status for o in outcomes] == ["done", "skipped", "skipped", "done", "done", "failed"]
    assert [o.value for o in outcomes] == ["one", None, None, "", "five", None]
    assert outcomes[1].message is not None and outcomes[1].message.endswith("01.txt: not valid utf-8 at byte 4")
    assert "cannot read" in (outcomes[5].message or "")
    summary = Summary()
    for o in outcomes:
        summary.add(o)
    assert str(summary) == "3 files done, 2 skipped, 1 failed" and summary.exit_code == 1


def test_a_file_named_explicitly_fails_where_one_found_in_a_folder_is_skipped(tmp_path: Path, resolver: Resolver) -> None:
    (tmp_path / "bad.txt").write_bytes(b"\xff")
    named = Source(str(tmp_path / "bad.txt"), "bad.txt")
    assert next(run([named], _first_line, resolver=resolver)).status == "failed"
    options = ReadOptions(errors="skip-file")
    assert next(run([named], _first_line, resolver=resolver, options=options)).status == "skipped"
    assert next(run([named], _first_line, resolver=resolver, options=ReadOptions(errors="replace"))).value == "\ufffd"


def test_a_task_error_fails_only_that_file(tmp_path: Path, resolver: Resolver) -> None:
    def picky(r: Resolver, doc: Document) -> str:
        if doc.text == "resolver":
            raise ResolverError("no thanks")
        if doc.text == "bug":
            raise KeyError("oops")
        return doc.text

    sources = _sources(tmp_path, [b"resolver", b"bug", b"fine"])
    outcomes = list(run(sources, picky, resolver=resolver))
    assert [o.status for o in outcomes] == ["failed", "failed", "done"]
    assert outcomes[0].message == f"{sources[0].label}: no thanks"
    assert outcomes[1].detail is not None and "KeyError" in outcomes[1].detail


def test_parallel_run_equals_serial_run(tmp_path: Path, resolver: Resolver) -> None:
    sources = _sources(tmp_path, [f"doc {i}\nline".encode() for i in range(9)] + [b"bad \xff"])
    serial = list(run(sources, _first_line, resolver=resolver))
    parallel = list(run(sources, _first_line, spec=ResolverSpec(), jobs=3))
    assert parallel == serial
    assert [o.value for o in serial[:9]] == [f"doc {i}" for i in range(9)]


def test_a_dead_worker_fails_its_file_and_the_others_go_on(tmp_path: Path) -> None:
    texts = [f"doc {i}".encode() for i in range(8)]
    texts[3] = b"CRASH here"
    sources = _sources(tmp_path, texts)
    outcomes = list(run(sources, _crash_on_marker, spec=ResolverSpec(), jobs=2))
    assert [o.source for o in outcomes] == sources
    assert [o.status for o in outcomes] == ["done"] * 3 + ["failed"] + ["done"] * 4
    assert "worker process died" in (outcomes[3].message or "")
    assert [o.value for o in outcomes if o.status == "done"] == [f"doc {i}" for i in range(8) if i != 3]


# -- rendering --------------------------------------------------------------------------------------------
TEXT = "Sergei Ivanov met TASS, said Zork Quux."


@pytest.fixture(scope="module")
def mentions() -> list[Mention]:
    return Resolver().annotate(TEXT, unresolved=True)


def test_inline_marks_every_mention(mentions: list[Mention]) -> None:
    assert [m.id for m in mentions] == ["sergei-ivanov-svr", "tass", None]
    assert inline(TEXT, mentions) == "[Sergei Ivanov](sergei-ivanov-svr) met [TASS](tass), said [Zork Quux](?)."
    styled = inline(TEXT, mentions[:1], style=lambda a, b, ok: f"<{a}|{b}|{ok}>")
    assert styled.startswith("<[Sergei Ivanov]|(sergei-ivanov-svr)|True> met TASS")


def test_substitute_replaces_resolved_mentions_only(mentions: list[Mention]) -> None:
    assert substitute(TEXT, mentions) == "Sergei Ivanov met TASS, said Zork Quux."
    assert substitute(TEXT, mentions, "{id}") == "sergei-ivanov-svr met tass, said Zork Quux."
    assert substitute(TEXT, mentions, "<{text}|{type}|{score}>") == "<Sergei Ivanov|person|1.0> met <TASS|organization|1.0>, said Zork Quux."


@given(st.text(alphabet="AaBIS. \n\r-Ivanov", max_size=60))
@settings(max_examples=100, deadline=None)
def test_substitute_with_the_text_itself_is_the_identity(text: str) -> None:
    r = _resolver()
    assert substitute(text, r.annotate(text, unresolved=True), "{text}") == text


def _resolver() -> Resolver:
    from conftest import default_resolver

    return default_resolver()


def test_template_check_names_the_fields() -> None:
    assert check_template("{name} [{id}]") == "{name} [{id}]"
    with pytest.raises(ResolverError, match=r"unknown field \{nme\}; fields are \{name\}, \{id\}"):
        check_template("{nme}")
    with pytest.raises(ResolverError, match="bad template"):
        check_template("{name")
    with pytest.raises(ResolverError, match="bad template"):
        check_template("{score:d}")


def test_jsonl_and_csv_columns(mentions: list[Mention]) -> None:
    first = jsonl("a.txt", mentions).splitlines()[0]
    assert first.startswith('{"doc": "a.txt", "start": 0, "end": 13, "text": "Sergei Ivanov", "id": "sergei-ivanov-svr"')
    rows = csv_rows("a, b.txt", mentions, header=True).splitlines()
    assert rows[0] == "doc,start,end,text,id,name,type,score,kind"
    assert rows[2] == '"a, b.txt",18,22,TASS,tass,TASS,organization,1.0,exact'
    assert rows[3] == '"a, b.txt",29,38,Zork Quux,,,,0.0,unresolved'


# -- evaluation -------------------------------------------------------------------------------------------
def test_evaluate_exact_counts_and_scores() -> None:
    gold = [
        Span("a", 0, 5, "x", variant="exact"),
        Span("a", 10, 15, "y", variant="acronym"),
        Span("b", 0, 5, "x", variant="misspelling"),
        Span("b", 20, 25, "z"),
    ]
    pred = [Span("a", 0, 5, "x"), Span("a", 10, 15, "x"), Span("b", 0, 5, "x"), Span("c", 0, 5, "x")]
    e = evaluate(gold, pred)
    assert (e.overall.tp, e.overall.fp, e.overall.fn) == (2, 1, 2)  # the prediction in c is not in a gold document
    assert e.overall.precision == pytest.approx(2 / 3) and e.overall.recall == 0.5
    assert e.overall.f1 == pytest.approx(4 / 7)
    assert {k: (c.tp, c.fp, c.fn) for k, c in e.by_entity.items()} == {"x": (2, 1, 0), "y": (0, 0, 1), "z": (0, 0, 1)}
    assert {k: (c.gold, c.tp) for k, c in e.by_variant.items()} == {"-": (1, 0), "acronym": (1, 0), "exact": (1, 1), "misspelling": (1, 1)}


def test_evaluate_overlap_uses_each_gold_once() -> None:
    gold = [Span("a", 0, 13, "x")]
    pred = [Span("a", 0, 6, "x"), Span("a", 7, 13, "x"), Span("a", 0, 13, "y")]
    assert (evaluate(gold, pred).overall.tp, evaluate(gold, pred).overall.fp) == (0, 3)
    e = evaluate(gold, pred, match="overlap")
    assert (e.overall.tp, e.overall.fp, e.overall.fn) == (1, 2, 0)


def test_evaluate_with_types_and_nothing() -> None:
    gold = [Span("a", 0, 5, "x", type="person"), Span("a", 6, 9, "l", type="location")]
    pred = [Span("a", 6, 9, "l", type="location"), Span("a", 10, 12, "o", type="organization")]
    e = evaluate(gold, pred, types={"person", "organization"})
    assert (e.overall.tp, e.overall.fp, e.overall.fn) == (0, 1, 1)
    empty = evaluate([], [])
    assert (empty.overall.precision, empty.overall.recall, empty.overall.f1) == (0.0, 0.0, 0.0)
    with pytest.raises(ResolverError):
        evaluate([], [], match="fuzzy")  # type: ignore[arg-type]


def test_read_gold_reports_the_line_of_a_bad_record() -> None:
    text = '{"doc": "a.txt", "start": 0, "end": 3, "id": "isi", "variant": "acronym"}\n\n{"doc": "b.txt"}\n'
    gold, docs = read_gold(text, label="g.jsonl")
    assert docs == ["a.txt", "b.txt"]
    assert gold == [Span("a.txt", 0, 3, "isi", variant="acronym", line=1)]
    for bad, message in [
        ("not json", "g.jsonl:2: not JSON"),
        ('{"doc": "a", "start": 5, "end": 3, "id": "x"}', "g.jsonl:2: 'start' and 'end'"),
        ('{"doc": "a", "start": 0, "end": 3, "id": null}', "g.jsonl:2: 'id' must be"),
        ('{"doc": "a.txt", "start": 0, "end": 3, "id": "isi"}', "g.jsonl:2: the same mention as line 1"),
    ]:
        with pytest.raises(InputError) as info:
            read_gold(text.splitlines()[0] + "\n" + bad + "\n", label="g.jsonl")
        assert str(info.value).startswith(message)


def test_a_line_ends_at_a_line_feed_not_at_a_unicode_line_break_in_a_name(tmp_path: Path) -> None:
    """A gold record or a name may hold U+2028 or U+0085 (JSON leaves them as they are): they do not
    end its line, as a file read in text mode would not end it there either."""
    rec = '{"doc": "a.txt", "start": 0, "end": 3, "id": "isi", "text": "I\u2028S\x85I"}'
    gold, _docs = read_gold(rec + "\r\n" + rec.replace('"start": 0, "end": 3', '"start": 4, "end": 7') + "\n", label="g.jsonl")
    assert [(g.start, g.line) for g in gold] == [(0, 1), (4, 2)]
    names = tmp_path / "names.txt"
    names.write_bytes("Sergei\u2028Ivanov\r\nFaiz\x85Hameed\rISI\n".encode())
    assert list(read_lines(str(names))) == ["Sergei\u2028Ivanov", "Faiz\x85Hameed", "ISI"]


def test_check_texts_and_locate(tmp_path: Path) -> None:
    check_texts([Span("a", 0, 3, "isi", text="ISI")], "ISI said", label="a")
    with pytest.raises(InputError, match="gold text 'IS' is not"):
        check_texts([Span("a", 0, 3, "isi", text="IS", line=4)], "ISI said", label="a")
    (tmp_path / "doc.txt").write_text("x")
    assert locate("doc.txt", gold_dir=str(tmp_path)) == str(tmp_path / "doc.txt")
    assert locate("other.txt", gold_dir=str(tmp_path)) == "other.txt"
    assert locate("doc.txt", gold_dir=str(tmp_path), docs_dir="corpus") == os.path.join("corpus", "doc.txt")


def test_every_mention_offset_holds_on_the_seeds(resolver: Resolver) -> None:
    """text[start:end] == text for every mention of every seed article, read exactly as the CLI reads it."""
    files = sorted(SEEDS.glob("*.txt"))
    if not files:
        pytest.skip(f"no seed articles in {SEEDS}")
    for path in files:
        text = decode(path.read_bytes(), label=str(path)).text
        for m in resolver.annotate(text, unresolved=True):
            assert text[m.start : m.end] == m.text
