"""Nothing lost: atomic in-place rewrites under SIGKILL, backups, -o, --fail-fast, summaries, pipes (item 4)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .helpers import ROOT, cli, no_traceback, run

ARTICLE = "Sergei Ivano told TASS that the SVR met I.S.I. officials in Kabul.\n" * 20


def corpus(folder: Path, n: int) -> dict[str, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for i in range(n):
        data = (f"[{i}] " + ARTICLE).encode() if i % 7 else b"nothing to replace here\n"
        (folder / f"{i:03}.txt").write_bytes(data)
        files[f"{i:03}.txt"] = data
    return files


@pytest.mark.slow
def test_sigkill_during_in_place_never_truncates(tmp_path: Path) -> None:
    src = tmp_path / "src"
    n = 150
    originals = corpus(src, n)
    expected_dir = tmp_path / "expected"
    assert cli("normalize", str(src), "-o", str(expected_dir)).exit_code == 0
    expected = {name: (expected_dir / name).read_bytes() for name in originals}
    assert sum(expected[name] != originals[name] for name in originals) > 100
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(5)
    work = tmp_path / "work"
    states = {"untouched": 0, "rewritten": 0}
    for attempt in range(10):
        corpus(work, n)
        proc = subprocess.Popen(
            [sys.executable, "-m", "resolver.cli", "normalize", "--in-place", "--backup", ".orig", str(work)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(rng.uniform(0.3, 1.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        leftovers = []
        for path in work.iterdir():
            name = path.name
            if name.startswith("."):
                leftovers.append(name)
                assert name.endswith(".tmp"), name  # a temporary file: hidden, recognisable
            elif name.endswith(".orig"):
                assert path.read_bytes() == originals[name[: -len(".orig")]]  # a backup is whole
            else:
                data = path.read_bytes()
                assert data in (originals[name], expected[name]), f"{name} is neither the original nor the result"
                states["untouched" if data == originals[name] != expected[name] else "rewritten"] += 1
        if leftovers or attempt == 0:  # a later run ignores the leftovers and finishes the job
            r = run("normalize", "--in-place", str(work))
            assert r.returncode == 0 and f"{n} files done, 0 skipped, 0 failed".encode() in r.stderr, r.stderr
            assert {p.name: p.read_bytes() for p in work.iterdir() if p.suffix == ".txt" and not p.name.startswith(".")} == expected
        for name in leftovers:
            (work / name).unlink(missing_ok=True)
        for path in work.glob("*.orig"):
            path.unlink()
    assert states["untouched"] and states["rewritten"], states  # the kills did land in the middle of runs


def test_backup_and_in_place(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(b"Daesh\r\n")
    os.chmod(f, 0o640)
    r = cli("normalize", "--in-place", "--backup", ".orig", str(f))
    assert r.exit_code == 0
    assert f.read_bytes() == b"Islamic State\r\n" and (tmp_path / "a.txt.orig").read_bytes() == b"Daesh\r\n"
    assert os.stat(f).st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "a.txt.orig"]  # no temporary file left


def test_backup_never_overwrites_an_input(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"Daesh")
    (tmp_path / "a.txt").write_bytes(b"keep me, I.S.I.")
    r = cli("normalize", "--in-place", "--backup", ".txt", str(tmp_path / "a"), str(tmp_path / "a.txt"))
    assert r.exit_code == 1 and "would overwrite an input" in r.stderr
    assert (tmp_path / "a").read_bytes() == b"Daesh"
    assert (tmp_path / "a.txt").read_bytes() == b"keep me, Inter-Services Intelligence"


def test_output_never_over_an_input(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(b"Daesh")
    os.link(f, tmp_path / "hard.txt")
    os.symlink(f, tmp_path / "soft.txt")
    for out in ("a.txt", "hard.txt", "soft.txt"):
        for command in ("annotate", "normalize"):
            r = cli(command, str(f), "-o", str(tmp_path / out), "--force")
            assert r.exit_code == 2 and ("is the input" in r.stderr or "is one of the inputs" in r.stderr), (command, out, r.stderr)
    assert f.read_bytes() == b"Daesh"
    # stdout redirected into an input file (`resolver annotate news/ >> news/out.txt`)
    with (tmp_path / "a.txt").open("ab") as fh:
        p = subprocess.run([sys.executable, "-m", "resolver.cli", "annotate", str(tmp_path)], stdout=fh, stderr=subprocess.PIPE,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert p.returncode == 2 and b"stdout is one of the inputs" in p.stderr
    assert f.read_bytes() == b"Daesh"


def test_o_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(b"Daesh")
    out = tmp_path / "out.txt"
    out.write_bytes(b"precious")
    for command in ("annotate", "normalize"):
        r = cli(command, str(f), "-o", str(out))
        assert r.exit_code == 2 and "already exists (use --force" in r.stderr
        assert out.read_bytes() == b"precious"
    assert cli("normalize", str(f), "-o", str(out), "--force").exit_code == 0
    assert out.read_bytes() == b"Islamic State"


def test_one_failure_does_not_stop_the_others_unless_fail_fast(tmp_path: Path) -> None:
    for name, data in [("a.txt", b"Daesh"), ("b.txt", b"\xff\xfe\xfd bad"), ("c.txt", b"I.S.I.")]:
        (tmp_path / name).write_bytes(data)
    files = [str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt")]
    r = cli("normalize", "-o", str(tmp_path / "out"), *files)
    assert r.exit_code == 1 and "2 files done, 0 skipped, 1 failed" in r.stderr
    assert (tmp_path / "out" / "c.txt").read_bytes() == b"Inter-Services Intelligence"
    r = cli("normalize", "-o", str(tmp_path / "out2"), "--fail-fast", *files)
    assert r.exit_code == 1 and "1 file done, 0 skipped, 1 failed" in r.stderr
    assert not (tmp_path / "out2" / "c.txt").exists()


def test_output_folder_collision_with_a_folder(tmp_path: Path) -> None:
    src = tmp_path / "src"
    corpus(src, 3)
    out = tmp_path / "out"
    (out / "001.txt").mkdir(parents=True)  # a folder where a file should go
    r = cli("normalize", str(src), "-o", str(out))
    assert r.exit_code == 1 and "2 files done, 0 skipped, 1 failed" in r.stderr and no_traceback(r.stderr)


@pytest.mark.parametrize("args", [["annotate"], ["annotate", "--jobs", "2"], ["normalize", "-o", "OUT"]])
def test_broken_pipe_ends_quietly(tmp_path: Path, args: list[str]) -> None:
    src = tmp_path / "src"
    corpus(src, 60)
    if args[0] == "normalize":
        args = ["normalize", str(src / "001.txt")]
        (src / "001.txt").write_bytes(ARTICLE.encode() * 200)
    else:
        args = [*args, str(src)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "resolver.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert err == b"" or (no_traceback(err) and b"Broken pipe" not in err), err


def test_sigint_is_one_line_and_130(tmp_path: Path) -> None:
    src = tmp_path / "src"
    corpus(src, 400)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for jobs in ("1", "2"):
        # the child starts with Ctrl-C's default action even when this suite runs in the background
        # of a shell, whose children inherit SIGINT ignored (and Python then keeps it ignored)
        proc = subprocess.Popen([sys.executable, "-m", "resolver.cli", "annotate", "--jobs", jobs, str(src)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # fmt: skip
        assert proc.stdout is not None
        proc.stdout.readline()  # it is at work; it cannot finish: its output fills the pipe, which is not read
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        err = proc.communicate(timeout=60)[1]
        assert proc.returncode == 130, err
        assert err.strip().splitlines()[-1] == b"resolver: interrupted" and b"Traceback" not in err, err
