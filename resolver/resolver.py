"""The :class:`Resolver`: names in, stable entity IDs out.

Data flows one way: a name is normalized (``normalize``), candidate aliases are looked up
(``candidates``), each is scored (``scoring``), and the best entity above the threshold is
returned as a :class:`~resolver.model.Match` that explains itself.
"""

from __future__ import annotations

__all__ = ["DEFAULT_MARGIN", "DEFAULT_THRESHOLD", "Resolver"]

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rapidfuzz import process
from rapidfuzz.distance import Indel

from . import gcpause
from .aliases import Compiled, compile_gazetteer, country_words, is_case_sensitive
from .candidates import AliasRecord, CandidateIndex, round_each, strings_at
from .compiled import compact, is_index_file, load_default, load_index, save_index
from .errors import Problem, ResolverError
from .gazetteer import Gazetteer, default_gazetteer_dir, gazetteer_from_records, load_gazetteer
from .gcpause import gc_paused
from .model import Comparison, Entity, EntityFacts, Explanation, Match
from .normalize import NameKey, Normalizer, default_normalizer
from .rules import RuleSet, load_rules
from .scoring import METHOD, Scored, compare, compare_many, notes_of
from .scoring import clear_caches as clear_scoring_caches

if TYPE_CHECKING:
    from .annotate import Annotator, Mention

DEFAULT_THRESHOLD = 0.8
DEFAULT_MARGIN = 0.05
_ACRONYM_SCORE = 0.95
_CASE_SENSITIVE_SCORE = 0.95
_CANDIDATES = 5  # aliases the index proposes for scoring, by default
_CHUNK = 2000  # names whose candidates resolve_many looks up together
_MANY = 32  # from this many names on, resolve_many looks up their candidates together, whatever the table


def _case_ok(query: tuple[str, ...], alias: tuple[str, ...]) -> bool:
    """A case-sensitive alias matches its own case, or an all-capitals query."""
    if query == alias:
        return True
    joined = "".join(query)
    return joined.isupper() and [t.upper() for t in alias] == list(query)


def _as_spelled(cased: tuple[str, ...], tokens: tuple[str, ...]) -> tuple[str, ...] | None:
    """The parts as spelled (lower case), when the rules rewrote them but kept their number; else None.

    An alias is also compared as spelled ("aleksandr" for "alexander", "stinbergen" for "steenbergen"),
    so that a misspelling is compared with the spelling it misspells."""
    spelled = tuple(map(str.lower, cased))
    return spelled if len(spelled) == len(tokens) and spelled != tokens else None


def _rank(qk: NameKey, rec: AliasRecord, alt: tuple[str, ...] | None, score: float) -> tuple[float, float, bool]:
    """How an alias that scored ``score`` for a query ranks (``alt``: its parts as spelled, see
    `_as_spelled`). Equal scores are told apart by the likeness of the names as written ("Jacob
    Clarke" is nearer "Jacob Clarke" than "Jake Clarke", which its equivalence class makes equal),
    then by matching an entity's own name rather than an alias ("Fengcheng" the city, before a city
    once called Fengcheng; "Islamabad" the capital, before Chattogram, once called Islamabad), and
    after these by the gazetteer's prior (see `Resolver._sorted`)."""
    return round(score, 6), Indel.normalized_similarity(" ".join(qk.surface), " ".join(alt or rec.tokens)), rec.kind == "name"


def _better_reading(readings: list[NameKey], ranked: list[list[Any]]) -> tuple[NameKey, list[Any]]:
    """Of a name's two readings, with its titles stripped and read whole ("General Asim Munir" is a
    general, "General Motors" a company), the one whose best entity scores higher, with its ranked
    entities. Of equals, the name read whole: it is what the text says ("Prince George", the city,
    before a place called George)."""
    first, whole = ranked
    better = whole and (not first or whole[0][0] >= first[0][0])
    return (readings[1], whole) if better else (readings[0], first)


