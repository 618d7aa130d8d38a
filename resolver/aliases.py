"""From gazetteer to searchable forms: every name and alias of every entity, normalized, plus the
forms the rules derive from them (acronyms of long organization names, checked for collisions).

This is where the alias rules meet the gazetteer; queries meet the same rules in ``normalize``.
"""

from __future__ import annotations

__all__ = ["Compiled", "compile_gazetteer", "country_words"]

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import parallel
from .candidates import AliasRecord, CandidateIndex
from .errors import Problem
from .gazetteer import Gazetteer
from .model import Entity, EntityFacts
from .normalize import NameKey, Normalizer


@dataclass(frozen=True)
class Compiled:
    """A gazetteer ready for matching: its entities, the normalizer, and every searchable form."""

    gazetteer: Gazetteer
    normalizer: Normalizer
    aliases: Sequence[AliasRecord]
    acronym_collisions: tuple[Problem, ...] = ()
    index: CandidateIndex | None = None  # the candidate index over the aliases, once built (an index file stores it)
    country_words: Mapping[str, str] | None = None  # see `country_words`, once computed
    facts: EntityFacts | None = None  # the entities' facts as columns, once made (an index file stores them)


def country_words(aliases: Iterable[AliasRecord], entities: Sequence[Entity]) -> dict[str, str]:
    """The one-word names of countries, each to its country code: to recognise "Pakistan ISI"."""
    found: dict[str, str] = {}
    for rec in aliases:
        entity = entities[rec.entity]
        if "country" in entity.tags and entity.country and len(rec.tokens) == 1 and not rec.case_sensitive:
            found[rec.tokens[0]] = entity.country
    return found


_BEYOND_LATIN = re.compile("[^\u0000-\u024f\u1e00-\u1eff]")


def _latin(text: str) -> bool:
    """True when every letter of ``text`` is a Latin one (of Basic Latin to Latin Extended-B, or Latin Extended Additional)."""
    if _BEYOND_LATIN.search(text) is None:  # (most names, and all ASCII ones): no character beyond, letter or not
        return True
    return all(ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF for c in text if c.isalpha())


def is_case_sensitive(key: NameKey, normalizer: Normalizer) -> bool:
    """Short and common-word aliases ("IS", "UN", "Dawn", "The Nation") match only with their case."""
    return len("".join(key.surface)) <= 2 or (len(key.surface) == 1 and normalizer.is_common(key.surface))


def _reads_as_given_name(text: str, key: NameKey, normalizer: Normalizer) -> bool:
    """True for a one-word alias in another script whose transliteration is a person's given name
    to the rules: Dawn's Urdu name "ڈان" reads "dan", of the class of Daniel. Such an alias of an
    organization or place matches only as written, or every "Dan" and "Danny" would name it."""
    return (len(key.surface) == 1 and not _latin(text)
            and (normalizer.skeleton(key.surface[0]),) in normalizer.name_variants)  # fmt: skip


def _record(normalizer: Normalizer, e_idx: int, entity: Entity, text: str, kind: str) -> AliasRecord | None:
    # (a gazetteer's names are seen once: remembering them costs a tenth; titles are stripped from people's names only)
    key = normalizer.key(text, cache=False, titles=entity.type == "person")
    if not key.tokens:
        return None
    case_sensitive = (kind in ("weak-alias", "acronym") or is_case_sensitive(key, normalizer)
                      or (entity.type != "person" and _reads_as_given_name(text, key, normalizer)))  # fmt: skip
    family_index = None
    if entity.type == "person" and entity.family_name:
        fam = normalizer.key(entity.family_name).tokens
        if fam and fam[-1] in key.tokens:
            family_index = len(key.tokens) - 1 - key.tokens[::-1].index(fam[-1])
    return AliasRecord(e_idx, text, kind, key.tokens, key.cased, case_sensitive, family_index)


