"""Shared fixtures: one default Resolver for the whole session, and paths resolved from this file."""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

import pytest

from resolver import Resolver

TESTS_DIR = Path(__file__).resolve().parent
ROOT = TESTS_DIR.parent
GAZETTEER_DIR = ROOT / "gazetteer"
RULES_DIR = ROOT / "resolver" / "data" / "rules"

_CACHE_ENV = "RESOLVER_CACHE_DIR"
_saved_cache_env: list[str | None] = []
_cache_dirs: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    # The default Resolver keeps a compiled cache of the embedded gazetteer; keep the tests off the user's cache.
    _saved_cache_env.append(os.environ.get(_CACHE_ENV))
    path = tempfile.mkdtemp(prefix="resolver-test-cache-")
    _cache_dirs.append(path)
    os.environ[_CACHE_ENV] = path


def pytest_unconfigure(config: pytest.Config) -> None:
    if _saved_cache_env:
        old = _saved_cache_env.pop()
        if old is None:
            os.environ.pop(_CACHE_ENV, None)
        else:
            os.environ[_CACHE_ENV] = old
    for path in _cache_dirs:
        shutil.rmtree(path, ignore_errors=True)


@cache
def default_resolver() -> Resolver:
    """The resolver over the embedded gazetteer, built once (also used to build hypothesis strategies)."""
    return Resolver()


@pytest.fixture(scope="session")
def resolver() -> Resolver:
    return default_resolver()
