"""resolver.spark in Spark local mode: the columns it adds equal what the resolver says locally.

Skipped only when pyspark (with pandas and pyarrow) is not importable; Spark needs Java 17.
"""

from __future__ import annotations

import os
import random
import re
import sys
import time
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

from pyspark.sql import SparkSession

from resolver import Resolver, ResolverError
from resolver.importers import import_gazetteer
from resolver.spark import annotate_column, resolve_column

ROOT = Path(__file__).resolve().parent.parent


@cache
def default_resolver() -> Resolver:
    return Resolver()


JSONL = (
    '{"id": "ahmad-shah-massoud", "type": "person", "name": "Ahmad Shah Massoud", "aliases": ["Ahmed Shah Massoud"]}\n'
    '{"id": "northern-alliance", "type": "organization", "name": "Northern Alliance", "aliases": ["United Front"]}\n'
)


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    saved = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers must import this very resolver
    session = (
        SparkSession.builder.master("local[2]")
        .appName("resolver-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", "1g")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    if saved is None:
        os.environ.pop("PYSPARK_PYTHON", None)
    else:
        os.environ["PYSPARK_PYTHON"] = saved


def typo(rng: random.Random, s: str) -> str:
    """One random edit (insert, delete, substitute, transpose) with a letter of the name itself."""
    letters = [c for c in s if c.isalpha()] or list(s)
    i = rng.randrange(len(s))
    op = rng.choice("idst")
    if op == "i":
        return s[:i] + rng.choice(letters) + s[i:]
    if op == "d":
        return s[:i] + s[i + 1 :]
    if op == "s":
        return s[:i] + rng.choice(letters) + s[i + 1 :]
    j = i + 1 if i + 1 < len(s) else i - 1
    chars = list(s)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def names_with_typos(n: int, seed: int, variants: int = 20) -> list[tuple[str, str]]:
    """(entity ID, query): names and aliases of the default gazetteer that belong to one entity only,
    each with ``variants`` typo'd forms (one edit), drawn ``n`` times."""
    r = default_resolver()
    owners: dict[str, set[str]] = {}
    for e in r.entities:
        for text in (e.name, *e.aliases):
            owners.setdefault(r.normalizer.key(text).key, set()).add(e.id)
    rng = random.Random(seed)
    pool = [
        (e.id, typo(rng, text))
        for e in r.entities
        for text in (e.name, *e.aliases)
        if len(text) >= 5 and len(owners[r.normalizer.key(text).key]) == 1
        for _ in range(variants)
    ]
    return [pool[rng.randrange(len(pool))] for _ in range(n)]


def test_resolve_column_equals_local_resolution(spark: SparkSession) -> None:
    queries = [q for _, q in names_with_typos(600, seed=3)] + ["I.S.I.", "Sergei Ivano", "Zxqv Wrtp", "", None]
    df = spark.createDataFrame([(i, q) for i, q in enumerate(queries)], "row int, name string").repartition(3)
    rows = sorted(resolve_column(df, "name").collect(), key=lambda row: row.row)
    assert len(rows) == len(queries)
    r = default_resolver()
    for row, query in zip(rows, queries, strict=True):
        assert row.name == query
        m = r.resolve(query) if query is not None else None
        assert (row.resolved_id, row.resolved_name, row.resolved_type, row.resolved_score) == (
            (m.id, m.name, m.type, m.score) if m else (None, None, None, None)
        ), query


def test_resolve_column_with_a_gazetteer_an_index_a_prefix_and_a_threshold(spark: SparkSession, tmp_path: Path) -> None:
    src = tmp_path / "g.jsonl"
    src.write_text(JSONL, encoding="utf-8")
    index = tmp_path / "g.rindex"
    Resolver.from_path(src).save_index(index)
    df = spark.createDataFrame([("Ahmed Shah Masoud",), ("United Front",), ("Commander Masood",)], "who string")
    by_gazetteer = resolve_column(df, "who", gazetteer=str(src), output_prefix="m_").collect()
    by_index = resolve_column(df, "who", index_path=index, output_prefix="m_").collect()
    assert by_gazetteer == by_index
    assert [row.m_id for row in by_index] == ["ahmad-shah-massoud", "northern-alliance", "ahmad-shah-massoud"]
    strict = resolve_column(df, "who", index_path=index, threshold=0.95).collect()
    assert [row.resolved_id for row in strict] == ["ahmad-shah-massoud", "northern-alliance", None]


def test_resolve_column_refuses_bad_columns(spark: SparkSession) -> None:
    df = spark.createDataFrame([(1, "x", "y")], "n int, name string, resolved_id string")
    with pytest.raises(ResolverError, match="no column 'nme' in the DataFrame; its columns: n, name, resolved_id"):
        resolve_column(df, "nme")
    with pytest.raises(ResolverError, match="column 'n' is int, not string"):
        resolve_column(df, "n")
    with pytest.raises(ResolverError, match="already has column resolved_id"):
        resolve_column(df, "name")


def test_annotate_column_equals_local_annotation(spark: SparkSession) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT.parent / "shared" / "seeds").glob("*.txt"))][:3]
    texts += ["General Faiz Hameed met ISI chiefs in Islamabad.", "nothing to see", None]
    df = spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "row int, text string")
    rows = sorted(annotate_column(df, "text").collect(), key=lambda row: row.row)
    r = default_resolver()
    for row, text in zip(rows, texts, strict=True):
        if text is None:
            assert row.mentions is None
            continue
        got = [(m.start, m.end, m.text, m.id, m.name, m.type, m.score) for m in row.mentions]
        want = [(m.start, m.end, m.text, m.id, m.name, m.type, m.score) for m in r.annotate(text)]
        assert got == want
        assert all(text[start:end] == span for start, end, span, *_ in got)
    assert rows[-3].mentions[0].id == "faiz-hameed"
    assert rows[-2].mentions == []