def _derived_acronyms(
    entities: Sequence[Entity], normalizer: Normalizer, records: Sequence[AliasRecord], source: str
) -> tuple[list[AliasRecord], list[Problem]]:
    """Acronyms of long organization names (Inter-Services Intelligence -> ISI), minus those that
    collide with each other or with the keys of ``records``."""
    derived: dict[str, set[int]] = {}
    for e_idx, entity in enumerate(entities):
        if entity.type != "organization":
            continue
        for text in (entity.name, *entity.aliases):
            if not _latin(text):
                continue  # acronyms are a Latin-script habit: none from "Шанхайская организация сотрудничества"
            key = normalizer.key(text, titles=False)  # ("King Abdullah University of Science and Technology": KAUST)
            acro = normalizer.acronym(key.surface) if len(key.surface) >= 3 else None
            if acro:
                derived.setdefault(acro, set()).add(e_idx)
    out: list[AliasRecord] = []
    problems: list[Problem] = []
    if not derived:
        return out, problems  # (no long organization name: no pass over the records)
    taken = {r.key for r in records}
    seen = {(r.entity, r.key) for r in records}
    for acro, owners in sorted(derived.items()):
        ids = sorted(entities[i].id for i in owners)
        if len(owners) > 1:
            problems.append(Problem(f"derived acronym '{acro.upper()}' fits {', '.join(ids)}: not used", source))
            continue
        (e_idx,) = owners
        key = normalizer.key(acro.upper())  # the acronym goes through the same rules as a query: "TTP" -> "tp"
        if (e_idx, key.key) in seen:
            continue  # already an attested alias of the same entity
        if key.key in taken:
            problems.append(Problem(f"derived acronym '{acro.upper()}' of {ids[0]} is another entity's alias: not used", source))
            continue
        out.append(AliasRecord(e_idx, acro.upper(), "acronym", key.tokens, key.cased, True))
    return out, problems


_NAMES_PER_WORKER = 50_000  # fewer names than this per worker are normalized faster than workers start


def _entity_records(normalizer: Normalizer, e_idx: int, entity: Entity) -> list[AliasRecord]:
    """The searchable forms of one entity's name, aliases and weak aliases (each distinct form once)."""
    forms = [(entity.name, "name")] + [(a, "alias") for a in entity.aliases]
    forms += [(a, "weak-alias") for a in entity.weak_aliases]
    out = []
    seen: set[tuple[tuple[str, ...], bool, tuple[str, ...]]] = set()
    for text, kind in forms:
        rec = _record(normalizer, e_idx, entity, text, kind)
        if rec is None:
            continue
        ident = (rec.tokens, rec.case_sensitive, rec.cased if rec.case_sensitive else ())  # (the key, as its parts)
        if ident not in seen:
            seen.add(ident)
            out.append(rec)
    return out


def _records_of(shared: tuple[Sequence[Entity], Normalizer], chunk: list[int]) -> list[list[tuple[Any, ...]]]:
    """In a worker process: the forms of the entities numbered ``chunk``, as plain tuples (cheap to send)."""
    entities, normalizer = shared
    return [[_as_tuple(r) for r in _entity_records(normalizer, i, entities[i])] for i in chunk]


def _as_tuple(r: AliasRecord) -> tuple[Any, ...]:
    return (r.entity, r.text, r.kind, r.tokens, r.cased, r.case_sensitive, r.family_index)


def compile_gazetteer(gazetteer: Gazetteer, normalizer: Normalizer, *, jobs: int = 0) -> Compiled:
    """Normalize every name of every entity and derive acronyms: the searchable forms of a gazetteer.

    A large gazetteer is normalized in ``jobs`` processes (0: one per core) forked from this one
    (see :mod:`resolver.parallel`); the result is the same as in one process.
    """
    entities = gazetteer.entities
    names = sum(1 + len(e.aliases) + len(e.weak_aliases) for e in entities)
    if parallel.workers(jobs, names, _NAMES_PER_WORKER) > 1:
        per_entity = parallel.map_shared((entities, normalizer), _records_of, list(range(len(entities))), jobs)
        records = [AliasRecord(*t) for forms in per_entity for t in forms]
    else:
        records = [r for e_idx, entity in enumerate(entities) for r in _entity_records(normalizer, e_idx, entity)]
    acronyms, problems = _derived_acronyms(entities, normalizer, records, gazetteer.source or "<records>")
    return Compiled(gazetteer, normalizer, tuple(records + acronyms), tuple(problems))
