"""Engines: DuckDB (the embedded store) always, Apache Spark through Ibis's pyspark backend.

Measures only build Ibis expressions; the few places where the best expression differs by engine are
here (ordered collection of a person's path). :class:`IbisStore` lets every registered query run on any
Ibis backend: ``run_query(QueryContext(spark_store(...), settings, now), "paths", {...})``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis

# Tables the analytics read, and the columns copied to another engine (JSON columns become strings).
ANALYTICS_TABLES = ("events", "ad_costs", "responses", "persons")


def backend_name(expr: Any) -> str:
    try:
        return str(expr._find_backend().name)
    except Exception:  # an unbound expression (memtable): DuckDB executes it by default
        return "duckdb"


def ordered_collect(t: Any, value: Any, *, rank: Any, by: list[str]) -> Any:
    """Per group ``by``, the list of ``value`` in ``rank`` order, joined with ' > ' into one string.

    DuckDB aggregates in order directly; Spark (no ordered aggregation) collects (rank, value) structs
    and sorts them. Same result on both.
    """
    if backend_name(t) == "pyspark":
        g = t.group_by(by).aggregate(_arr=ibis.struct({"r": rank, "v": value}).collect())
        return g.mutate(path=g._arr.sort().map(lambda s: s.v).join(PATH_SEP)).drop("_arr")
    return t.group_by(by).aggregate(path=value.collect(order_by=[rank]).join(PATH_SEP))


@contextmanager
def materialized(expr: Any) -> Iterator[Any]:
    """Compute ``expr`` once when several results are read from it: on DuckDB into a temporary table
    (dropped afterwards); other engines get the expression back unchanged."""
    if backend_name(expr) != "duckdb":
        yield expr
        return
    be = expr._find_backend()
    name = f"_cxj_{uuid.uuid4().hex}"
    t = be.create_table(name, expr, temp=True)
    try:
        yield t
    finally:
        be.con.execute(f'DROP TABLE IF EXISTS temp.main."{name}"')


_SQL_CACHE: dict[Any, str] = {}
_SQL_CACHE_LOCK = threading.Lock()
SQL_CACHE_SIZE = 256


def cached_sql(key: Any, build: Any) -> str:
    """DuckDB SQL of the expression ``build()``, compiled only the first time ``key`` is seen. Compiling a large
    Ibis expression (a funnel) costs more than running it on the rollups; ``key`` must name everything the
    expression depends on (its parameters)."""
    with _SQL_CACHE_LOCK:
        sql = _SQL_CACHE.get(key)
    if sql is None:
        sql = str(ibis.to_sql(build(), dialect="duckdb"))
        with _SQL_CACHE_LOCK:
            if len(_SQL_CACHE) >= SQL_CACHE_SIZE:
                _SQL_CACHE.pop(next(iter(_SQL_CACHE)))
            _SQL_CACHE[key] = sql
    return sql


_SCHEMAS: dict[Any, Any] = {}


def fetch_cached(backend: Any, key: Any, build: Any) -> list[dict[str, Any]]:
    """Rows of ``build()`` as plain dicts (like ``params.records``), its SQL compiled once per ``key``.
    Integer and float columns come back as Python int/float, whatever width DuckDB sums to."""
    from cxjourney.metrics.rates import plain

    if key not in _SCHEMAS:
        expr = build()
        _SCHEMAS[key] = expr.schema()
        sql = cached_sql(key, lambda: expr)
    else:
        sql = cached_sql(key, build)
    schema = _SCHEMAS[key]
    cur = backend.con.execute(sql)
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    conv: list[Any] = []
    for name in names:
        t = schema[name]
        conv.append(int if t.is_integer() else float if t.is_floating() else plain)
    return [{n: (None if v is None else c(v)) for n, c, v in zip(names, conv, r, strict=True)} for r in rows]


@contextmanager
def materialized_sql(backend: Any, sql: str) -> Iterator[Any]:
    """Like :func:`materialized`, for DuckDB SQL (from :func:`cached_sql`) run on ``backend``."""
    name = f"_cxj_{uuid.uuid4().hex}"
    backend.con.execute(f'CREATE TEMP TABLE "{name}" AS {sql}').fetchall()
    try:
        yield backend.table(name)
    finally:
        backend.con.execute(f'DROP TABLE IF EXISTS temp.main."{name}"').fetchall()


PATH_SEP = " > "
JSON_COLUMNS = {"events": ("properties", "context"), "persons": ("traits",)}


class IbisStore:
    """A read-only store over any Ibis backend (Spark): ``table(name)`` and a lock, like ``Store``."""

    def __init__(self, backend: Any):
        self.ibis = backend
        self.lock = threading.RLock()
        self.read_only = True

    def table(self, name: str) -> Any:
        t = self.ibis.table(name)
        # JSON columns travel as text; journey matchers read them as JSON.
        casts = {c: t[c].cast("json") for c in JSON_COLUMNS.get(name, ()) if c in t.columns and t[c].type().is_string()}
        return t.mutate(**casts) if casts else t

    def close(self) -> None:  # the caller owns the Spark session
        pass


def spark_session(*, master: str = "local[2]", app_name: str = "cxjourney", conf: dict[str, str] | None = None) -> Any:
    """A Spark session with UTC time and small shuffles (local mode for a laptop or tests)."""
    import os
    import sys

    from pyspark.sql import SparkSession

    # Python workers (JSON access compiles to a Python UDF) must run this interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    b = (SparkSession.builder.master(master).appName(app_name)
         .config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.sql.shuffle.partitions", "4")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.execution.arrow.pyspark.enabled", "true"))
    for k, v in (conf or {}).items():
        b = b.config(k, v)
    return b.getOrCreate()


def spark_store(session: Any, *, parquet: dict[str, str] | None = None) -> IbisStore:
    """An :class:`IbisStore` on Spark; ``parquet`` maps table name -> Parquet path (an events export)."""
    for name, path in (parquet or {}).items():
        session.read.parquet(path).createOrReplaceTempView(name)
    return IbisStore(ibis.pyspark.connect(session))


def copy_to_spark(store: Any, session: Any, tables: tuple[str, ...] = ANALYTICS_TABLES) -> IbisStore:
    """Copy the analytics tables of a DuckDB store into Spark temp views (tests, small exports)."""
    con = store.con.cursor()
    for name in tables:
        rel = con.sql(f"SELECT * FROM {name}")
        cols = [f'CAST("{c}" AS VARCHAR) AS "{c}"' if str(t).upper() == "JSON" else f'"{c}"'
                for c, t in zip(rel.columns, rel.types, strict=True)]
        arrow = con.sql(f"SELECT {', '.join(cols)} FROM {name}").to_arrow_table()
        df = session.createDataFrame(arrow.to_pandas(), schema=_spark_schema(arrow.schema)) if arrow.num_rows else \
            session.createDataFrame([], schema=_spark_schema(arrow.schema))
        df.createOrReplaceTempView(name)
    return IbisStore(ibis.pyspark.connect(session))


def _spark_schema(schema: Any) -> Any:
    import pyarrow as pa
    from pyspark.sql import types as T

    def conv(t: Any) -> Any:
        if pa.types.is_int64(t) or pa.types.is_int32(t):
            return T.LongType()
        if pa.types.is_floating(t):
            return T.DoubleType()
        if pa.types.is_timestamp(t):
            return T.TimestampType()
        if pa.types.is_date(t):
            return T.DateType()
        if pa.types.is_boolean(t):
            return T.BooleanType()
        return T.StringType()

    return T.StructType([T.StructField(f.name, conv(f.type), True) for f in schema])