def _spelled_each(
    numbers: list[int], written: list[tuple[str, ...] | None], parts: list[tuple[str, ...]]
) -> tuple[list[tuple[str, ...] | None], list[str]]:  # fmt: skip
    """For pairs of aliases ``numbers`` (``written``: their parts as written, None where that is the
    key), each alias's `_as_spelled` and its parts as spelled joined by spaces: made once per alias,
    however many queries it is a candidate of."""
    done: dict[int, tuple[tuple[str, ...] | None, str]] = {}
    for n, w, p in zip(numbers, written, parts, strict=True):
        if n not in done:
            spelled = None if w is None else _as_spelled(w, p)
            done[n] = (spelled, " ".join(spelled or p))
    spelled_text = [done[n] for n in numbers]
    return [s for s, _ in spelled_text], [t for _, t in spelled_text]


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
        jobs: int = 0,
    ) -> None:
        if not 0.0 <= threshold <= 1.0:
            raise ResolverError(f"threshold must be between 0 and 1, not {threshold}")
        with gc_paused():
            if rules is None and rules_dir is not None:
                rules = load_rules([rules_dir])
            if gazetteer is None and rules is None:
                built = load_default()  # the embedded gazetteer, from the compiled cache when it is fresh
            else:
                normalizer = Normalizer(rules) if rules is not None else default_normalizer()
                gaz = gazetteer if gazetteer is not None else load_gazetteer(default_gazetteer_dir())
                built = compile_gazetteer(gaz, normalizer, jobs=jobs)
                index = CandidateIndex(built.aliases, jobs=jobs)  # (and the country words, from the records, before `compact`)
                built = replace(built, index=index, country_words=country_words(built.aliases, gaz.entities))
                if index.large:  # hundreds of thousands of forms: kept as an index file keeps them (see `compact`)
                    built = compact(built)
            self._setup(built, threshold, margin, jobs)

    def _setup(self, built: Compiled, threshold: float, margin: float, jobs: int = 0) -> None:
        # a loaded index file brings its candidate index and country words: nothing here loops over every alias
        self.index = built.index if built.index is not None else CandidateIndex(built.aliases, jobs=jobs)
        self.normalizer = built.normalizer
        self.gazetteer = built.gazetteer
        self.threshold = threshold
        self.margin = margin
        self.entities: Sequence[Entity] = self.gazetteer.entities
        self.acronym_collisions: list[Problem] = list(built.acronym_collisions)
        self._annotator: Annotator | None = None
        self._country_words: Mapping[str, str] = (
            built.country_words if built.country_words is not None else country_words(built.aliases, self.entities)
        )
        self._facts = built.facts if built.facts is not None else EntityFacts.of(self.entities)
        self._priors: Any = None  # the priors as an array, once needed
        self.compiled = replace(built, index=self.index, country_words=self._country_words, facts=self._facts)  # saved with the index

    def _own_country_words(self, tokens: tuple[str, ...], e_idx: int) -> set[str]:
        country = self._facts.countries[e_idx]
        if not country or self._facts.types[e_idx] == "location" or len(tokens) < 2:
            return set()
        own = {t for t in tokens if self._country_words.get(t) == country}
        return own if len(own) < len(tokens) else set()

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def from_path(cls, path: str | Path, **options: Any) -> Resolver:
        """A resolver over a gazetteer folder (the project's TOML format), a JSON Lines file, or a compiled index."""
        if is_index_file(path) or str(path).endswith(".rindex"):
            if options.pop("rules_dir", None) or options.pop("rules", None):
                raise ResolverError(f"{path}: a compiled index carries its own rules; rebuild it to change them")
            self = cls.__new__(cls)
            with gc_paused():
                self._setup(load_index(path), options.get("threshold", DEFAULT_THRESHOLD), options.get("margin", DEFAULT_MARGIN))
            return self
        with gc_paused():
            gazetteer = load_gazetteer(path)
        return cls(gazetteer, **options)

    def save_index(self, path: str | Path) -> None:
        """Write this resolver's compiled index to ``path`` (atomically); load it with :meth:`from_path`."""
        save_index(self.compiled, path)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]], **options: Any) -> Resolver:
        """A resolver over dicts with ``id``, ``name``, ``type`` and ``aliases``."""
        with gc_paused():
            gazetteer = gazetteer_from_records(records)
        return cls(gazetteer, **options)

    # -- lookups -----------------------------------------------------------------------------------
    @property
    def facts(self) -> EntityFacts:
        """Each entity's ID, name, type, country and prior, as columns by entity number (read without
        making the entities: a loaded index parses an entity's JSON only when it is asked for)."""
        return self._facts

    def get(self, entity_id: str) -> Entity | None:
        """The entity with this ID (following redirects of retired IDs), or None."""
        return self.gazetteer.get(entity_id)

    def __len__(self) -> int:
        return len(self.entities)

    def _scored(self, name: str, limit: int = 50, titled: bool = False) -> tuple[NameKey, list[tuple[float, int, AliasRecord, Any]]]:
        """(the reading of ``name``, its entities ranked): see `_better_reading`."""
        readings = [self.normalizer.key(name)]
        if readings[0].titled:
            readings.append(self.normalizer.key(name, titles=False))
        ranked = []
        for qk in readings:
            q_alt = _as_spelled(qk.surface, qk.tokens)
            ranked.append(self._ranked(qk, q_alt, self.index.lookup(qk.tokens, limit, q_alt), titled))
        return _better_reading(readings, ranked) if len(readings) > 1 else (readings[0], ranked[0])

    def _ranked(
        self, qk: NameKey, q_alt: tuple[str, ...] | None, found: Iterable[int], titled: bool = False
    ) -> list[tuple[float, int, AliasRecord, Any]]:
        """The entities of the aliases ``found`` for a query, scored, best first."""
        # "is", "un", "dawn": only a same-case alias will do; but after a title ("Director Burns") a
        # common word of three letters or more is a name
        weak_query = is_case_sensitive(qk, self.normalizer) and not (titled and len("".join(qk.surface)) > 2)
        best: dict[int, tuple[float, Any, Any]] = {}
        order: dict[int, tuple[float, float, bool]] = {}  # entity -> (score, likeness as written, by its own name)
        for a_idx in found:
            self._keep(best, order, *self._rank_alias(qk, q_alt, self.index.aliases[a_idx], weak_query))
        return self._sorted(best, order)

    def _rank_alias(
        self, qk: NameKey, q_alt: tuple[str, ...] | None, rec: AliasRecord, weak_query: bool
    ) -> tuple[int, tuple[float, AliasRecord, Any], tuple[float, float, bool]] | tuple[None, None, None]:
        """(entity, (score, record, detail), rank) of one alias for a query; Nones when case rules it out."""
        if weak_query and not rec.case_sensitive and rec.cased != qk.cased:
            return None, None, None
        alt = _as_spelled(rec.cased, rec.tokens)
        scored = self._score_alias(qk, q_alt, rec, alt)
        if scored is None:
            return None, None, None
        return rec.entity, (scored[0], rec, scored[1:]), _rank(qk, rec, alt, scored[0])

    @staticmethod
    def _keep(
        best: dict[int, tuple[float, Any, Any]], order: dict[int, tuple[float, float, bool]], entity: int | None,
        scored: tuple[float, Any, Any] | None, rank: tuple[float, float, bool] | None,
    ) -> None:  # fmt: skip
        """Keep ``scored`` as ``entity``'s best alias if its ``rank`` is higher than the one kept (the first of equals)."""
        if entity is not None and scored is not None and rank is not None and (entity not in order or rank > order[entity]):
            best[entity], order[entity] = scored, rank

    def _score_alias(
        self, qk: NameKey, q_alt: tuple[str, ...] | None, rec: AliasRecord, alt: tuple[str, ...] | None
    ) -> tuple[float, Any, tuple[str, ...]] | None:
        """(score, comparisons, notes) of a query against one alias (``alt``: its parts as spelled, see
        `_as_spelled`); None when case rules it out."""
        if rec.case_sensitive:
            if rec.tokens != qk.tokens or not _case_ok(qk.cased, rec.cased):
                return None
            value = _ACRONYM_SCORE if rec.kind == "acronym" else _CASE_SENSITIVE_SCORE
            detail = (Comparison("key:equal-with-case", " ".join(qk.cased), rec.text, value),)
            return value, detail, (f"{rec.kind} '{rec.text}' matches only with its case",)
        kind = self._facts.types[rec.entity]
        person = kind == "person"
        light = self.normalizer.legal_forms if kind == "organization" else frozenset()
        s = compare(qk.tokens, rec.tokens, person=person, family_index=rec.family_index, alt=alt, q_alt=q_alt, light=light)
        own = self._own_country_words(qk.tokens, rec.entity)
        if own and s.score < 1.0:  # "Pakistan ISI", "Russia's SVR": the entity's own country qualifies it
            rest = tuple(t for t in qk.tokens if t not in own)
            s2 = compare(rest, rec.tokens, person=person, family_index=rec.family_index, alt=alt, light=light)
            if s2.score > s.score:
                note = f"'{' '.join(sorted(own))}' names the entity's own country ({self._facts.countries[rec.entity]}): set aside"
                s = Scored(s2.score, s2.pairs, (*s2.notes, note), s2.whole)
        return s.score, s, s.notes

    def _explain_again(self, m: Match) -> Explanation:
        """The explanation of a match made in another process (explanations are not sent between
        processes): the query is scored again against the alias that matched, here."""
        rec = self._alias_of(m.id, m.alias)
        qk = self._reading_of(m.query, rec)
        if rec.case_sensitive and not m.notes:  # found by a text scan: see exact_match
            scored: tuple[float, Any, tuple[str, ...]] | None = (m.score, (Comparison("key:equal", qk.key, rec.key, m.score),), ())
        else:
            scored = self._score_alias(qk, _as_spelled(qk.surface, qk.tokens), rec, _as_spelled(rec.cased, rec.tokens))
        _, detail, notes = scored if scored is not None else (m.score, (), ())
        if m.ambiguous:
            ids = ", ".join(a.id for a in m.alternatives)
            notes = (*notes, f"ambiguous: {ids} scored within {self.margin} of the best")
        return self._explain(m.query, qk, rec, (detail, notes))

    def _alias_of(self, entity_id: str, text: str) -> AliasRecord:
        """The first alias of ``entity_id`` written ``text``, found among the aliases of its key (a
        person's, titles stripped; another's, read whole)."""
        for titles in (True, False):
            for a_idx in self.index.exact.get(self.normalizer.key(text, titles=titles).key, ()):
                rec = self.index.aliases[a_idx]
                if rec.text == text and self._facts.ids[rec.entity] == entity_id:
                    return rec
        raise KeyError((entity_id, text))

    def _reading_of(self, name: str, rec: AliasRecord) -> NameKey:
        """The reading of ``name`` (see `_better_reading`) under which it matches the alias ``rec`` best."""
        qk = self.normalizer.key(name)
        if not qk.titled:
            return qk
        whole = self.normalizer.key(name, titles=False)
        score = [self._score_alias(k, _as_spelled(k.surface, k.tokens), rec, _as_spelled(rec.cased, rec.tokens)) for k in (qk, whole)]
        return whole if score[1] is not None and (score[0] is None or score[1][0] >= score[0][0]) else qk

    def _match(self, name: str, qk: NameKey, score: float, e_idx: int, alias: AliasRecord | int, detail: Any) -> Match:
        facts = self._facts
        if isinstance(alias, int):
            # scored together with others (`_ranked_together`): it comes as its number, with the bits of
            # its notes (and the family name's similarity) or None; its record and comparisons are made
            # when it is explained
            number = alias

            def again() -> Explanation:
                rec = self.index.aliases[number]
                scored = self._score_alias(qk, _as_spelled(qk.surface, qk.tokens), rec, _as_spelled(rec.cased, rec.tokens))
                return self._explain(name, qk, rec, scored[1:] if scored is not None else ((), ()))

            return Match(facts.ids[e_idx], facts.names[e_idx], facts.types[e_idx], round(score, 6), name,
                         self.index.alias_text(number), again, notes=notes_of(*detail) if detail else ())  # fmt: skip
        rec = alias
        return Match(facts.ids[e_idx], facts.names[e_idx], facts.types[e_idx], round(score, 6), name, rec.text,
                     lambda: self._explain(name, qk, rec, detail), notes=tuple(detail[1]))  # fmt: skip

    def _explain(self, name: str, qk: NameKey, rec: AliasRecord, detail: Any) -> Explanation:
        comparisons, notes = detail
        if isinstance(comparisons, Scored):
            comparisons = comparisons.comparisons
        q_traced = self.normalizer.key(name, trace=True, titles=qk.titled or not self.normalizer.key(name).titled)
        a_traced = self.normalizer.key(rec.text, trace=True, titles=self._facts.types[rec.entity] == "person") if rec.kind != "acronym" else None
        if rec.kind == "acronym":
            notes = (*notes, "acronym derived from the organization's name")
        return Explanation(
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

    def exact_match(self, text: str, alias_ids: Sequence[int]) -> Match | None:
        """The match for ``text`` found verbatim as the searchable forms ``alias_ids`` (by a text scan):
        no candidate search or scoring is needed, only the choice between entities sharing the form."""
        qk = self.normalizer.key(text)
        recs = [self.index.aliases[a_idx] for a_idx in alias_ids]  # (a loaded index makes a record per access: once each)
        if qk.titled and any(rec.key != qk.key for rec in recs):  # an organization's or a place's: read whole
            qk = self.normalizer.key(text, titles=False)
        best: dict[int, tuple[float, Any, Any]] = {}
        order: dict[int, tuple[float, float, bool]] = {}
        for rec in recs:
            value = _ACRONYM_SCORE if rec.kind == "acronym" else _CASE_SENSITIVE_SCORE if rec.case_sensitive else 1.0
            detail = ((Comparison("key:equal", qk.key, rec.key, value),), ())
            self._keep(best, order, rec.entity, (value, rec, detail), _rank(qk, rec, _as_spelled(rec.cased, rec.tokens), value))
        if not best:
            return None
        return self._decide(text, qk, self._sorted(best, order), self.threshold)  # (ranked as `resolve` ranks)

    def candidates(self, name: str, k: int = 5) -> list[Match]:
        """The ``k`` best entities for ``name`` with their scores, best first, whatever the threshold."""
        if k <= 0:
            return []
        qk, ranked = self._scored(name, limit=max(50, 4 * k))
        return [self._match(name, qk, *item) for item in ranked[:k] if item[0] > 0]

    def resolve(
        self, name: str, *, threshold: float | None = None, candidates: int = _CANDIDATES, titled: bool = False
    ) -> Match | None:
        """The entity ``name`` refers to, or None when no entity scores at least the threshold.

        When other entities score within ``margin`` of the best, the match is ``ambiguous`` and
        lists them in ``alternatives``. ``candidates`` bounds how many aliases the index proposes
        for scoring (best first). ``titled``: the name stood after a title in its text ("Director
        Burns"), so a one-word name that is also a common English word ("burns") is read as a name
        and not only matched with an alias of the same case.
        """
        limit = self.threshold if threshold is None else threshold
        qk, ranked = self._scored(name, candidates, titled)
        return self._decide(name, qk, ranked, limit)

    def _decide(self, name: str, qk: NameKey, ranked: list[tuple[float, int, AliasRecord, Any]], limit: float) -> Match | None:
        """The best of ``ranked`` if it reaches ``limit``, marked ambiguous when others come within the margin."""
        if not ranked or ranked[0][0] < limit:
            return None
        top = self._match(name, qk, *ranked[0])
        close = [item for item in ranked[1:] if item[0] >= limit and item[0] >= ranked[0][0] - self.margin]
        if not close:
            return top
        alternatives = tuple(self._match(name, qk, *item) for item in close)
        note = f"ambiguous: {', '.join(a.id for a in alternatives)} scored within {self.margin} of the best"

        def explain() -> Explanation:
            return replace(top.explanation, notes=(*top.explanation.notes, note))

        return Match(top.id, top.name, top.type, top.score, top.query, top.alias, explain, True, alternatives, top.notes)

    def resolve_many(
        self, names: Sequence[str] | Iterable[str], *, threshold: float | None = None, jobs: int = 1,
        candidates: int = _CANDIDATES,
    ) -> list[Match | None]:  # fmt: skip
        """:meth:`resolve` for many names, in the same order; each distinct name is resolved once
        (``threshold`` and ``candidates`` as for :meth:`resolve`).

        ``jobs`` > 1 (0: one per core) resolves them in that many processes forked from this one, which
        share this resolver's index in memory instead of loading their own (see :mod:`resolver.parallel`).
        """
        paused = gcpause.pause()
        try:
            from . import parallel

            names = list(names)
            distinct = list(dict.fromkeys(names))
            if parallel.workers(jobs, len(distinct)) > 1:
                found = parallel.map_shared(self, _resolve_chunk, distinct, jobs, threshold, candidates)
            else:
                found = self._resolve_all(distinct, threshold, candidates)
            done = dict(zip(distinct, found, strict=True))
            return [done[name] for name in names]
        finally:
            gcpause.resume(paused)

    def _resolve_all(self, names: Sequence[str], threshold: float | None, candidates: int = _CANDIDATES) -> list[Match | None]:
        """:meth:`resolve` of each name; the candidates of many names (or of any over a large table)
        are looked up together, a chunk at a time (`CandidateIndex.lookup_many`: the same candidates,
        found faster), and scored together where `_ranked_together` can."""
        if len(names) < _MANY and not self.index.large:
            return [self.resolve(name, threshold=threshold, candidates=candidates) for name in names]
        limit = self.threshold if threshold is None else threshold
        out: list[Match | None] = []
        for start in range(0, len(names), _CHUNK):
            chunk = names[start : start + _CHUNK]
            keys = [self.normalizer.key(name) for name in chunk]
            titled = [q for q, qk in enumerate(keys) if qk.titled]  # (and their names read whole, after the others)
            readings = keys + [self.normalizer.key(chunk[q], titles=False) for q in titled]
            alts = [_as_spelled(qk.surface, qk.tokens) for qk in readings]
            found = self.index.lookup_many([(qk.tokens, alt) for qk, alt in zip(readings, alts, strict=True)], candidates)
            ranked = self._ranked_together(readings, alts, found)
            for q, whole in zip(titled, range(len(keys), len(readings)), strict=True):
                keys[q], ranked[q] = _better_reading([keys[q], readings[whole]], [ranked[q], ranked[whole]])
            out += [self._decide(name, qk, r, limit) for name, qk, r in zip(chunk, keys, ranked[: len(keys)], strict=True)]
        return out

    def _ranked_together(
        self, keys: list[NameKey], alts: list[tuple[str, ...] | None], found: list[list[int]]
    ) -> list[list[tuple[float, int, Any, Any]]]:
        """`_ranked` of many queries, their pairs scored together over arrays: every pair without a case
        rule by `compare_many`, without making the alias's record; its comparisons are made only if
        its match is explained. The few pairs with case rules, or of a query naming a country, are
        scored as `_ranked` scores them."""
        import numpy as np

        owner = np.repeat(np.arange(len(keys)), [len(ids) for ids in found])
        ids = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=len(owner))
        batch = self.index.alias_columns(np, ids)
        entity, case, is_name = batch.entity, batch.case_sensitive, batch.is_name
        types = self._facts.types
        weak = [is_case_sensitive(qk, self.normalizer) for qk in keys]  # see `_ranked`
        person = np.array([types[e] == "person" for e in entity.tolist()], dtype=bool)
        score = np.zeros(len(ids))
        written = np.zeros(len(ids))
        # every pair without a case rule (of a query that names no country, see `_score_alias`) is scored
        # with `compare_many`: the same as `compare`, for all pairs at once
        country = [len(qk.tokens) > 1 and any(t in self._country_words for t in qk.tokens) for qk in keys]
        plain = np.array([not w and not c for w, c in zip(weak, country, strict=True)], dtype=bool)
        rest = np.flatnonzero(~case & batch.whole & plain[owner])
        fit = np.zeros(len(ids), dtype=bool)
        detail: list[Any] = [None] * len(ids)
        if len(rest):
            parts, as_written = batch.parts(rest.tolist())
            spelled_as, alias_text = _spelled_each(ids[rest].tolist(), as_written, parts)
            of_query = owner[rest]
            asked = of_query.tolist()
            value, flags, family = compare_many(
                np, [keys[q].tokens for q in asked], parts, person[rest].tolist(),
                [None if f < 0 else f for f in batch.family[rest].tolist()], spelled_as, [alts[q] for q in asked],
                self.normalizer.legal_forms, [types[e] == "organization" for e in entity[rest].tolist()])  # fmt: skip
            score[rest] = value
            surface = np.array([" ".join(qk.surface) for qk in keys], dtype=object)
            written[rest] = process.cpdist(surface[of_query].tolist(), alias_text, scorer=Indel.normalized_similarity, dtype=np.float64)
            noted = np.flatnonzero(flags)  # (the others' detail stays None)
            for k, bits, fam in zip(rest[noted].tolist(), flags[noted].tolist(), family[noted].tolist(), strict=True):
                detail[k] = (bits, fam)
            fit[rest] = True
        # a query whose every pair was scored here is ranked here too; the others as `_ranked` ranks them
        rounded = round_each(np, score, 6)  # (as `_rank_alias` rounds)
        out = self._ranked_on_arrays(np, len(keys), owner, ids, entity, score, rounded, written, is_name, detail,
                                     np.bincount(owner, ~fit, len(keys)) == 0)  # fmt: skip
        at = np.concatenate(([0], np.cumsum([len(f) for f in found]))).tolist()
        for q, qk in enumerate(keys):
            if out[q] is not None:
                continue
            best: dict[int, tuple[float, Any, Any]] = {}
            order: dict[int, tuple[float, float, bool]] = {}
            for k in range(at[q], at[q + 1]):
                if fit[k]:  # (the alias as its number, its notes as bits: see `_match`)
                    self._keep(best, order, int(entity[k]), (score[k].item(), int(ids[k]), detail[k]),
                               (rounded[k].item(), written[k].item(), bool(is_name[k])))  # fmt: skip
                else:
                    self._keep(best, order, *self._rank_alias(qk, alts[q], self.index.aliases[int(ids[k])], weak[q]))
            out[q] = self._sorted(best, order)
        return cast(list[list[tuple[float, int, Any, Any]]], out)

    def _ranked_on_arrays(
        self, np: Any, n: int, owner: Any, ids: Any, entity: Any, score: Any, rounded: Any, written: Any, is_name: Any,
        detail: list[Any], clean: Any,
    ) -> list[list[tuple[float, int, Any, Any]] | None]:  # fmt: skip
        """`_keep` and `_sorted` of the pairs of the ``clean`` queries, over arrays: each entity's best
        alias (the highest rank, the first of equals), the entities by rank, prior and ID. None for
        the other queries."""
        out: list[list[tuple[float, int, Any, Any]] | None] = [None] * n
        rows = np.flatnonzero(clean[owner])
        if not len(rows):
            return out
        rows = rows[np.lexsort((~is_name[rows], -written[rows], -rounded[rows], entity[rows], owner[rows]))]  # (stable)
        query, ent = owner[rows], entity[rows]
        best = rows[np.concatenate(([True], (query[1:] != query[:-1]) | (ent[1:] != ent[:-1])))]
        prior = self._prior_column(np)[entity[best]]
        order = np.lexsort((-prior, ~is_name[best], -written[best], -rounded[best], owner[best]))
        best, prior = best[order], prior[order]
        query, r, w, own = owner[best], rounded[best], written[best], is_name[best]
        tied = (query[1:] == query[:-1]) & (r[1:] == r[:-1]) & (w[1:] == w[:-1]) & (own[1:] == own[:-1]) & (prior[1:] == prior[:-1])
        if tied.any():  # entities equal in all but their IDs: in the order of their IDs, as `_sorted` puts them
            order = np.lexsort((np.array(strings_at(np, self._facts.ids, entity[best])), -prior, ~own, -w, -r, query))
            best = best[order]
        items = list(zip(score[best].tolist(), entity[best].tolist(), ids[best].tolist(), [detail[k] for k in best.tolist()], strict=True))
        bounds = np.searchsorted(owner[best], np.arange(n + 1)).tolist()
        for q in np.flatnonzero(clean).tolist():
            out[q] = items[bounds[q] : bounds[q + 1]]
        return out

    def _prior_column(self, np: Any) -> Any:
        """The entities' priors as an array (made once; a view of the column where they are one)."""
        if self._priors is None:
            priors = self._facts.priors
            self._priors = np.frombuffer(priors, dtype=np.float64) if isinstance(priors, (array, memoryview)) and len(priors) else np.asarray(priors, dtype=np.float64)
        return self._priors

    def _sorted(
        self, best: dict[int, tuple[float, Any, Any]], order: dict[int, tuple[float, float, bool]]
    ) -> list[tuple[float, int, Any, Any]]:
        """The entities of ``best`` by their ranks in ``order``, then by prior and ID."""
        if len(best) == 1:
            return [(score, e, rec, detail) for e, (score, rec, detail) in best.items()]
        priors, entity_ids = self._facts.priors, self._facts.ids

        def key(t: tuple[float, int, Any, Any]) -> tuple[float, float, bool, float, str]:
            score, like, own_name = order[t[1]]
            return -score, -like, not own_name, -priors[t[1]], entity_ids[t[1]]

        return sorted(((score, e, rec, detail) for e, (score, rec, detail) in best.items()), key=key)

    @property
    def annotator(self) -> Annotator:
        """The text annotator of this resolver, built on first use (its automaton takes a moment)."""
        if self._annotator is None:
            from .annotate import Annotator

            self._annotator = Annotator(self)
        return self._annotator

    def annotate(self, text: str, *, unresolved: bool = False) -> list[Mention]:
        """Every mention of a gazetteer entity in ``text``, in document order, resolved in context.

        With ``unresolved``, name-like spans that match no entity are included with ``id=None``.
        """
        return self.annotator.annotate(text, unresolved=unresolved)

    def annotate_many(self, texts: Iterable[str], *, unresolved: bool = False, jobs: int = 1) -> list[list[Mention]]:
        """:meth:`annotate` for many texts, in the same order; ``jobs`` as in :meth:`resolve_many`."""
        from . import parallel

        texts = list(texts)
        annotator = self.annotator  # built before the workers are forked, so that they share it
        if parallel.workers(jobs, len(texts)) > 1:
            return parallel.map_shared(self, _annotate_chunk, texts, jobs, unresolved)
        return [annotator.annotate(t, unresolved=unresolved) for t in texts]

    def clear_caches(self) -> None:
        """Forget what was memoized: name keys, part skeletons, Metaphone codes, part similarities
        and the texts of notes (shared by every resolver), and the annotator's caches. Frees memory
        after a large batch; benchmarks call it so that a run starts cold."""
        self.normalizer.clear_caches()
        clear_scoring_caches()
        self._annotator = None

    def similarity(self, a: str, b: str, *, person: bool = True) -> float:
        """Symmetric similarity of two names in [0, 1]: the mean of scoring each against the other."""
        ka, kb = self.normalizer.key(a), self.normalizer.key(b)
        light = frozenset() if person else self.normalizer.legal_forms
        return (compare(ka.tokens, kb.tokens, person=person, light=light).score + compare(kb.tokens, ka.tokens, person=person, light=light).score) / 2


def _resolve_chunk(r: Resolver, names: list[str], threshold: float | None, candidates: int) -> list[Match | None]:
    return r._resolve_all(names, threshold, candidates)


def _annotate_chunk(r: Resolver, texts: list[str], unresolved: bool) -> list[list[Mention]]:
    return [r.annotator.annotate(t, unresolved=unresolved) for t in texts]
