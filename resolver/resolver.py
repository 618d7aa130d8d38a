"""The :class:`Resolver`: names in, stable entity IDs out.

Data flows one way: a name is normalized (``normalize``), candidate aliases are looked up
(``candidates``), each is scored (``scoring``), and the best entity above the threshold is
returned as a :class:`~resolver.model.Match` that explains itself.
"""

from __future__ import annotations

__all__ = ["Resolver", "DEFAULT_THRESHOLD", "DEFAULT_MARGIN"]

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .candidates import AliasRecord, CandidateIndex
from .errors import Problem, ResolverError
from .gazetteer import Gazetteer, default_gazetteer_dir, gazetteer_from_records, load_gazetteer
from .model import Comparison, Entity, Explanation, Match
from .normalize import NameKey, Normalizer, default_normalizer
from .rules import RuleSet, load_rules
from .scoring import METHOD, compare

DEFAULT_THRESHOLD = 0.8
DEFAULT_MARGIN = 0.05
_ACRONYM_SCORE = 0.95
_CASE_SENSITIVE_SCORE = 0.95


def _case_ok(query: tuple[str, ...], alias: tuple[str, ...]) -> bool:
    """A case-sensitive alias matches its own case, or an all-capitals query."""
    if query == alias:
        return True
    joined = "".join(query)
    return joined.isupper() and [t.upper() for t in alias] == list(query)


