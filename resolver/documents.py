"""Documents: finding text files among paths, reading them, and running a task over each in order.

:func:`find_sources` turns command-line paths (files, folders searched recursively with glob
patterns, ``-`` for stdin) into :class:`Source` items. :func:`run` reads and decodes each source and
calls a task with a :class:`~resolver.Resolver` and the :class:`Document`, serially or in worker
processes, and yields one :class:`Outcome` per source, in input order, whatever happened to it: a
file that cannot be read, is binary or undecodable, makes the task fail or kills its worker process
is ``failed`` or ``skipped`` with a message, and the others go on.

>>> outcomes = run(
...     [Source.stdin()], lambda r, doc: [m.id for m in r.annotate(doc.text)],
...     data={"-": "ISI and Daesh".encode()},
... )
>>> [(o.status, o.value) for o in outcomes]
[('done', ['isi', 'islamic-state'])]
"""

from __future__ import annotations

__all__ = ["Document", "Outcome", "ReadOptions", "ResolverSpec", "Source", "Summary", "find_sources", "run"]

import fnmatch
import gc
import multiprocessing
import os
import signal
import traceback
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from .errors import BinaryFileError, DecodeError, InputError, ResolverError
from .textio import MAX_TEXT_BYTES, DecodedText, Errors, check_encoding, decode, read_bytes, read_text_bytes

if TYPE_CHECKING:
    from .resolver import Resolver

R = TypeVar("R")
Status = Literal["done", "skipped", "failed"]
DEFAULT_GLOB = "*.txt"
#: A document larger than this fails ("larger than ... bytes") instead of being read into memory.
MAX_DOCUMENT_BYTES = MAX_TEXT_BYTES


@dataclass(frozen=True)
class Source:
    """One input: a file named on the command line, a file found in a folder, or stdin."""

    label: str  # the path as the user wrote it (joined with the path inside a folder); "-" for stdin
    rel: str  # the path to mirror in an output folder: inside its folder, or the file's name
    in_folder: bool = False  # found by searching a folder: binary or undecodable files are skipped, not failed

    @classmethod
    def stdin(cls) -> Source:
        return cls("-", "-")

    @property
    def is_stdin(self) -> bool:
        return self.label == "-"


def find_sources(paths: Iterable[str], globs: Sequence[str] = (DEFAULT_GLOB,)) -> tuple[list[Source], list[InputError]]:
    """The inputs named by ``paths``, and one :class:`InputError` per path that does not exist.

    A folder is searched recursively for files whose name matches one of ``globs`` (a pattern with a
    ``/`` is matched against the path inside the folder), in sorted order; hidden files and folders
    (``.name``) are left out. A file named explicitly is taken whatever its name. ``-`` is stdin.
    """
    sources: list[Source] = []
    missing: list[InputError] = []
    for path in paths:
        if path == "-":
            sources.append(Source.stdin())
        elif os.path.isdir(path):
            sources += _walk(path, globs)
        elif os.path.exists(path):
            sources.append(Source(path, os.path.basename(path)))
        else:
            missing.append(InputError("no such file or folder", path))
    return sources, missing


def _walk(folder: str, globs: Sequence[str]) -> list[Source]:
    found: list[Source] = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            rel = Path(os.path.relpath(os.path.join(root, name), folder)).as_posix()
            if any(fnmatch.fnmatchcase(rel if "/" in g else name, g) for g in globs):
                found.append(Source(os.path.join(folder, rel), rel, in_folder=True))
    return sorted(found, key=lambda s: s.rel)


@dataclass(frozen=True)
class ReadOptions:
    """How bytes become text: the encoding (a BOM overrides it) and what to do with undecodable bytes.

    ``errors``: ``strict`` (the file fails, naming the byte offset), ``replace`` (U+FFFD, or the
    bytes carried through unchanged when ``keep_bytes`` is set, for rewriting files) or ``skip-file``
    (the file is skipped with a warning).
    """

    encoding: str = "utf-8"
    errors: Literal["strict", "replace", "skip-file"] = "strict"
    keep_bytes: bool = False

    def __post_init__(self) -> None:
        check_encoding(self.encoding)

    def decode(self, data: bytes, label: str) -> DecodedText:
        errors: Errors = "strict" if self.errors != "replace" else "keep" if self.keep_bytes else "replace"
        return decode(data, label=label, encoding=self.encoding, errors=errors)