def test_resolve_100k_names(spark: SparkSession) -> None:
    """100,000 typo'd names of the default gazetteer (fixed seed): top-1 accuracy above 0.9.

    Each name has one edit; threshold 0 so that the best candidate is returned (at the default
    threshold 0.8 the misses are names without a match, not wrong IDs).
    """
    data = names_with_typos(100_000, seed=20240)
    df = spark.createDataFrame(data, "truth string, name string").repartition(4)
    started = time.perf_counter()
    out = resolve_column(df, "name", threshold=0.0)
    stats = out.selectExpr("count(*) AS n", "avg(CAST(resolved_id = truth AS INT)) AS accuracy").collect()[0]
    seconds = time.perf_counter() - started
    print(f"100k names in Spark local[2]: {seconds:.1f} s, accuracy {stats.accuracy:.4f}")
    assert stats.n == 100_000
    assert stats.accuracy > 0.9


def test_the_docs_example_runs(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Spark example of docs/scale.md (a ```python example=spark block) runs and prints what it shows."""
    page = (ROOT / "docs" / "scale.md").read_text(encoding="utf-8")
    block = re.search(r"```python example=spark\n(.*?)```", page, re.S)
    output = re.search(r"```text example=spark-output\n(.*?)```", page, re.S)
    assert block and output
    monkeypatch.chdir(tmp_path)
    cities = re.search(r"```json path=cities.json\n(.*?)```", page, re.S)
    assert cities
    (tmp_path / "cities.json").write_text(cities.group(1), encoding="utf-8")
    import_gazetteer("geonames", "cities.json", "cities.jsonl")  # as the page's import example does
    capsys.readouterr()
    namespace: dict[str, Any] = {}
    exec(compile(block.group(1), "docs/scale.md", "exec"), namespace)
    assert capsys.readouterr().out.strip() == output.group(1).strip()
