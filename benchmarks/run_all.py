"""Run every benchmark with its default (short) settings and print their Markdown, one section each.

Usage: python benchmarks/run_all.py

Each benchmark runs in its own Python process (the interpreter running this script), in turn, so
that their memory figures do not mix. Full-size runs: see docs/scale.md.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    ("Text annotation (bench_text.py)", "bench_text.py"),
    ("GeoNames cities (bench_geonames.py)", "bench_geonames.py"),
    ("Febrl 4 person names (bench_febrl.py)", "bench_febrl.py"),
]


def main() -> int:
    failed = 0
    for title, script in BENCHMARKS:
        print(f"## {title}\n", flush=True)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(HERE / script)], stdout=sys.stdout, stderr=subprocess.PIPE, text=True
        )
        if done.returncode != 0:
            failed += 1
            print(f"**failed** (exit {done.returncode}):\n\n```text\n{done.stderr.strip()[-2000:]}\n```")
        print(f"\n<!-- {script}: {time.perf_counter() - started:.0f} s -->\n", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