@dataclass(frozen=True)
class Document:
    """A source read and decoded: its ``raw`` bytes, the ``text`` the annotator sees, and ``encode`` to get bytes back."""

    source: Source
    raw: bytes
    decoded: DecodedText

    @property
    def text(self) -> str:
        return self.decoded.text

    def encode(self, text: str) -> bytes:
        return self.decoded.encode(text)


@dataclass(frozen=True)
class Outcome(Generic[R]):
    """What happened to one source: ``done`` with the task's value, or ``skipped`` / ``failed`` with why."""

    source: Source
    status: Status
    value: R | None = None
    message: str | None = None  # one line, starting with the source's label
    detail: str | None = None  # a traceback, for an unexpected error


@dataclass
class Summary:
    """Counts of outcomes; ``exit_code`` is 0 when every source was done, else 1."""

    done: int = 0
    skipped: int = 0
    failed: int = 0

    def add(self, outcome: Outcome[Any]) -> None:
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)

    @property
    def total(self) -> int:
        return self.done + self.skipped + self.failed

    @property
    def exit_code(self) -> int:
        return 0 if self.skipped == self.failed == 0 else 1

    def __str__(self) -> str:
        return f"{self.done} file{'' if self.done == 1 else 's'} done, {self.skipped} skipped, {self.failed} failed"


@dataclass(frozen=True)
class ResolverSpec:
    """How to build a resolver (what a worker process receives instead of the resolver itself)."""

    gazetteer: str | None = None
    rules_dir: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def build(self) -> Resolver:
        from .resolver import Resolver

        if self.gazetteer:
            return Resolver.from_path(self.gazetteer, rules_dir=self.rules_dir, **self.options)
        return Resolver(rules_dir=self.rules_dir, **self.options)


Task = Callable[["Resolver", Document], R]


def process(resolver: Resolver, task: Task[R], source: Source, options: ReadOptions, data: bytes | None = None) -> Outcome[R]:
    """Read, decode and run ``task`` on one source; every error becomes a ``failed`` or ``skipped`` outcome."""
    try:
        if source.in_folder and data is None and not os.path.isfile(source.label):
            # a FIFO (reading it would wait forever), a socket, a device or a dangling link found in a folder
            return Outcome(source, "skipped", message=f"{source.label}: not a regular file")
        try:
            raw = _read(source, options) if data is None else data
            doc = Document(source, raw, options.decode(raw, source.label))
        except BinaryFileError as exc:
            return Outcome(source, "skipped" if source.in_folder else "failed", message=f"{exc}")
        except DecodeError as exc:
            skip = source.in_folder or options.errors == "skip-file"
            return Outcome(source, "skipped" if skip else "failed", message=f"{exc}")
        return Outcome(source, "done", task(resolver, doc))
    except ResolverError as exc:
        message = str(exc) if str(exc).startswith(source.label) else f"{source.label}: {exc}"
        return Outcome(source, "failed", message=message)
    except Exception as exc:
        return Outcome(source, "failed", message=f"{source.label}: internal error: {exc!r}", detail=traceback.format_exc())


def _read(source: Source, options: ReadOptions) -> bytes:
    """The bytes of a source; a binary file is recognised from its first bytes, before it is read whole."""
    return read_text_bytes(source.label, encoding=options.encoding, limit=MAX_DOCUMENT_BYTES)


_worker_resolver: Resolver | None = None


def _init_worker(spec: ResolverSpec) -> None:
    global _worker_resolver
    # Ctrl-C reaches the whole process group: the parent stops the run; workers must not print tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _worker_resolver is None:  # forked workers inherit the parent's; others build their own
        _worker_resolver = spec.build()


