"""Evaluation: precision, recall and F1 of predicted mentions against gold mentions.

A gold file is JSON Lines with the fields of ``resolver annotate``'s output: ``doc``, ``start``,
``end``, ``text`` (checked against the document when present), ``id``, and optionally ``type`` and
``variant`` (the kind of name variant: exact, misspelling, partial, acronym, namesake...). A line
with only ``doc`` names a document that has no gold mention (its predictions are all false positives).

A prediction is a true positive when its document, start, end and ID equal a gold mention's
(``match="exact"``), or, with ``match="overlap"``, when it has the ID of a gold mention of the same
document whose span it overlaps; each gold mention is used once.

>>> gold = [Span("a.txt", 0, 3, "isi", variant="acronym"), Span("a.txt", 8, 13, "islamic-state")]
>>> pred = [Span("a.txt", 0, 3, "isi"), Span("a.txt", 20, 24, "taliban")]
>>> e = evaluate(gold, pred)
>>> e.overall.tp, e.overall.fp, e.overall.fn, e.overall.precision, e.overall.recall
(1, 1, 1, 0.5, 0.5)
>>> e.by_variant["acronym"].recall
1.0
"""

from __future__ import annotations

__all__ = [
    "NO_VARIANT",
    "Counts",
    "Evaluation",
    "Span",
    "check_texts",
    "evaluate",
    "fill_types",
    "locate",
    "read_gold",
    "spans",
]

import json
import os
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .errors import InputError, Problem, ResolverError

if TYPE_CHECKING:
    from .annotate import Mention

NO_VARIANT = "-"
Matching = Literal["exact", "overlap"]


@dataclass(frozen=True)
class Span:
    """A mention of entity ``id`` at ``start:end`` of document ``doc`` (gold or predicted)."""

    doc: str
    start: int
    end: int
    id: str
    text: str | None = None
    type: str | None = None
    variant: str | None = None
    line: int | None = None  # the line of the gold file

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"doc": self.doc, "start": self.start, "end": self.end, "text": self.text, "id": self.id}
        if self.type is not None:
            out["type"] = self.type
        if self.variant is not None:
            out["variant"] = self.variant
        return out


def spans(doc: str, mentions: Iterable[Mention]) -> list[Span]:
    """The resolved mentions of one document as predicted spans (unresolved ones have no ID to score)."""
    return [Span(doc, m.start, m.end, m.id, m.text, m.type) for m in mentions if m.id is not None]