class Resolver:
    """Resolve names to entities of a gazetteer.

    >>> r = Resolver()
    >>> r.resolve("Sergei Ivano").id
    'sergei-ivanov-svr'
    """

    def __init__(
        self,
        gazetteer: Gazetteer | None = None,
        *,
        rules: RuleSet | None = None,
        rules_dir: str | Path | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ResolverError(f"threshold must be between 0 and 1, not {threshold}")
        if rules is None and rules_dir is not None:
            rules = load_rules([rules_dir])
        self.normalizer = Normalizer(rules) if rules is not None else default_normalizer()
        self.gazetteer = gazetteer if gazetteer is not None else load_gazetteer(default_gazetteer_dir())
        self.threshold = threshold
        self.margin = margin
        self.entities: tuple[Entity, ...] = self.gazetteer.entities
        self.acronym_collisions: list[Problem] = []
        self.index = CandidateIndex(self._alias_records())

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_path(cls, path: str | Path, **options: Any) -> Resolver:
        """A resolver over a gazetteer folder (the project's TOML format) or a JSON Lines file."""
        return cls(load_gazetteer(path), **options)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]], **options: Any) -> Resolver:
        """A resolver over dicts with ``id``, ``name``, ``type`` and ``aliases``."""
        return cls(gazetteer_from_records(records), **options)

    def _record(self, e_idx: int, entity: Entity, text: str, kind: str) -> AliasRecord | None:
        key = self.normalizer.key(text)
        if not key.tokens:
            return None
        case_sensitive = kind in ("weak-alias", "acronym") or self._is_short_or_common(key)
        family_index = None
        if entity.type == "person" and entity.family_name:
            fam = self.normalizer.key(entity.family_name).tokens
            if fam and fam[-1] in key.tokens:
                family_index = len(key.tokens) - 1 - key.tokens[::-1].index(fam[-1])
        return AliasRecord(e_idx, text, kind, key.tokens, key.cased, case_sensitive, family_index)

    def _is_short_or_common(self, key: NameKey) -> bool:
        return len("".join(key.surface)) <= 2 or (len(key.surface) == 1 and self.normalizer.is_common(key.surface))

    def _alias_records(self) -> list[AliasRecord]:
        records: list[AliasRecord] = []
        seen: set[tuple[int, str]] = set()
        for e_idx, entity in enumerate(self.entities):
            forms = [(entity.name, "name")] + [(a, "alias") for a in entity.aliases]
            forms += [(a, "weak-alias") for a in entity.weak_aliases]
            for text, kind in forms:
                rec = self._record(e_idx, entity, text, kind)
                if rec is not None and (e_idx, rec.key) not in seen:
                    seen.add((e_idx, rec.key))
                    records.append(rec)
        records += self._derived_acronyms({r.key for r in records}, seen)
        return records

    def _derived_acronyms(self, taken: set[str], seen: set[tuple[int, str]]) -> list[AliasRecord]:
        """Acronyms of long organization names (Inter-Services Intelligence -> ISI), minus collisions."""
        derived: dict[str, set[int]] = {}
        source: dict[tuple[str, int], str] = {}
        for e_idx, entity in enumerate(self.entities):
            if entity.type != "organization":
                continue
            for text in (entity.name, *entity.aliases):
                key = self.normalizer.key(text)
                if len(key.surface) < 3:
                    continue
                acro = self.normalizer.acronym(key.surface)
                if acro:
                    derived.setdefault(acro, set()).add(e_idx)
                    source.setdefault((acro, e_idx), text)
        out = []
        for acro, owners in sorted(derived.items()):
            names = sorted(self.entities[i].id for i in owners)
            if len(owners) > 1:
                self.acronym_collisions.append(Problem(f"derived acronym '{acro.upper()}' fits {', '.join(names)}: not used"))
                continue
            (e_idx,) = owners
            if acro in taken and (e_idx, acro) not in seen:
                self.acronym_collisions.append(Problem(f"derived acronym '{acro.upper()}' of {names[0]} is another entity's alias: not used"))
                continue
            if (e_idx, acro) in seen:
                continue  # already an attested alias of the same entity
            text = acro.upper()
            out.append(AliasRecord(e_idx, text, "acronym", (acro,), (text,), True))
        return out

    # -- lookups -----------------------------------------------------------------------------------
    def get(self, entity_id: str) -> Entity | None:
        """The entity with this ID (following redirects of retired IDs), or None."""
        return self.gazetteer.get(entity_id)

    def __len__(self) -> int:
        return len(self.entities)

    def _scored(self, name: str, limit: int = 50) -> tuple[NameKey, list[tuple[float, int, AliasRecord, Any]]]:
        qk = self.normalizer.key(name)
        best: dict[int, tuple[float, AliasRecord, Any]] = {}
        for a_idx in self.index.lookup(qk.tokens, limit):
            rec = self.index.aliases[a_idx]
            if rec.case_sensitive:
                if rec.tokens != qk.tokens or not _case_ok(qk.cased, rec.cased):
                    continue
                value = _ACRONYM_SCORE if rec.kind == "acronym" else _CASE_SENSITIVE_SCORE
                detail: Any = (Comparison("key:equal-with-case", " ".join(qk.cased), rec.text, value),)
                notes: tuple[str, ...] = (f"{rec.kind} '{rec.text}' matches only with its case",)
                scored = (value, detail, notes)
            else:
                entity = self.entities[rec.entity]
                s = compare(qk.tokens, rec.tokens, person=entity.type == "person", family_index=rec.family_index)
                scored = (s.score, s.comparisons, s.notes)
            prev = best.get(rec.entity)
            if prev is None or scored[0] > prev[0]:
                best[rec.entity] = (scored[0], rec, scored[1:])
        ranked = sorted(
            ((score, e_idx, rec, detail) for e_idx, (score, rec, detail) in best.items()),
            key=lambda t: (-round(t[0], 6), -self.entities[t[1]].prior, self.entities[t[1]].id),
        )
        return qk, ranked

    def _match(self, name: str, qk: NameKey, score: float, e_idx: int, rec: AliasRecord, detail: Any) -> Match:
        entity = self.entities[e_idx]
        comparisons, notes = detail
        q_traced = self.normalizer.key(name, trace=True)
        a_traced = self.normalizer.key(rec.text, trace=True) if rec.kind != "acronym" else None
        if rec.kind == "acronym":
            notes = (*notes, "acronym derived from the organization's name")
        explanation = Explanation(
            method=METHOD,
            alias=rec.text,
            alias_kind=rec.kind,
            query_key=qk.key,
            alias_key=rec.key,
            query_steps=q_traced.steps,
            alias_steps=a_traced.steps if a_traced else (),
            comparisons=tuple(comparisons),
            notes=tuple(notes),
        )
        return Match(entity.id, entity.name, entity.type, round(score, 6), name, rec.text, explanation)

    def candidates(self, name: str, k: int = 5) -> list[Match]:
        """The ``k`` best entities for ``name`` with their scores, best first, whatever the threshold."""
        if k <= 0:
            return []
        qk, ranked = self._scored(name, limit=max(50, 4 * k))
        return [self._match(name, qk, *item) for item in ranked[:k]]

    def resolve(self, name: str, *, threshold: float | None = None) -> Match | None:
        """The entity ``name`` refers to, or None when no entity scores at least the threshold.

        When other entities score within ``margin`` of the best, the match is ``ambiguous`` and
        lists them in ``alternatives``.
        """
        limit = self.threshold if threshold is None else threshold
        qk, ranked = self._scored(name)
        if not ranked or ranked[0][0] < limit:
            return None
        top = self._match(name, qk, *ranked[0])
        close = [item for item in ranked[1:] if item[0] >= limit and item[0] >= ranked[0][0] - self.margin]
        if not close:
            return top
        alternatives = tuple(self._match(name, qk, *item) for item in close)
        note = f"ambiguous: {', '.join(a.id for a in alternatives)} scored within {self.margin} of the best"
        explanation = Explanation(**{**vars(top.explanation), "notes": (*top.explanation.notes, note)})
        return Match(top.id, top.name, top.type, top.score, top.query, top.alias, explanation, True, alternatives)

    def resolve_many(self, names: Sequence[str] | Iterable[str], *, threshold: float | None = None) -> list[Match | None]:
        """:meth:`resolve` for many names, in the same order; each distinct name is resolved once."""
        names = list(names)
        done: dict[str, Match | None] = {}
        for name in names:
            if name not in done:
                done[name] = self.resolve(name, threshold=threshold)
        return [done[name] for name in names]

    def similarity(self, a: str, b: str, *, person: bool = True) -> float:
        """Symmetric similarity of two names in [0, 1]: the mean of scoring each against the other."""
        ka, kb = self.normalizer.key(a), self.normalizer.key(b)
        return (compare(ka.tokens, kb.tokens, person=person).score + compare(kb.tokens, ka.tokens, person=person).score) / 2