def _work(task: Task[R], source: Source, options: ReadOptions, data: bytes | None) -> Outcome[R]:
    assert _worker_resolver is not None, "worker used before its initializer ran"
    return process(_worker_resolver, task, source, options, data)


def run(
    sources: Sequence[Source],
    task: Task[R],
    *,
    resolver: Resolver | None = None,
    spec: ResolverSpec | None = None,
    options: ReadOptions | None = None,
    jobs: int = 1,
    data: Mapping[str, bytes] | None = None,
) -> Generator[Outcome[R], None, None]:
    """One :class:`Outcome` per source, in the order of ``sources``, as each becomes available.

    With ``jobs`` > 1, ``jobs`` worker processes run ``task``: where processes can be forked they
    share the resolver (and its annotator) built here, copy-on-write, else each builds its own from
    ``spec`` (once). ``task`` which must then be picklable (a module-level function or a ``functools.partial``
    of one); at most ``2 * jobs`` documents are in flight, so memory stays bounded. When a worker
    process dies, the documents it may have been working on are run again one at a time in a fresh
    pool, and the one that kills its worker again is ``failed``. ``data`` gives the bytes of stdin
    (``"-"``), read once by the caller; otherwise stdin is read here.
    """
    options = options or ReadOptions()
    spec = spec or ResolverSpec()
    data = dict(data or {})
    if any(s.is_stdin for s in sources) and "-" not in data:
        data["-"] = read_bytes("-", limit=MAX_DOCUMENT_BYTES)
    if jobs <= 1 or len(sources) <= 1:
        r = resolver or spec.build()
        for source in sources:
            yield process(r, task, source, options, data.get(source.label) if source.is_stdin else None)
        return
    global _worker_resolver
    if "fork" in multiprocessing.get_all_start_methods():
        _worker_resolver = resolver or spec.build()
        _worker_resolver.annotator  # noqa: B018  (built before the fork, so that the workers share it)
        gc.freeze()  # the collector leaves the shared objects alone, so their pages stay shared
    try:
        yield from _parallel(sources, task, spec, options, min(jobs, len(sources)), data)
    finally:
        _worker_resolver = None
        gc.unfreeze()


def _parallel(
    sources: Sequence[Source], task: Task[R], spec: ResolverSpec, options: ReadOptions, jobs: int, data: Mapping[str, bytes]
) -> Iterator[Outcome[R]]:
    context = multiprocessing.get_context("fork") if _worker_resolver is not None else None

    def pool(workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(spec,))

    def submit(executor: ProcessPoolExecutor, source: Source) -> Future[Outcome[R]]:
        return executor.submit(_work, task, source, options, data.get(source.label) if source.is_stdin else None)

    pending = iter(sources)
    window: deque[tuple[Source, Future[Outcome[R]] | None]] = deque()  # None: not handed over, the pool broke first
    executor = pool(jobs)
    broken = False
    try:
        while True:
            while not broken and len(window) < 2 * jobs and (source := next(pending, None)) is not None:
                try:
                    window.append((source, submit(executor, source)))
                except BrokenProcessPool:  # a worker died (on an earlier document) before this one was handed over
                    window.append((source, None))
                    broken = True
            if not window:
                return
            source, future = window.popleft()
            if future is not None:
                try:
                    yield future.result()
                    continue
                except BrokenProcessPool:
                    pass
            suspects = [source, *(s for s, _ in window)]
            window.clear()
            executor.shutdown(wait=True, cancel_futures=True)
            for suspect in suspects:  # one at a time, to find the document that kills its worker
                executor = pool(1)
                try:
                    yield submit(executor, suspect).result()
                except BrokenProcessPool:
                    yield Outcome(suspect, "failed", message=f"{suspect.label}: the worker process died while processing it")
                finally:
                    executor.shutdown(wait=True, cancel_futures=True)
            executor = pool(jobs)
            broken = False
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
