"""The hostile corpus script, run in-process: no crash, no input changed, nothing half-written."""

from __future__ import annotations

import pytest

from resolver import Resolver

from .hostile_corpus import hostile_corpus


@pytest.mark.slow
def test_hostile_corpus(monkeypatch: pytest.MonkeyPatch, resolver: Resolver) -> None:
    from resolver.documents import ResolverSpec

    real = ResolverSpec.build
    monkeypatch.setattr(ResolverSpec, "build", lambda self: resolver if not (self.gazetteer or self.rules_dir) else real(self))
    tally = hostile_corpus(quick=True)
    assert tally.inputs >= 50 and tally.runs >= 200
    assert tally.crashes == [] and tally.changed == [] and tally.half_written == []
