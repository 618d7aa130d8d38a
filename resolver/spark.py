"""Resolve and annotate a column of a Spark DataFrame (optional extra: ``pip install resolver[spark]``).

>>> from resolver.spark import resolve_column                       # doctest: +SKIP
>>> out = resolve_column(df, "name", gazetteer="cities.jsonl")      # doctest: +SKIP

The compiled index is built once on the driver (or given as ``index_path``), shipped to the
executors with ``SparkContext.addFile``, and loaded once per Python worker process, on first use,
from ``SparkFiles.get``. Rows are processed in Arrow batches with ``mapInPandas``; within a batch each
distinct name is resolved once.

Only this module imports pyspark; the rest of the package does not need it.
"""

from __future__ import annotations

__all__ = ["annotate_column", "mention_schema", "resolve_column", "ship_index"]

import hashlib
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ResolverError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

    from .resolver import Resolver

_WORKER_CACHE: dict[str, Resolver] = {}  # index file name -> resolver, one per Python worker process
_SHIPPED: dict[tuple[int, str], str] = {}  # (SparkContext id, source key) -> name of the shipped index file
_Result = tuple[str, str, str, float] | None
_RESULTS: dict[tuple[str, float | None], dict[str, _Result]] = {}  # names resolved by this worker, across batches
RESULT_CACHE_SIZE = 200_000  # names remembered per worker and index; the cache is emptied when it is full


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ResolverError("resolver.spark needs pyspark, pandas and pyarrow: pip install 'resolver[spark]'") from None


def _session(df: DataFrame) -> SparkSession:
    return df.sparkSession


def ship_index(
    spark: SparkSession, gazetteer: str | Path | Resolver | None = None, index_path: str | Path | None = None
) -> str:
    """Build the index once on the driver, add it to the Spark job's files, and return its file name.

    ``index_path``: an existing compiled index, shipped as it is. Otherwise ``gazetteer``: a
    :class:`~resolver.Resolver`, a gazetteer path (folder, JSON Lines, index), or None for the
    embedded default. The file is named after the SHA-256 of its bytes, so two indexes never clash
    and the same index is added once per SparkContext.
    """
    from .compiled import is_index_file, save_index
    from .resolver import Resolver

    sc = spark.sparkContext
    if index_path is not None:
        if gazetteer is not None:
            raise ResolverError("give a gazetteer or an index_path, not both")
        if not is_index_file(index_path):
            raise ResolverError(f"{index_path}: not a compiled index (build one with 'resolver gazetteer build')")
        source_key = f"index:{Path(index_path).resolve()}:{Path(index_path).stat().st_mtime_ns}"
    elif isinstance(gazetteer, Resolver):
        source_key = f"resolver:{id(gazetteer)}"
    else:
        source_key = f"gazetteer:{Path(gazetteer).resolve() if gazetteer is not None else '<default>'}"
    key = (id(sc), source_key)
    if key in _SHIPPED:
        return _SHIPPED[key]
    folder = Path(tempfile.mkdtemp(prefix="resolver-spark-"))
    if index_path is not None:
        data = Path(index_path).read_bytes()
    else:
        r = (
            gazetteer
            if isinstance(gazetteer, Resolver)
            else Resolver.from_path(gazetteer)
            if gazetteer is not None
            else Resolver()
        )
        built = folder / "index.rindex"
        save_index(r.compiled, built)
        data = built.read_bytes()
        built.unlink()
    name = f"resolver-{hashlib.sha256(data).hexdigest()[:24]}.rindex"
    (folder / name).write_bytes(data)
    sc.addFile(str(folder / name))
    _SHIPPED[key] = name
    return name


def _worker_resolver(name: str) -> Resolver:
    """The resolver of the shipped index ``name``, loaded once per Python worker process."""
    r = _WORKER_CACHE.get(name)
    if r is None:
        from pyspark import SparkFiles

        from .resolver import Resolver

        r = _WORKER_CACHE[name] = Resolver.from_path(SparkFiles.get(name))
    return r


def _check_column(df: DataFrame, column: str, new: list[str]) -> None:
    from pyspark.sql.types import StringType

    fields = {f.name: f for f in df.schema.fields}
    if column not in fields:
        raise ResolverError(f"no column '{column}' in the DataFrame; its columns: {', '.join(fields) or 'none'}")
    if not isinstance(fields[column].dataType, StringType):
        raise ResolverError(f"column '{column}' is {fields[column].dataType.simpleString()}, not string")
    taken = [c for c in new if c in fields]
    if taken:
        raise ResolverError(f"the DataFrame already has column{'s' if len(taken) > 1 else ''} {', '.join(taken)}")


