"""Batches on several processes: the same results as one process, from workers that share the index."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from resolver import Resolver, parallel
from resolver.cli import main

SEEDS = sorted((Path(__file__).resolve().parents[2] / "shared" / "seeds").glob("*"))
pytestmark = pytest.mark.skipif(parallel.workers(2, 10_000) < 2, reason="needs fork")


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver()


@pytest.fixture(autouse=True)
def small_batches_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of a few hundred items go to workers here (in use, a pool starts at 1,000)."""
    monkeypatch.setattr(parallel, "MIN_PER_WORKER", 50)


def _names() -> list[str]:
    """Names, repeated, unknown, and every entity's name less one letter: several hundred distinct queries."""
    base = ["Sergei Ivano", "Faiz Hamid", "ISI", "Daesh", "IS", "it is", "Nobody Known", "Sergei Ivanov", "Hezbolah"]
    typos = [e.name[:i] + e.name[i + 1 :] for e in Resolver().entities for i in range(1, len(e.name), 3)]
    return base * 3 + typos


def _seen_by_worker(r: Resolver, chunk: list[str]) -> list[tuple[int, int]]:
    return [(os.getpid(), id(r)) for _ in chunk]


def test_workers_share_the_parents_resolver(r: Resolver) -> None:
    seen = parallel.map_shared(r, _seen_by_worker, [str(i) for i in range(1000)], 2)
    assert len(seen) == 1000
    assert {pid for pid, _ in seen} - {os.getpid()}, "the work ran in other processes"
    assert {ident for _, ident in seen} == {id(r)}, "workers use the resolver they inherited, not a copy sent to them"


def test_jobs_are_counted_sensibly() -> None:
    assert parallel.workers(1, 10_000) == 1
    assert parallel.workers(4, 10) == 1  # too few items to be worth a pool
    assert parallel.workers(0, 10_000) == min(os.cpu_count() or 1, 200)
    assert parallel.workers(4, 10_000, per_worker=5_000) == 2
    with pytest.raises(ValueError):
        parallel.workers(-1, 10)


def test_resolve_many_in_processes_equals_one_process(r: Resolver) -> None:
    names = _names()
    serial = r.resolve_many(names)
    forked = r.resolve_many(names, jobs=2)
    assert forked == serial  # ids, scores, ambiguity and alternatives
    assert sum(m is not None for m in serial) > 100
    for a, b in zip(serial, forked, strict=True):
        if a is not None and b is not None:
            assert b.explanation.to_dict() == a.explanation.to_dict()
            assert [x.explanation.to_dict() for x in b.alternatives] == [x.explanation.to_dict() for x in a.alternatives]


def test_annotate_many_in_processes_equals_one_process(r: Resolver) -> None:
    texts = [p.read_text(encoding="utf-8") for p in SEEDS] * 100
    serial = r.annotate_many(texts)
    forked = r.annotate_many(texts, jobs=2)
    assert forked == serial
    assert sum(map(len, serial)) > 1000
    for a, b in zip(serial[:5], forked[:5], strict=True):
        for x, y in zip(a, b, strict=True):
            assert (y.explanation.to_dict() if y.explanation else None) == (x.explanation.to_dict() if x.explanation else None)


def test_cli_resolve_jobs_prints_what_one_process_prints(tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("\n".join(_names()) + "\n", encoding="utf-8")
    one = CliRunner().invoke(main, ["resolve", "--json", "--from", str(names)])
    two = CliRunner().invoke(main, ["resolve", "--json", "--jobs", "2", "--from", str(names)])
    assert one.exit_code == two.exit_code == 0
    assert two.output == one.output
    assert len([json.loads(line) for line in one.output.splitlines()]) == len(_names())


def test_a_large_gazetteer_is_normalized_in_processes_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    from resolver import aliases
    from resolver.gazetteer import default_gazetteer_dir, load_gazetteer
    from resolver.normalize import default_normalizer

    gazetteer = load_gazetteer(default_gazetteer_dir())
    serial = aliases.compile_gazetteer(gazetteer, default_normalizer(), jobs=1)
    monkeypatch.setattr(aliases, "_NAMES_PER_WORKER", 10)  # the default gazetteer counts as large
    forked = aliases.compile_gazetteer(gazetteer, default_normalizer(), jobs=2)
    assert forked.aliases == serial.aliases
    assert forked.acronym_collisions == serial.acronym_collisions
    assert len(serial.aliases) > 500


def test_the_neighbour_table_made_in_processes_is_the_one_its_definition_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    from zlib import crc32

    from resolver import candidates
    from resolver.scoring import metaphone_code

    parts = [*Resolver().index.parts, "çava", "naïve", "éé", "zz", "abcd"]  # and a few that are not ASCII

    def forms(part: str) -> list[str]:  # the definition: the part; with 4+ letters, its deletions and its sound
        if len(part) < 4:
            return [part]
        return [part, *(part[:i] + part[i + 1 :] for i in range(len(part))), "#" + metaphone_code(part)]

    expected = sorted(crc32(f.encode()) << 32 | number for number, part in enumerate(parts) for f in forms(part))
    serial = candidates.CandidateIndex.neighbour_table(parts, jobs=1)
    monkeypatch.setattr(candidates, "_PARTS_PER_WORKER", 10)  # the default gazetteer's parts count as many
    forked = candidates.CandidateIndex.neighbour_table(parts, jobs=2)
    assert list(serial) == list(forked) == expected
    assert len(parts) > 500
