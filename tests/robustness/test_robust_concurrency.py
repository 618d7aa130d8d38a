"""One Resolver shared by threads; --jobs equal to serial, also when a worker dies (item 6)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from resolver import Resolver
from resolver.documents import Document, Source, find_sources, run

from .helpers import cli

NAMES = ["Sergei Ivano", "IVANOV, Sergei", "I.S.I.", "Daesh", "Faiz Hamid", "Служба внешней разведки", "Nobody Known",
         "Lt Gen Faiz Hameed's", "Hezbolah", "TASS", "", "İSI", "ﬁaz hameed"] * 8  # fmt: skip
TEXTS = [
    "Sergei Ivano told TASS that the SVR met I.S.I. officials in Kabul.",
    "The Talibans met Lieutenant General Hameed in Kabul. Hameed said Daesh had left.",
    "Zork Quux and Dr. Faiz Hameed. The ISI (Inter-Services Intelligence) said nothing.",
] * 8


def annotate_all(r: Resolver, text: str) -> list[tuple[Any, ...]]:
    return [(m.start, m.end, m.text, m.id, round(m.score, 6), m.kind) for m in r.annotate(text, unresolved=True)]


def resolve_one(r: Resolver, name: str) -> tuple[Any, ...]:
    m = r.resolve(name)
    return (None,) if m is None else (m.id, round(m.score, 6), m.alias, m.ambiguous)


def test_threads_share_one_resolver() -> None:
    serial_r = Resolver()
    serial = ([resolve_one(serial_r, n) for n in NAMES], [annotate_all(serial_r, t) for t in TEXTS])
    shared = Resolver()  # cold caches: the threads fill them concurrently
    with ThreadPoolExecutor(8) as pool:
        names = pool.map(lambda n: resolve_one(shared, n), NAMES)
        texts = pool.map(lambda t: annotate_all(shared, t), TEXTS)
        assert (list(names), list(texts)) == serial


def crash_on_marker(r: Resolver, doc: Document) -> list[str | None]:
    if "CRASH" in doc.text:
        os._exit(3)  # the worker process dies without a word
    return [m.id for m in r.annotate(doc.text)]


def test_jobs_output_equals_serial_when_a_worker_dies(tmp_path: Path) -> None:
    for i, text in enumerate(TEXTS):
        (tmp_path / f"{i:02}.txt").write_text(text)
    (tmp_path / "05.txt").write_text("CRASH " + TEXTS[5])
    (tmp_path / "17.txt").write_text("Daesh CRASH")
    sources, _ = find_sources([str(tmp_path)])

    def outcomes(jobs: int) -> list[tuple[str, str, Any]]:
        task = crash_on_marker if jobs > 1 else safe_task
        return [(o.source.rel, o.status, o.value) for o in run(sources, task, jobs=jobs)]

    serial = outcomes(1)
    parallel = outcomes(2)
    assert [s[:2] for s in parallel] == [(s.rel, "failed" if s.rel in ("05.txt", "17.txt") else "done") for s in sources]
    assert [p for p in parallel if p[1] == "done"] == [s for s in serial if s[0] not in ("05.txt", "17.txt")]


def test_a_pool_that_breaks_before_a_document_is_handed_over(tmp_path: Path, monkeypatch: Any) -> None:
    """A worker may die while later documents are still being handed over: the hand-over itself
    then fails (BrokenProcessPool from ``submit``), and those documents are tried again like the rest."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    import resolver.documents as documents

    calls = {"n": 0}

    class BreaksOnThirdSubmit(ProcessPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == 3:
                raise BrokenProcessPool("a worker died")
            return super().submit(fn, *args, **kwargs)

    for i, text in enumerate(TEXTS):
        (tmp_path / f"{i:02}.txt").write_text(text)
    sources, _ = find_sources([str(tmp_path)])
    serial = [(o.source.rel, o.status, o.value) for o in run(sources, safe_task, jobs=1)]
    monkeypatch.setattr(documents, "ProcessPoolExecutor", BreaksOnThirdSubmit)
    parallel = [(o.source.rel, o.status, o.value) for o in run(sources, safe_task, jobs=2)]
    assert calls["n"] > 3 and parallel == serial


def safe_task(r: Resolver, doc: Document) -> list[str | None]:
    return [m.id for m in r.annotate(doc.text)]


def test_cli_jobs_output_is_byte_identical(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i, text in enumerate(TEXTS):
        (src / f"{i:02}.txt").write_text(text)
    (src / "bin.txt").write_bytes(b"\0\1\2")
    for fmt in ("jsonl", "csv", "inline"):
        one = cli("annotate", "--format", fmt, str(src))
        three = cli("annotate", "--format", fmt, "--jobs", "3", str(src))
        assert one.stdout_bytes == three.stdout_bytes and one.stderr == three.stderr and one.exit_code == three.exit_code == 1
    a = cli("normalize", str(src), "-o", str(tmp_path / "a"))
    b = cli("normalize", str(src), "-o", str(tmp_path / "b"), "--jobs", "2")
    assert a.exit_code == b.exit_code == 1
    assert {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()} == {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}


def test_stdin_source_with_jobs() -> None:
    outcome = list(run([Source.stdin(), Source.stdin()], safe_task, jobs=2, data={"-": b"Daesh"}))
    assert [o.value for o in outcome] == [["islamic-state"], ["islamic-state"]]