@dataclass(frozen=True)
class Counts:
    """True positives, false positives and false negatives, and the scores they give (0.0 over nothing)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def gold(self) -> int:
        return self.tp + self.fn

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn,
            "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
        }  # fmt: skip


@dataclass(frozen=True)
class Evaluation:
    """The result of :func:`evaluate`: overall counts, per entity ID, per gold ``variant``, and the errors."""

    match: str
    documents: int
    overall: Counts
    by_entity: dict[str, Counts]
    by_variant: dict[str, Counts]  # no false positives here: a prediction has no variant
    false_positives: list[Span] = field(default_factory=list)
    false_negatives: list[Span] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "match": self.match,
            "documents": self.documents,
            "overall": self.overall.to_dict(),
            "by_entity": {k: v.to_dict() for k, v in self.by_entity.items()},
            "by_variant": {k: {"gold": v.gold, "found": v.tp, "recall": round(v.recall, 4)} for k, v in self.by_variant.items()},
            "false_positives": [s.to_dict() for s in self.false_positives],
            "false_negatives": [s.to_dict() for s in self.false_negatives],
        }


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def evaluate(
    gold: Iterable[Span],
    predicted: Iterable[Span],
    *,
    match: Matching = "exact",
    types: Collection[str] | None = None,
    documents: Collection[str] | None = None,
) -> Evaluation:
    """Score ``predicted`` against ``gold``.

    ``types`` keeps only gold and predicted spans of those entity types (a span of unknown type is
    then left out). ``documents`` (default: the documents of the gold spans) limits the predictions
    to those documents.
    """
    if match not in ("exact", "overlap"):
        raise ResolverError(f"unknown match {match!r}: use 'exact' or 'overlap'")
    gold = sorted(set(gold), key=lambda s: (s.doc, s.start, s.end, s.id))
    docs = set(documents) if documents is not None else {s.doc for s in gold}
    predicted = sorted({s for s in predicted if s.doc in docs}, key=lambda s: (s.doc, s.start, s.end, s.id))
    if types is not None:
        gold = [s for s in gold if s.type in types]
        predicted = [s for s in predicted if s.type in types]

    matched: set[int] = set()  # indexes of the gold spans used
    false_positives: list[Span] = []
    if match == "exact":
        index = {(s.doc, s.start, s.end, s.id): i for i, s in enumerate(gold)}
        for p in predicted:
            i = index.get((p.doc, p.start, p.end, p.id))
            if i is None or i in matched:
                false_positives.append(p)
            else:
                matched.add(i)
    else:
        by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, s in enumerate(gold):
            by_key[s.doc, s.id].append(i)
        for p in predicted:
            free = [i for i in by_key.get((p.doc, p.id), []) if i not in matched and _overlaps(gold[i], p)]
            # the same span first, else the gold span that starts first
            same = [i for i in free if (gold[i].start, gold[i].end) == (p.start, p.end)]
            if same or free:
                matched.add((same or free)[0])
            else:
                false_positives.append(p)
    false_negatives = [s for i, s in enumerate(gold) if i not in matched]

    def tally(items: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
        for key, what in items:
            table[key][what] += 1
        return table

    entity = tally(
        [(gold[i].id, "tp") for i in matched] + [(s.id, "fp") for s in false_positives] + [(s.id, "fn") for s in false_negatives]
    )
    variant = tally([(gold[i].variant or NO_VARIANT, "tp") for i in matched] + [(s.variant or NO_VARIANT, "fn") for s in false_negatives])
    return Evaluation(
        match=match,
        documents=len(docs),
        overall=Counts(len(matched), len(false_positives), len(false_negatives)),
        by_entity={k: Counts(**entity[k]) for k in sorted(entity)},
        by_variant={k: Counts(**variant[k]) for k in sorted(variant)},
        false_positives=false_positives,
        false_negatives=false_negatives,
    )


def read_gold(text: str, *, label: str) -> tuple[list[Span], list[str]]:
    """The gold spans of a JSON Lines text, and every document named (in order of first appearance).

    Raises :class:`InputError` listing every malformed line (not JSON, a missing or mistyped field,
    ``end`` before ``start``, the same mention twice).
    """
    golds: list[Span] = []
    docs: dict[str, None] = {}
    problems: list[Problem] = []
    seen: dict[tuple[str, int, int, str], int] = {}
    for n, line in enumerate(text.split("\n"), 1):  # (lines end at line feeds only: a JSON string may hold U+2028 or U+0085)
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"not JSON: {exc.msg}", label, n))
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("doc"), str) or not rec["doc"]:
            problems.append(Problem("a gold line is an object with a 'doc' string", label, n))
            continue
        docs.setdefault(rec["doc"])
        if set(rec) <= {"doc"}:
            continue  # a document without gold mentions
        start, end, eid = rec.get("start"), rec.get("end"), rec.get("id")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
            problems.append(Problem("'start' and 'end' must be offsets with 0 <= start <= end", label, n))
            continue
        if not isinstance(eid, str) or not eid:
            problems.append(Problem("'id' must be an entity ID", label, n))
            continue
        extra = {k: rec.get(k) for k in ("text", "type", "variant")}
        if any(v is not None and not isinstance(v, str) for v in extra.values()):
            problems.append(Problem("'text', 'type' and 'variant' must be strings", label, n))
            continue
        key = (rec["doc"], start, end, eid)
        if key in seen:
            problems.append(Problem(f"the same mention as line {seen[key]}", label, n))
            continue
        seen[key] = n
        golds.append(Span(rec["doc"], start, end, eid, extra["text"], extra["type"], extra["variant"], n))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(f"{problems[0].message}{more}", f"{label}:{problems[0].line}")
    return golds, list(docs)


def locate(doc: str, *, gold_dir: str | None = None, docs_dir: str | None = None) -> str:
    """The file of document ``doc``: inside ``docs_dir`` if given; else relative to the gold file's
    folder ``gold_dir`` if it exists there, else relative to the working directory."""
    if docs_dir is not None:
        return os.path.join(docs_dir, doc)
    if gold_dir is not None and not os.path.isabs(doc):
        candidate = os.path.join(gold_dir, doc)
        if Path(candidate).exists():
            return candidate
    return doc


def check_texts(gold: Iterable[Span], text: str, *, label: str) -> None:
    """:class:`InputError` if a gold span's ``text`` is not what the document has at ``start:end``.

    ``label`` names the gold file; the error gives the line of the span in it."""
    for s in gold:
        if s.text is not None and text[s.start : s.end] != s.text:
            raise InputError(
                f"gold text {s.text!r} is not the document's text at {s.start}:{s.end} ({text[s.start : s.end]!r})",
                f"{label}:{s.line}" if s.line else label,
            )


def fill_types(gold: Iterable[Span], type_of: Callable[[str], str | None]) -> list[Span]:
    """``gold`` with the type of each span that has none taken from ``type_of(id)`` (the gazetteer's)."""
    return [s if s.type is not None else replace(s, type=type_of(s.id)) for s in gold]
