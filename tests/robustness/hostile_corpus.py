"""The hostile corpus: every bad input through every command, as a new user would, with counts.

    python tests/robustness/hostile_corpus.py            # real processes (python -m resolver.cli), the figures of docs/security.md
    python tests/robustness/hostile_corpus.py --quick    # in-process (click's CliRunner), what the test suite runs

It builds the bad inputs in a temporary folder (nothing large is stored), runs ``annotate``,
``normalize`` (to stdout, to a folder with ``--template {text}``, which must give the input back
byte for byte, and ``--in-place``), ``resolve --from``, ``resolve NAME``, ``resolve -g``,
``gazetteer validate`` and ``--rules`` over them, and counts:

* bad inputs tried and commands run;
* crashes: a traceback, an "internal error", an exit code other than 0, 1 or 2, or a timeout;
* inputs changed without ``--in-place``: every input file is hashed before and after each other command;
* half-written outputs: a leftover temporary file, or an output of ``normalize --template {text}``
  that is not its input byte for byte.
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = "Sergei Ivano told TASS that the SVR met I.S.I. officials in Kabul; Daesh said nothing.\n"


def text_inputs(big: bool) -> dict[str, bytes | Callable[[Path], None]]:
    """Bad text files by name: bytes, or a function that makes the file (sparse files, links, FIFOs)."""

    def sparse(path: Path) -> None:
        with path.open("wb") as fh:
            fh.truncate(2 * 1024**3)

    def fifo(path: Path) -> None:
        os.mkfifo(path)

    def dangling(path: Path) -> None:
        path.symlink_to(path.parent / "nowhere")

    line = (b"the cat sat on the mat " * 40 + b"Daesh ") * (5_000 if big else 100)
    return {
        "latin1.txt": ARTICLE.replace("Kabul", "Käbul").encode("latin-1"),
        "cp1252-quotes.txt": "\u201cDaesh\u201d \u2013 I.S.I.".encode("cp1252"),
        "utf16-bom.txt": codecs.BOM_UTF16_LE + ARTICLE.encode("utf-16-le"),
        "utf16-no-bom.txt": ARTICLE.encode("utf-16-le"),
        "utf8-bom.txt": codecs.BOM_UTF8 + ARTICLE.encode(),
        "png.txt": b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 4,
        "nul-early.txt": b"Daesh\0I.S.I.",
        "nul-late.txt": b"x" * 9000 + b"\0 Daesh",
        "empty.txt": b"",
        "crlf.txt": ARTICLE.replace("\n", "\r\n").encode(),
        "mixed-eol.txt": b"Daesh\rI.S.I.\nKabul\r\nend\n\r",
        "surrogate-bytes.txt": b"Daesh \xed\xa0\x80 I.S.I.",
        "overlong.txt": b"Daesh \xc0\xaf I.S.I.",
        "truncated-utf8.txt": b"Daesh met I.S.I. \xe2\x82",
        "combining.txt": ("Daesh" + "\u0301" * 5000 + " I.S.I.").encode(),
        "bidi.txt": "\u202eDaesh\u202c \u2067I.S.I.\u2069 \u200f Kabul".encode(),
        "zwj.txt": "👩‍👩‍👧 Daesh 👨🏽‍💻 I.S.I.".encode(),
        "casing.txt": "İSTANBUL İ.S.I. straße ﬁve ＤＡＥＳＨ".encode(),
        "one-long-line.txt": line,
        "punctuation.txt": b"!?.,;:" * 2000,
        "whitespace.txt": b" \t\r\n\f\v" * 2000,
        "long-word.txt": b"A" * 200_000,
        "sparse-2gb.txt": sparse,
        "fifo.txt": fifo,
        "dangling-link.txt": dangling,
    }


NAMES = ["", " ", "!!!", "\t\n", "x" * 10_000, "." * 10_000, "ﬁ" * 3000, "İß" * 2000, "\u0301" * 5000, "\u202e", "a\0b", "\udcff"]


def gazetteer_inputs() -> dict[str, bytes | Callable[[Path], None]]:
    def sparse(path: Path) -> None:
        with path.open("wb") as fh:
            fh.truncate(2 * 1024**3)

    def folder(path: Path) -> None:
        (path / "entities").mkdir(parents=True)
        (path / "entities" / "a.toml").write_text('id = "a"\ntype = "persn"\nname = ""\ncolour = 1\n')
        (path / "entities" / "b.toml").write_text('id = "a"\ntype = "person"\nname = "B"\n')
        (path / "entities" / "c.toml").write_bytes(b"id = \xff\n")
        (path / "redirects.toml").write_text('[redirects]\nx = "y"\ny = "x"\nz = "nowhere"\n')

    entity = '{"id": "a", "type": "person", "name": "A"}\n'
    return {
        "nested.jsonl": b"[" * 100_000 + b"\n",
        "nested.json": b"[" * 100_000,
        "huge-array.json": json.dumps([{}] * 1_000_000).encode(),
        "deep.toml": b"x = " + b"[" * 100_000 + b"\n",
        "dotted.toml": b"a." * 100_000 + b"b = 1\n",
        "bigint.jsonl": b'{"id": "a", "type": "person", "name": "A", "prior": ' + b"9" * 10_000 + b"}\n",
        "long-line.jsonl": b'{"id": "' + b"a" * 2_000_000 + b'"}\n',
        "duplicates.jsonl": (entity * 3).encode(),
        "garbage.jsonl": bytes(range(1, 256)) * 100,
        "not-utf8.json": b'[{"id": "a", "name": "\xff"}]',
        "sparse.jsonl": sparse,
        "sparse.rindex": sparse,
        "truncated.rindex": b'{"format": "resolver-index", "format_version": 2, "payload_bytes": 100, "payload_sha256": "00"}\n{"x"',
        "other-version.rindex": b'{"format": "resolver-index", "format_version": 0}\n{}',
        "bad-folder": folder,
    }


def rule_inputs() -> dict[str, dict[str, bytes]]:
    return {
        "loop": {"patterns_x.toml": b'[[pattern]]\nname = "a"\nfrom = "kh"\nto = "h"\n[[pattern]]\nname = "b"\nfrom = "h"\nto = "x"\n'},
        "types": {"patterns_x.toml": b"pattern = 5\n", "script_x.toml": b"map = [1]\n", "titles_x.toml": b"group = 1\n"},
        "dotted": {"patterns_x.toml": b"a." * 100_000 + b"b = 1\n"},
        "not-utf8": {"common_words_x.txt": b"caf\xe9\n"},
        "long-from": {"patterns_x.toml": b'[[pattern]]\nname = "a"\nfrom = "' + b"a" * 5000 + b'"\nto = "a"\n'},
    }


@dataclass
class Tally:
    inputs: int = 0
    runs: int = 0
    crashes: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    half_written: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def figures(self) -> dict[str, object]:
        return {"bad_inputs": self.inputs, "commands_run": self.runs, "crashes": len(self.crashes),
                "inputs_changed_without_in_place": len(self.changed), "half_written_outputs": len(self.half_written),
                "seconds": round(self.seconds, 1)}  # fmt: skip


class Runner:
    """Runs ``resolver ARGS`` in a real process, or in-process with click's CliRunner (``quick``)."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick

    def __call__(self, args: list[str], stdin: bytes = b"") -> tuple[int, str]:
        if self.quick:
            from click.testing import CliRunner

            from resolver.cli import main

            result = CliRunner().invoke(main, args, input=stdin)
            err = result.stderr
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                import traceback

                err += "Traceback (in-process)\n" + "".join(traceback.format_exception(result.exception))
            return result.exit_code, err
        env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        try:
            p = subprocess.run([sys.executable, "-m", "resolver.cli", *args], capture_output=True, env=env, timeout=120, input=stdin)
        except subprocess.TimeoutExpired:
            return -1, "timeout"
        return p.returncode, p.stderr.decode("utf-8", "replace")