def _resolve_batches(
    batches: Iterator[Any], *, name: str, column: str, prefix: str, threshold: float | None
) -> Iterator[Any]:
    r = _worker_resolver(name)
    done = _RESULTS.setdefault((name, threshold), {})
    for pdf in batches:
        values = pdf[column].tolist()
        todo = list(dict.fromkeys(v for v in values if isinstance(v, str) and v not in done))
        if len(done) + len(todo) > RESULT_CACHE_SIZE:
            done.clear()
            todo = list(dict.fromkeys(v for v in values if isinstance(v, str)))
        for query, m in zip(todo, r.resolve_many(todo, threshold=threshold), strict=True):
            done[query] = (m.id, m.name, m.type, m.score) if m is not None else None
        found = [done[v] if isinstance(v, str) else None for v in values]
        out = pdf.copy()
        for i, suffix in enumerate(("id", "name", "type", "score")):
            out[prefix + suffix] = [f[i] if f is not None else None for f in found]
        yield out


def resolve_column(
    df: DataFrame,
    column: str,
    gazetteer: str | Path | Resolver | None = None,
    index_path: str | Path | None = None,
    output_prefix: str = "resolved_",
    *,
    threshold: float | None = None,
) -> DataFrame:
    """``df`` with four columns more: the ``id``, ``name``, ``type`` and ``score`` of the entity each
    name of ``column`` resolves to, prefixed with ``output_prefix`` (null where none scores the threshold).

    ``gazetteer`` or ``index_path`` choose the entities (default: the embedded gazetteer); see :func:`ship_index`.
    """
    _require_pyspark()
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    new = [output_prefix + s for s in ("id", "name", "type", "score")]
    _check_column(df, column, new)
    name = ship_index(_session(df), gazetteer, index_path)
    schema = StructType(
        [
            *df.schema.fields,
            *(StructField(c, StringType(), True) for c in new[:3]),
            StructField(new[3], DoubleType(), True),
        ]
    )
    fn = partial(_resolve_batches, name=name, column=column, prefix=output_prefix, threshold=threshold)
    return df.mapInPandas(fn, schema)


def mention_schema() -> StructType:
    """The Spark type of one mention: ``start``, ``end``, ``text``, ``id``, ``name``, ``type``, ``score``."""
    from pyspark.sql.types import DoubleType, IntegerType, StringType, StructField, StructType

    return StructType(
        [
            StructField("start", IntegerType(), False),
            StructField("end", IntegerType(), False),
            StructField("text", StringType(), False),
            StructField("id", StringType(), True),
            StructField("name", StringType(), True),
            StructField("type", StringType(), True),
            StructField("score", DoubleType(), False),
        ]
    )


def _annotate_batches(
    batches: Iterator[Any], *, name: str, column: str, output: str, unresolved: bool
) -> Iterator[Any]:
    r = _worker_resolver(name)
    annotator = r.annotator
    for pdf in batches:
        rows: list[list[dict[str, Any]] | None] = []
        for text in pdf[column].tolist():
            if not isinstance(text, str):
                rows.append(None)
                continue
            rows.append(
                [
                    {"start": m.start, "end": m.end, "text": m.text, "id": m.id, "name": m.name, "type": m.type,
                     "score": float(m.score)}
                    for m in annotator.annotate(text, unresolved=unresolved)
                ]
            )  # fmt: skip
        out = pdf.copy()
        out[output] = rows
        yield out


def annotate_column(
    df: DataFrame,
    column: str,
    gazetteer: str | Path | Resolver | None = None,
    index_path: str | Path | None = None,
    output_column: str = "mentions",
    *,
    unresolved: bool = False,
) -> DataFrame:
    """``df`` with a column ``output_column``: the mentions found in each text of ``column``, in document
    order, as an array of structs (:func:`mention_schema`; offsets in characters of the text).

    A null text gives a null array; a text without mentions an empty one.
    """
    _require_pyspark()
    from pyspark.sql.types import ArrayType, StructField, StructType

    _check_column(df, column, [output_column])
    name = ship_index(_session(df), gazetteer, index_path)
    schema = StructType([*df.schema.fields, StructField(output_column, ArrayType(mention_schema(), False), True)])
    fn = partial(_annotate_batches, name=name, column=column, output=output_column, unresolved=unresolved)
    return df.mapInPandas(fn, schema)
