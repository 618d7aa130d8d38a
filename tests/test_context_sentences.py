"""Sentences with traps, scored as a user would score the annotator.

``data/context_sentences.jsonl`` holds 126 news-style sentences in seven kinds (noisy names, partial
references, namesakes, common words, headlines, names the gazetteer lacks, organizations like the
gazetteer's). A helper wrote them from the gazetteer's entity files and the seed articles alone,
without reading the code. Each line lists its gold person and organization mentions (text and ID)
and its traps (text that must not be annotated). This round's context rules were made against
them, so they are a regression set now, not a held-out one.

Scoring: a gold (text, id) pair is found when a person or organization mention has that text and
ID; such a mention with another (text, id) is a false positive; a trap is hit when a person or
organization mention overlaps its first occurrence. Figures of this round (docs/annotate.md):
precision 0.986, recall 0.969, 3 of 97 traps hit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from resolver import Resolver
from resolver.evaluate import Counts

DATA = Path(__file__).resolve().parent / "data" / "context_sentences.jsonl"


@dataclass
class Tally:
    counts: Counts  # gold (text, id) pairs found, mentions that are no gold pair, gold pairs missed
    traps: int
    hit: list[str] = field(default_factory=list)


def _score(resolver: Resolver, category: str | None = None) -> Tally:
    tp = fp = fn = traps = 0
    hit: list[str] = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if category is not None and row["category"] != category:
            continue
        text = row["text"]
        found = [m for m in resolver.annotate(text) if m.type in ("person", "organization")]
        gold = {(g["text"], g["id"]) for g in row["gold"]}
        got = {(m.text, m.id) for m in found}
        tp += len(gold & got)
        fn += len(gold - got)
        fp += sum(1 for m in found if (m.text, m.id) not in gold)
        for trap in row["traps"]:
            traps += 1
            start = text.index(trap)
            if any(m.start < start + len(trap) and m.end > start for m in found):
                hit.append(f"{trap!r} in {text!r}")
    return Tally(Counts(tp, fp, fn), traps, hit)


@pytest.fixture(scope="module")
def tally(resolver: Resolver) -> Tally:
    return _score(resolver)


def test_the_set_is_what_it_says() -> None:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 126
    for row in rows:
        assert all(g["text"] in row["text"] for g in row["gold"]) and all(t in row["text"] for t in row["traps"])


def test_precision_and_recall(tally: Tally) -> None:
    assert tally.counts.precision >= 0.97, tally.counts
    assert tally.counts.recall >= 0.95, tally.counts


def test_few_traps_are_hit(tally: Tally) -> None:
    assert len(tally.hit) <= 0.05 * tally.traps, tally.hit


if __name__ == "__main__":  # python tests/test_context_sentences.py: the figures, overall and by kind
    r = Resolver()
    kinds = sorted({json.loads(line)["category"] for line in DATA.read_text(encoding="utf-8").splitlines()})
    print("| kind | gold found | false positives | gold missed | precision | recall | traps hit |")
    print("|---|---|---|---|---|---|---|")
    for kind in (*kinds, None):
        t = _score(r, kind)
        c = t.counts
        print(f"| {kind or 'all'} | {c.tp} | {c.fp} | {c.fn} | {c.precision:.3f} | {c.recall:.3f} | {len(t.hit)} of {t.traps} |")