def digest(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and path.stat().st_size < 100_000_000:
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def make(folder: Path, name: str, spec: bytes | Callable[[Path], None]) -> Path:
    path = folder / name
    if callable(spec):
        spec(path)
    else:
        path.write_bytes(spec)
    return path


def check(tally: Tally, label: str, code: int, err: str) -> None:
    tally.runs += 1
    if code not in (0, 1, 2) or "Traceback" in err or "internal error" in err or code == -1:
        tally.crashes.append(f"{label}: exit {code}: {err.strip()[-300:]}")


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*.tmp")]


def hostile_corpus(quick: bool = False, big: bool = False) -> Tally:
    run = Runner(quick)
    tally = Tally()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        base = Path(tmp)
        src = base / "text"
        src.mkdir()
        inputs = text_inputs(big)
        for name, spec in inputs.items():
            make(src, name, spec)
        tally.inputs += len(inputs)
        regular = [n for n in inputs if (src / n).is_file() and not n.startswith(("sparse", "fifo"))]
        before = digest(src)
        # each input alone, through each command that reads text
        for name in [*regular, "sparse-2gb.txt"]:
            path = str(src / name)
            for args in (["annotate", path], ["annotate", "--format", "inline", "--errors", "replace", path],
                         ["normalize", path], ["normalize", "--errors", "replace", path], ["resolve", "--from", path],
                         ["resolve", "--from", path, "--errors", "replace"]):  # fmt: skip
                check(tally, " ".join(args[:-1]) + " " + name, *run(args))
            out = base / "out" / name
            out.parent.mkdir(exist_ok=True)
            code, err = run(["normalize", "--template", "{text}", "--errors", "replace", path, "-o", str(out)])
            check(tally, f"normalize -o {name}", code, err)
            if code == 0 and out.read_bytes() != (src / name).read_bytes():
                tally.half_written.append(f"normalize --template {{text}} {name}: output differs from the input")
        # the whole folder at once, serial and with workers
        for args in (["annotate", str(src)], ["annotate", "--jobs", "2", "--format", "csv", str(src)],
                     ["normalize", "--errors", "replace", "--template", "{text}", str(src), "-o", str(base / "folder-out")]):  # fmt: skip
            check(tally, " ".join(args[:3]) + " <folder>", *run(args))
        for path in (base / "folder-out").rglob("*"):
            if path.is_file() and path.read_bytes() != (src / path.relative_to(base / "folder-out")).read_bytes():
                tally.half_written.append(f"normalize -o folder: {path.name} differs from its input")
        after = digest(src)
        tally.changed += [p for p in before if before[p] != after.get(p)]
        tally.half_written += [str(p) for p in leftovers(base)]
        # in place: every file either untouched or fully rewritten, no temporary file left
        inplace = base / "inplace"
        shutil.copytree(src, inplace, symlinks=True, ignore=shutil.ignore_patterns("sparse-2gb.txt", "fifo.txt"))
        code, err = run(["normalize", "--in-place", "--backup", ".orig", "--errors", "replace", "--template", "{text}", str(inplace)])
        check(tally, "normalize --in-place <folder>", code, err)
        for name in regular:
            if (inplace / name).read_bytes() != (src / name).read_bytes():
                tally.half_written.append(f"normalize --in-place --template {{text}} {name}: differs from the input")
        tally.half_written += [str(p) for p in leftovers(inplace)]
        # absurd names
        tally.inputs += len(NAMES)
        for name in NAMES:
            if "\0" not in name or quick:  # a NUL byte cannot be passed as an argument to a real process
                check(tally, f"resolve {name[:10]!r}", *run(["resolve", "--json", name]))
            line = name.replace("\n", " ").encode("utf-8", "surrogateescape") + b"\n"
            check(tally, f"resolve - <<< {name[:10]!r}", *run(["resolve", "--json", "-"], line))
        # gazetteers and indexes
        gaz = base / "gazetteers"
        gaz.mkdir()
        bad_gazetteers = gazetteer_inputs()
        tally.inputs += len(bad_gazetteers)
        for name, spec in bad_gazetteers.items():
            path = str(make(gaz, name, spec))
            for args in (["gazetteer", "validate", path], ["resolve", "-g", path, "Daesh"], ["annotate", "-g", path, str(src / "crlf.txt")]):
                code, err = run(args)
                check(tally, f"{args[0]} {name}", code, err)
                if code != 2:
                    tally.crashes.append(f"{args[0]} {name}: a bad gazetteer was accepted (exit {code})")
        # rule tables
        rules = rule_inputs()
        tally.inputs += len(rules)
        for name, files in rules.items():
            folder = base / "rules" / name
            folder.mkdir(parents=True)
            for fname, data in files.items():
                (folder / fname).write_bytes(data)
            code, err = run(["resolve", "--rules", str(folder), "Daesh"])
            check(tally, f"--rules {name}", code, err)
            if code != 2:
                tally.crashes.append(f"--rules {name}: a bad rule table was accepted (exit {code})")
    tally.seconds = time.perf_counter() - t0
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="run in-process with click's CliRunner (faster)")
    parser.add_argument("--big", action="store_true", help="a 5 MB single line instead of 0.1 MB")
    args = parser.parse_args()
    tally = hostile_corpus(quick=args.quick, big=args.big)
    print(json.dumps(tally.figures(), indent=2))
    for what in ("crashes", "changed", "half_written"):
        for line in getattr(tally, what):
            print(f"{what}: {line}", file=sys.stderr)
    return 1 if tally.crashes or tally.changed or tally.half_written else 0


if __name__ == "__main__":
    sys.exit(main())
