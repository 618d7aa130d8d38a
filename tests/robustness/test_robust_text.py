"""Bad text input for annotate, normalize and resolve: files, folders and stdin (issue 5, item 1)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from resolver import Resolver
from resolver.textio import decode

from .helpers import cli, no_traceback, run

TEXT = "Sergei Ivanov met I.S.I. officials in Kabul; Daesh said nothing.\n"


def mentions(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# -- encodings ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["annotate", "normalize"])
def test_not_utf8_file_names_file_and_byte_offset(tmp_path: Path, command: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Daesh in K\xe4bul")
    r = cli(command, str(bad))
    assert r.exit_code == 1
    assert f"{bad}: not valid utf-8 at byte 10" in r.stderr
    assert "0 files done, 0 skipped, 1 failed" in r.stderr


def test_not_utf8_stdin(tmp_path: Path) -> None:
    r = cli("annotate", "-", input=b"Daesh \xff")
    assert r.exit_code == 1 and "-: not valid utf-8 at byte 6" in r.stderr


@pytest.mark.parametrize("command", ["annotate", "normalize"])
def test_encoding_and_errors_choices(tmp_path: Path, command: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Daesh in K\xe4bul")
    latin = cli(command, "--encoding", "latin-1", str(bad))
    assert latin.exit_code == 0
    replaced = cli(command, "--errors", "replace", str(bad))
    assert replaced.exit_code == 0
    skipped = cli(command, "--errors", "skip-file", str(bad))
    assert skipped.exit_code == 1 and "skipped" in skipped.stderr and skipped.stdout == ""
    if command == "normalize":  # the undecodable byte is written back as it was
        assert replaced.stdout_bytes == b"Islamic State in K\xe4bul"
        assert latin.stdout_bytes == b"Islamic State in Kabul"  # "Käbul" read as latin-1 is a mention


def test_resolve_from_file_accepts_encoding_and_errors(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_bytes("Daesh\nK\xe4bul\n".encode("latin-1"))
    strict = cli("resolve", "--from", str(names))
    assert strict.exit_code == 2 and f"{names}: not valid utf-8 at byte 7" in strict.stderr
    latin = cli("resolve", "--json", "--from", str(names), "--encoding", "latin-1")
    assert latin.exit_code == 0 and [m["query"] for m in mentions(latin.stdout)] == ["Daesh", "Käbul"]
    replaced = cli("resolve", "--json", "--from", str(names), "--errors", "replace")
    assert replaced.exit_code == 0 and mentions(replaced.stdout)[1]["query"] == "K\ufffdbul"
    skipped = cli("resolve", "--json", "--from", str(names), "--errors", "skip-file", "Daesh")
    assert skipped.exit_code == 1 and "skipped" in skipped.stderr and len(mentions(skipped.stdout)) == 1
    stdin = cli("resolve", "--json", "-", "--encoding", "latin-1", input="Käbul\n".encode("latin-1"))
    assert stdin.exit_code == 0 and mentions(stdin.stdout)[0]["id"] == "kabul"
    bad = cli("resolve", "--encoding", "no-such-codec", "x")
    assert bad.exit_code == 2 and "unknown encoding" in bad.stderr


@pytest.mark.parametrize("bom, codec", [(b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_bom_honoured_and_preserved(tmp_path: Path, bom: bytes, codec: str) -> None:
    f = tmp_path / "bom.txt"
    f.write_bytes(bom + TEXT.encode(codec))
    found = mentions(cli("annotate", str(f)).stdout)
    assert [(m["start"], m["text"]) for m in found][:2] == [(0, "Sergei Ivanov"), (18, "I.S.I.")]
    out = cli("normalize", str(f)).stdout_bytes
    assert out.startswith(bom) and out[len(bom):].decode(codec).startswith("Sergei Ivanov met Inter-Services Intelligence")


# -- odd files -----------------------------------------------------------------------------------------
def test_folder_with_binary_files_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    (tmp_path / "latin.txt").write_bytes(b"K\xe4bul")
    (tmp_path / "z.txt").write_text(TEXT)
    r = cli("annotate", str(tmp_path))
    assert r.exit_code == 1
    assert {m["doc"] for m in mentions(r.stdout)} == {str(tmp_path / "a.txt"), str(tmp_path / "z.txt")}
    assert "image.txt: binary file (NUL byte at 8); skipped" in r.stderr
    assert "latin.txt: not valid utf-8 at byte 1; skipped" in r.stderr
    assert "2 files done, 2 skipped, 0 failed" in r.stderr


def test_sparse_2gb_text_file_is_refused_fast(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(2 * 1024**3)
    t0 = time.perf_counter()
    r = cli("annotate", str(tmp_path))
    assert time.perf_counter() - t0 < 5
    assert r.exit_code == 1 and "big.txt: binary file (NUL byte at 0); skipped" in r.stderr


def test_empty_nul_crlf_mixed(tmp_path: Path) -> None:
    cases = {
        "empty.txt": b"",
        "crlf.txt": b"Daesh\r\nand I.S.I.\r\n",
        "mixed.txt": b"Daesh\rI.S.I.\nKabul\r\nend\n\r",
        "only-newlines.txt": b"\n\r\n\r",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    out = tmp_path / "out"
    r = cli("normalize", str(tmp_path), "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert (out / "empty.txt").read_bytes() == b""
    assert (out / "crlf.txt").read_bytes() == b"Islamic State\r\nand Inter-Services Intelligence\r\n"
    assert (out / "mixed.txt").read_bytes() == b"Islamic State\rInter-Services Intelligence\nKabul\r\nend\n\r"
    assert (out / "only-newlines.txt").read_bytes() == b"\n\r\n\r"
    for name, data in cases.items():
        text = decode(data, label=name).text
        for m in mentions(cli("annotate", str(tmp_path / name)).stdout):
            assert text[m["start"] : m["end"]] == m["text"]  # type: ignore[misc]


def test_nul_byte_named_explicitly_fails_and_late_nul_is_text(tmp_path: Path) -> None:
    early = tmp_path / "early.txt"
    early.write_bytes(b"Daesh\0")
    r = cli("annotate", str(early))
    assert r.exit_code == 1 and "binary file (NUL byte at 5)" in r.stderr
    late = tmp_path / "late.txt"
    late.write_bytes(b"x" * 9000 + b"\0 Daesh")  # past the 8 KiB probe: text with a NUL in it
    r = cli("annotate", str(late))
    assert r.exit_code == 0 and mentions(r.stdout)[0]["start"] == 9002
    assert cli("normalize", str(late)).stdout_bytes == b"x" * 9000 + b"\0 Islamic State"


@pytest.mark.slow
def test_single_20mb_line_normalize_keeps_every_other_byte(tmp_path: Path) -> None:
    """One 20 MB line (the 200 MB run is done by hand: docs/security.md)."""
    unit = b"the cat sat on the mat and nothing happened here " * 40 + b"Daesh "
    big = tmp_path / "line.txt"
    with big.open("wb") as fh:
        for _ in range(20 * 1024 * 1024 // len(unit)):
            fh.write(unit)
    size = big.stat().st_size
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    r = run("normalize", str(big), "-o", str(tmp_path / "out.txt"))
    elapsed = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr
    peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    assert elapsed < 60 and peak_mb < 20 * 40, (elapsed, peak_mb)
    # byte for byte: the output is the input with each b"Daesh" replaced, nothing else
    with big.open("rb") as src, (tmp_path / "out.txt").open("rb") as out:
        assert out.read() == src.read().replace(b"Daesh", b"Islamic State")
    assert big.stat().st_size == size


@pytest.mark.slow
def test_folder_of_10000_small_files_streams(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(10_000):
        (folder / f"{i:05}.txt").write_bytes(b"Daesh met I.S.I.\n" if i % 10 == 0 else b"nothing here\n")
    def peak_kb(glob: str) -> tuple[int, subprocess.CompletedProcess[bytes]]:
        """Run annotate in a process that reports its own peak memory at exit."""
        code = (
            "import resource, runpy, sys\n"
            f"sys.argv = ['resolver', 'annotate', '--format', 'csv', '--glob', {glob!r}, {str(folder)!r}]\n"
            "try:\n    runpy.run_module('resolver.cli', run_name='__main__')\n"
            "finally:\n    print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        )
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300)
        return int(p.stderr.rsplit(b"peak ", 1)[1]), p

    small, _ = peak_kb("000*.txt")  # 10 files
    big, r = peak_kb("*.txt")
    assert r.returncode == 0, r.stderr[-500:]
    assert b"10000 files done, 0 skipped, 0 failed" in r.stderr
    assert r.stdout.count(b"\n") == 1 + 2 * 1000
    assert big < small + 30 * 1024, (small, big)  # flat: one document at a time (measured: 41 MB and 43 MB)


def test_normalize_identical_outside_mentions(tmp_path: Path) -> None:
    data = "«Sergei Ivanov»\u00a0met\tI.S.I.\r\n  and   ﬁve Daesh.\u2028end".encode()
    f = tmp_path / "a.txt"
    f.write_bytes(data)
    out = cli("normalize", "--template", "<{text}>", str(f)).stdout_bytes
    assert out.replace(b"<", b"").replace(b">", b"") == data


# -- pathological Unicode ----------------------------------------------------------------------------
PATHOLOGICAL = [
    "Sergei\u0301 Ivanov met I.S.I. in Kabul",
    "e\u0301\u0301\u0301 Daesh " * 5,
    "👩‍👩‍👧 Daesh 👨🏽‍💻 Kabul",
    "\u202eDaesh\u202c met \u2067I.S.I.\u2069 \u200f",
    "İSTANBUL İsi Daesh İ.S.I. straße STRASSE Daesh",
    "ﬁnd Daesh ﬀ ﬃ Kabul",
    "ＤＡＥＳＨ ｉｎ Ｋａｂｕｌ Daesh",
    "Daesh \udcff\udcfe Kabul \ud800",
    "\u0000Daesh\u0000",
    "ß" * 100 + " Daesh " + "İ" * 100,
]


@pytest.mark.parametrize("text", PATHOLOGICAL)
def test_pathological_unicode_offsets(resolver: Resolver, text: str) -> None:
    for unresolved in (False, True):
        for m in resolver.annotate(text, unresolved=unresolved):
            assert text[m.start : m.end] == m.text
    resolver.resolve(text)


def test_lone_surrogates_through_the_cli(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(b"Daesh \xed\xa0\x80 and \xff Kabul")  # an encoded surrogate and a stray byte
    r = cli("normalize", "--errors", "replace", str(f))
    assert r.stdout_bytes == b"Islamic State \xed\xa0\x80 and \xff Kabul"
    r = cli("annotate", "--errors", "replace", str(f))
    assert [m["text"] for m in mentions(r.stdout)] == ["Daesh", "Kabul"]
    bad_name = tmp_path / "n\udcffame.txt"
    bad_name.write_bytes(b"Daesh")
    r = run("annotate", str(tmp_path), "--errors", "replace")
    assert r.returncode == 0 and no_traceback(r.stderr)
    assert b'"doc": "' + str(tmp_path).encode() + b'/n\xffame.txt"' in r.stdout


# -- absurd names ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    ["", " ", " \t\n ", "!!!", "." * 10_000, " " * 10_000, "a" * 10_000, "Sergei " * 1500, "ﬁ" * 3000, "İß" * 5000, "\u0301" * 10_000],
)
def test_absurd_names_have_a_defined_answer_fast(resolver: Resolver, name: str) -> None:
    t0 = time.perf_counter()
    m = resolver.resolve(name)
    resolver.candidates(name, k=3)
    assert time.perf_counter() - t0 < 5
    if not name.strip() or not any(c.isalnum() for c in name):
        assert m is None


def test_absurd_names_through_the_cli() -> None:
    r = cli("resolve", "--json", "", "   ", "!!!", "x" * 10_000)
    assert r.exit_code == 0
    assert [m["id"] for m in mentions(r.stdout)] == [None, None, None, None]
