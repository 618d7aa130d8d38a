"""Data classes shared by every stage: entities of the gazetteer and the matches the resolver returns."""

from __future__ import annotations

__all__ = ["Comparison", "Entity", "EntityFacts", "Explanation", "Match", "Role", "Step"]

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Role:
    """A position an entity held: used to tell namesakes apart from context."""

    title: str
    org: str | None = None
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class Entity:
    """One canonical entity of a gazetteer."""

    id: str
    type: str
    name: str
    aliases: tuple[str, ...] = ()
    weak_aliases: tuple[str, ...] = ()
    family_name: str | None = None
    description: str | None = None
    country: str | None = None
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    namesakes: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()
    external_ids: tuple[tuple[str, str], ...] = ()
    prior: float = 0.5
    source: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The canonical name followed by every alias."""
        return (self.name, *self.aliases, *self.weak_aliases)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "name": self.name, "aliases": list(self.aliases)}
        if self.weak_aliases:
            out["weak_aliases"] = list(self.weak_aliases)
        for key in ("family_name", "description", "country"):
            value = getattr(self, key)
            if value:
                out[key] = value
        for key in ("tags", "related", "namesakes"):
            value = getattr(self, key)
            if value:
                out[key] = list(value)
        if self.roles:
            out["roles"] = [{k: v for k, v in vars(r).items() if v is not None} for r in self.roles]
        if self.external_ids:
            out["external_ids"] = dict(self.external_ids)
        if self.prior != 0.5:
            out["prior"] = self.prior
        return out


@dataclass(frozen=True)
class Step:
    """One rule that changed a name on its way to a comparable key."""

    rule: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.before!r} -> {self.after!r}"


class EntityFacts(NamedTuple):
    """What scoring and ranking read of each entity, as columns (by entity number): an index file
    stores them so, and no entity is made (its JSON parsed) to read them."""

    ids: Sequence[str]
    names: Sequence[str]
    types: Sequence[str]
    countries: Sequence[str | None]
    priors: Sequence[float]

    @classmethod
    def of(cls, entities: Iterable[Entity]) -> EntityFacts:
        ids: list[str] = []
        names: list[str] = []
        types: list[str] = []
        countries: list[str | None] = []
        priors = array("d")  # (numbers in one buffer: ranking reads them as an array)
        for e in entities:
            ids.append(e.id)
            names.append(e.name)
            types.append(e.type)
            countries.append(e.country)
            priors.append(e.prior)
        return cls(ids, names, types, countries, priors)


@dataclass(frozen=True)
class Comparison:
    """One comparison that contributed to a score (e.g. two name parts and their similarity)."""

    name: str
    left: str
    right: str
    score: float

    def __str__(self) -> str:
        return f"{self.name}({self.left!r}, {self.right!r}) = {self.score:.3f}"


@dataclass(frozen=True)
class Explanation:
    """Why a match was made: the alias, the rules that transformed each side, the comparisons."""

    method: str
    alias: str
    alias_kind: str
    query_key: str
    alias_key: str
    query_steps: tuple[Step, ...] = ()
    alias_steps: tuple[Step, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "alias": self.alias,
            "alias_kind": self.alias_kind,
            "query_key": self.query_key,
            "alias_key": self.alias_key,
            "query_steps": [vars(s) for s in self.query_steps],
            "alias_steps": [vars(s) for s in self.alias_steps],
            "comparisons": [vars(c) for c in self.comparisons],
            "notes": list(self.notes),
        }

    def __str__(self) -> str:
        lines = [f"matched {self.alias_kind} {self.alias!r} by {self.method}: key {self.query_key!r} ~ {self.alias_key!r}"]
        lines += [f"  query  {s}" for s in self.query_steps]
        lines += [f"  alias  {s}" for s in self.alias_steps]
        lines += [f"  score  {c}" for c in self.comparisons]
        lines += [f"  note   {n}" for n in self.notes]
        return "\n".join(lines)


@dataclass(frozen=True, init=False)
class Match:
    """A resolved name: the entity, a score in [0, 1], and how it was reached.

    ``ambiguous`` is true when another entity scored within the resolver's margin of this one;
    ``alternatives`` then lists them (best first).
    """

    id: str
    name: str
    type: str
    score: float
    query: str
    alias: str
    explain: Callable[[], Explanation] = field(repr=False, compare=False)
    ambiguous: bool = False
    alternatives: tuple[Match, ...] = field(default=())
    notes: tuple[str, ...] = field(default=(), repr=False, compare=False)  # the scoring notes, without tracing

    def __init__(
        self, id: str, name: str, type: str, score: float, query: str, alias: str, explain: Callable[[], Explanation],
        ambiguous: bool = False, alternatives: tuple[Match, ...] = (), notes: tuple[str, ...] = (),
    ) -> None:  # fmt: skip
        # the fields set at once (a frozen dataclass's own __init__ sets each through object.__setattr__,
        # at twice the cost: resolve_many makes a match or two for every name)
        self.__dict__.update(id=id, name=name, type=type, score=score, query=query, alias=alias, explain=explain,
                             ambiguous=ambiguous, alternatives=alternatives, notes=notes)  # fmt: skip

    @cached_property
    def explanation(self) -> Explanation:
        """How the match was made; computed on first use (tracing the rules costs more than matching)."""
        return self.explain()

    def to_dict(self, explain: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.query,
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "score": round(self.score, 4),
            "alias": self.alias,
            "ambiguous": self.ambiguous,
        }
        if self.alternatives:
            out["alternatives"] = [
                {"id": a.id, "name": a.name, "type": a.type, "score": round(a.score, 4), "alias": a.alias}
                for a in self.alternatives
            ]
        if explain:
            out["explanation"] = self.explanation.to_dict()
        return out
