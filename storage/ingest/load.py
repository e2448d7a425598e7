"""Upsert validated tables into the database, inside the caller's transaction.

A row whose key is already stored is updated (only the columns the extract has; a row that is
unchanged is not rewritten); rows stored earlier but absent from the extract are kept, because
an extract may be incremental. Rows go in key order; each back end has its fast path
(``load_postgres``: COPY; ``load_sqlite``: executemany of plain tuples; ``load_duckdb``: the
arrow table upserted by DuckDB itself).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

import pyarrow as pa
from sqlalchemy import Connection

from storage.ingest.coerce import Typed
from storage.ingest.contract import LOAD_ORDER
from storage.ingest.load_duckdb import load_duckdb
from storage.ingest.load_postgres import load_postgres
from storage.ingest.load_sqlite import begin_sqlite, load_sqlite
from storage.ingest.upsert import LoadCounts, Progress
from storage.models import Base

__all__ = ["LoadCounts", "Progress", "begin_write", "load_table", "load_tables", "to_arrow"]


def begin_write(conn: Connection) -> None:
    """Open the write transaction now (SQLite: ``BEGIN IMMEDIATE``, so DDL and reads are in it)."""
    if conn.dialect.name == "sqlite":
        begin_sqlite(conn)


def load_tables(
    conn: Connection, tables: Mapping[str, Typed], progress: Progress | None = None
) -> dict[str, LoadCounts]:
    """Upsert every table in ``tables`` (accounts first) on ``conn``; the caller commits."""
    out: dict[str, LoadCounts] = {}
    for name in LOAD_ORDER:
        if name in tables:
            clock = time.perf_counter()
            data = to_arrow(tables[name])
            # in key order, B-tree inserts are mostly appends: several times faster at scale
            keys = [(k, "ascending") for k in tables[name].spec.key]
            counts = load_table(conn, name, data.sort_by(keys), progress)
            out[name] = replace(counts, seconds=time.perf_counter() - clock)
    return out


def load_table(
    conn: Connection, name: str, data: pa.Table, progress: Progress | None = None
) -> LoadCounts:
    """Upsert one table given as arrow columns named like the storage model's."""
    model = Base.metadata.tables[name]
    report = progress or (lambda _t, _d, _n: None)
    report(name, 0, data.num_rows)
    if conn.dialect.name == "postgresql":
        return load_postgres(conn, model, data, report)
    if conn.dialect.name == "duckdb":
        return load_duckdb(conn, model, data, report)
    return load_sqlite(conn, model, data, report)


def to_arrow(typed: Typed) -> pa.Table:
    """The typed frame as arrow arrays of the storage types (nulls for NaN/NaT)."""
    arrays, names = [], []
    for name in typed.frame.columns:
        kind = "json" if name == "features" else typed.spec.column(name).kind
        arr = pa.Array.from_pandas(typed.frame[name])
        if kind in ("int", "label"):
            arr = arr.cast(pa.int64())
        elif kind == "float":
            arr = arr.cast(pa.float64())
        elif kind == "date":
            arr = arr.cast(pa.date32(), safe=False)
        elif kind == "timestamp":
            arr = arr.cast(pa.timestamp("us", "UTC"))
        else:
            arr = arr.cast(pa.string())
        arrays.append(arr)
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)
