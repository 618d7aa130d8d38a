"""Start-up time of ``resolver resolve NAME`` beside ``python -c "import click, rapidfuzz, jellyfish"``.

Usage: python benchmarks/bench_startup.py [--repeat 15]

Both commands run as fresh processes, alternately, from a temporary folder; the figures are
medians, and the ratio is the one the project promises to keep under 3. The first run of
``resolver`` after an install or a change of the gazetteer builds the compiled cache: it is
warmed once before timing, as a user's second and later runs are.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def run(cmd: list[str], cwd: str) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    exe = shutil.which("resolver") or sys.exit("the resolver command is not on PATH: pip install . first")
    base = [sys.executable, "-c", "import click, rapidfuzz, jellyfish"]
    resolve = [exe, "resolve", "Sergei Ivano"]
    with tempfile.TemporaryDirectory() as cwd:
        run(resolve, cwd)  # builds the compiled cache of the embedded gazetteer if needed
        times: dict[str, list[float]] = {"import click, rapidfuzz, jellyfish": [], "resolver resolve 'Sergei Ivano'": []}
        for _ in range(args.repeat):
            times["import click, rapidfuzz, jellyfish"].append(run(base, cwd))
            times["resolver resolve 'Sergei Ivano'"].append(run(resolve, cwd))
    medians = {k: statistics.median(v) for k, v in times.items()}
    print("| command | median s | ratio |")
    print("|---|---|---|")
    first = next(iter(medians.values()))
    for name, m in medians.items():
        print(f"| `{name}` | {m:.3f} | {m / first:.2f} |")


if __name__ == "__main__":
    main()
