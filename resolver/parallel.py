"""Batches on several cores, sharing one loaded index.

Worker processes are forked from the process that holds the resolver, so they find its index
(and its annotator) already in memory, shared copy-on-write with the parent: nothing is rebuilt,
reloaded or sent to them, and a large index is in memory once, not once per worker.
``gc.freeze()`` before the fork keeps the collector from touching (and so copying) the pages of
the objects that already exist.

Results come back pickled, without their explanations (those hold the resolver); each match gets
them again on first use, by scoring its query against its alias in the parent.

The same mechanism normalizes the names of a large gazetteer on all cores while it is built
(``compile_gazetteer``): the workers inherit the entities and the normalizer.

Forking needs a POSIX system; elsewhere (Windows) the batch runs in this process.
"""

from __future__ import annotations

__all__ = ["map_shared", "workers"]

import gc
import os
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from .model import Explanation, Match

if TYPE_CHECKING:
    from .resolver import Resolver

T = TypeVar("T")
R = TypeVar("R")

MIN_PER_WORKER = 500  # fewer items than this per worker are done faster than a pool starts (forking a 2 GB process included)
_CHUNKS_PER_WORKER = 4  # chunks per worker: uneven chunks even out, and each costs one round trip

_shared: Any = None  # what the forked workers inherit (a resolver, or a build's entities and normalizer)


def workers(jobs: int, items: int, per_worker: int | None = None) -> int:
    """How many processes to use for ``items`` items when ``jobs`` were asked for (0: one per core):
    none beyond one per ``per_worker`` items, below which a worker costs more than it saves."""
    if jobs < 0:
        raise ValueError(f"jobs must be 0 (one per core) or more, not {jobs}")
    wanted = (os.cpu_count() or 1) if jobs == 0 else jobs
    if wanted <= 1 or not hasattr(os, "fork"):
        return 1
    return max(1, min(wanted, items // (per_worker or MIN_PER_WORKER)))


def map_shared(shared: Any, fn: Callable[..., list[R]], items: Sequence[T], jobs: int, *args: Any) -> list[R]:
    """``fn(shared, chunk, *args)`` over chunks of ``items`` in forked workers; results in order.

    ``shared`` (a resolver, or what a build shares) reaches the workers by the fork, not pickled;
    matches in the results come back with explanations computed again by ``shared`` (a resolver).
    """
    import multiprocessing  # here, not at the top: a start-up of the command line never needs it
    from concurrent.futures import ProcessPoolExecutor

    global _shared
    n = workers(jobs, len(items))
    size = max(1, -(-len(items) // (n * _CHUNKS_PER_WORKER)))
    chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
    _shared = shared
    gc.freeze()
    try:
        with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(partial(_run, fn, args), chunks))
    finally:
        _shared = None
        gc.unfreeze()
    restore = partial(_restored, shared)
    return [_walk(x, restore) for part in parts for x in part]


def _run(fn: Callable[..., list[R]], args: tuple[Any, ...], chunk: list[Any]) -> list[R]:
    assert _shared is not None, "a worker runs only in a process forked by map_shared"
    return [_walk(x, _portable) for x in fn(_shared, chunk, *args)]


def _walk(value: Any, fix: Callable[[Match], Match]) -> Any:
    """``value`` (a match, or a list of mentions) with ``fix`` applied to every match in it."""
    if isinstance(value, Match):
        return fix(value)
    if isinstance(value, list):
        for item in value:
            match = getattr(item, "match", None)
            if isinstance(match, Match):
                item.match = fix(match)
    return value


def _unexplained() -> Explanation:
    raise RuntimeError("a match sent from a worker process is explained again by map_shared")


# A match is frozen for its users; here, on its way between processes, its ``explain`` is swapped in
# place (a new object per match would cost more than the matching saved): the worker's copies are
# thrown away with the worker, and the parent's are fresh from unpickling.
def _portable(m: Match) -> Match:
    object.__setattr__(m, "explain", _unexplained)
    for a in m.alternatives:
        _portable(a)
    return m


def _restored(resolver: Resolver, m: Match) -> Match:
    object.__setattr__(m, "explain", partial(resolver._explain_again, m))
    for a in m.alternatives:
        _restored(resolver, a)
    return m
