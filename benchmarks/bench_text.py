"""Throughput of ``Resolver.annotate`` against a raw pyahocorasick scan and FlashText, in one run.

Usage: python benchmarks/bench_text.py [--size 1000000] [--repeat 5] [--large-population 15000] [--stages] [--plain]

Each contender scans the same text for the same forms (every searchable form of the gazetteer,
lower-cased). The raw scan is the speed limit of exact matching: it lower-cases the text and
iterates the automaton's matches, with no word boundaries, case rules, fuzzy matching or context.
Every annotate run starts cold: the resolver's caches are cleared (``Resolver.clear_caches``: name
keys, skeletons, Metaphone codes, part similarities) and a fresh annotator is built before its clock
starts (building one, about 15 ms with the default gazetteer, happens once per resolver, not per text).
The contenders take turns, round after round (``--repeat`` rounds), so that a slow moment of a
shared machine slows them all; seconds are medians, and the ratio column is the median over the
rounds of each contender's throughput divided by the raw scan's in the same round.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ahocorasick
from corpus import geonames_records, news_text

from resolver import Resolver
from resolver.annotate import Annotator


class Fresh:
    """A contender timed on a fresh object each run, made before the clock starts (an annotator
    with empty caches: its construction, about 15 ms once per resolver, is not annotation)."""

    def __init__(self, make: Callable[[], Annotator], run: Callable[[Annotator], object]) -> None:
        self.make, self.run = make, run


def once(fn: Callable[[], object] | Fresh) -> tuple[float, object]:
    """(seconds, result) of one run of a contender."""
    if isinstance(fn, Fresh):
        fresh = fn.make()  # before the clock starts
        return _clocked(lambda: fn.run(fresh))
    return _clocked(fn)


def _clocked(fn: Callable[[], object]) -> tuple[float, object]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def contenders(r: Resolver, text: str) -> dict[str, Callable[[], object] | Fresh]:
    forms = sorted({a.text.lower() for a in r.index.aliases if a.text.strip()})
    automaton = ahocorasick.Automaton()
    for f in forms:
        automaton.add_word(f, f)
    automaton.make_automaton()

    def raw() -> int:
        return sum(1 for _ in automaton.iter(text.lower()))

    out: dict[str, Callable[[], object] | Fresh] = {"pyahocorasick raw scan": raw}
    try:
        from flashtext import KeywordProcessor

        kp = KeywordProcessor()
        for f in forms:
            kp.add_keyword(f)
        out["FlashText extract_keywords"] = lambda: len(kp.extract_keywords(text, span_info=True))
    except ImportError:
        pass

    def cold() -> Annotator:
        r.clear_caches()
        return Annotator(r)

    out["resolver annotate (cold caches)"] = Fresh(cold, lambda a: len(a.annotate(text)))
    return out


def run(label: str, r: Resolver, text: str, repeat: int) -> list[str]:
    """One row a contender. The contenders take turns, round after round (on a shared machine a
    slow moment then slows them all), and each round gives each contender's ratio to the raw scan of
    that round: the ratio column is the median of those, the seconds column the median time."""
    mb = len(text.encode("utf-8")) / 1e6
    runners = contenders(r, text)
    times: dict[str, list[float]] = {name: [] for name in runners}
    found: dict[str, object] = {}
    for _ in range(repeat):
        for name, fn in runners.items():
            seconds, found[name] = once(fn)
            times[name].append(seconds)
    raw = next(iter(runners))
    rows = []
    for name, spent in times.items():
        ratio = statistics.median(t_raw / t for t_raw, t in zip(times[raw], spent, strict=True))
        seconds = statistics.median(spent)
        rows.append(f"| {label} | {name} | {found[name]} | {seconds:.3f} | {mb / seconds:.2f} | {ratio:.3f} |")
    return rows


_STAGES = {  # annotator methods timed by --stages, in the order annotate calls them
    "_exact": "exact stage (both automaton scans, case rules)",
    "_sets_of": "looking up the distinct capitalized words in the candidate index",
    "_windows": "walking spans of several words (their windows resolved)",
    "_window_match": "a word alone, and every window: its checks and resolution",
    "_fuzzy": "fuzzy stage in all (spans found, words looked up, spans walked)",
    "_decide_namesakes": "document: namesakes",
    "_acronyms_defined": "document: acronyms defined in the text",
    "_back_references": "document: family names referring back",
    "_drop_embedded_places": "document: places inside longer names",
}


def stages(r: Resolver, text: str, repeat: int) -> list[str]:
    """Where annotate's time goes: process time of each stage, median over cold runs. The stages
    nest (the fuzzy stage holds the word look-ups and the walks), so the rows do not add up."""
    spent: dict[str, list[float]] = {name: [] for name in (*_STAGES, "annotate")}
    run_total: dict[str, float] = {}

    def timed_method(name: str) -> Callable[..., object]:
        method = getattr(Annotator, name)

        def wrapper(*args: object, **kwargs: object) -> object:
            t = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                run_total[name] = run_total.get(name, 0.0) + time.process_time() - t

        return wrapper

    originals = {name: getattr(Annotator, name) for name in _STAGES}
    try:
        for name in _STAGES:
            setattr(Annotator, name, timed_method(name))
        for _ in range(repeat):
            r.clear_caches()
            annotator = Annotator(r)
            run_total.clear()
            t = time.process_time()
            annotator.annotate(text)
            spent["annotate"].append(time.process_time() - t)
            for name in _STAGES:
                spent[name].append(run_total.get(name, 0.0))
    finally:
        for name, method in originals.items():
            setattr(Annotator, name, method)
    total = statistics.median(spent["annotate"])
    rows = [f"| annotate, whole | {total * 1000:.0f} | 1.00 |"]
    for name, label in _STAGES.items():
        ms = statistics.median(spent[name])
        rows.append(f"| {label} (`{name}`) | {ms * 1000:.0f} | {ms / total:.2f} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--large-population", type=int, default=15000, help="GeoNames cities added for the large gazetteer")
    ap.add_argument("--stages", action="store_true", help="instead: where annotate's time goes, stage by stage (default gazetteer)")
    ap.add_argument("--plain", action="store_true", help="the seed sentences without the added clause of a Febrl person and a city")
    args = ap.parse_args()
    text = news_text(args.size, clause=not args.plain)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"text {len(text.encode('utf-8')) / 1e6:.2f} MB")  # fmt: skip
    if args.stages:
        print("| stage | median process ms | share |")
        print("|---|---|---|")
        for row in stages(Resolver(), text, args.repeat):
            print(row)
        return
    print("| gazetteer | contender | matches | median s | MB/s | ratio to raw |")
    print("|---|---|---|---|---|---|")
    default = Resolver()
    for row in run(f"default ({len(default)} entities)", default, text, args.repeat):
        print(row, flush=True)
    records = [e.to_dict() for e in default.entities] + geonames_records(args.large_population)
    t = time.perf_counter()
    large = Resolver.from_records(records)
    print(f"<!-- large gazetteer built in {time.perf_counter() - t:.1f} s -->")
    for row in run(f"default + GeoNames cities >= {args.large_population} ({len(large)} entities)", large, text, args.repeat):
        print(row, flush=True)


if __name__ == "__main__":
    main()
