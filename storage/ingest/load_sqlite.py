"""SQLite: ``executemany`` of plain tuples in large batches, dates as the text SQLAlchemy stores.

An empty table that receives many rows gets its secondary indexes dropped and rebuilt after
the load (a sort is faster than millions of B-tree inserts); the DDL is part of the
transaction, so a failure leaves the indexes as they were.
"""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import Connection, Table, bindparam
from sqlalchemy.dialects import sqlite

from storage.ingest.upsert import (
    BATCH_ROWS,
    BULK_ROWS,
    LoadCounts,
    Progress,
    count_rows,
    with_conflict_update,
)

CACHE_KIB = 256 * 1024  # page cache while loading: big indexes stay in memory


def begin_sqlite(conn: Connection) -> None:
    """``BEGIN IMMEDIATE`` unless a transaction is open: reads, DDL and writes in one."""
    raw = conn.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def sqlite_values(data: pa.Table) -> pa.Table:
    """Dates and timestamps as the text SQLAlchemy stores in SQLite, so the ORM reads them."""
    cols = []
    for arr in data.columns:
        if pa.types.is_date(arr.type):
            arr = arr.cast(pa.string())
        elif pa.types.is_timestamp(arr.type):  # UTC wall time, "2025-05-01 06:00:00.000000"
            arr = arr.cast(pa.timestamp("us")).cast(pa.string())
        cols.append(arr)
    return pa.Table.from_arrays(cols, names=data.column_names)


def load_sqlite(conn: Connection, model: Table, data: pa.Table, report: Progress) -> LoadCounts:
    begin_sqlite(conn)
    names = data.column_names
    before = count_rows(conn, model)
    ins = sqlite.insert(model).values({n: bindparam(n) for n in names})
    bulk = before == 0 and data.num_rows >= BULK_ROWS
    compiled = (ins if bulk else with_conflict_update(ins, model, names)).compile(
        dialect=conn.dialect
    )
    order = [names.index(p) for p in compiled.positiontup or []]
    values = sqlite_values(data)
    cursor = conn.connection.cursor()
    cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    indexes = _drop_secondary_indexes(cursor, model.name) if bulk else []
    changed, done = 0, 0
    try:
        for batch in values.to_batches(max_chunksize=BATCH_ROWS):
            columns = [batch.column(i).to_pylist() for i in order]
            cursor.executemany(compiled.string, list(zip(*columns, strict=True)))
            changed += max(cursor.rowcount, 0)
            done += batch.num_rows
            report(model.name, done, data.num_rows)
        for sql in indexes:
            cursor.execute(sql)
    finally:
        cursor.execute(f"PRAGMA cache_size = {int(cache)}")
        cursor.close()
    inserted = count_rows(conn, model) - before
    return LoadCounts(data.num_rows, inserted, changed - inserted)


def _drop_secondary_indexes(cursor: object, table: str) -> list[str]:
    """Drop the table's own indexes (not the primary key's); their CREATE statements."""
    rows = cursor.execute(  # type: ignore[attr-defined]
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL",
        (table,),
    ).fetchall()
    for name, _sql in rows:
        cursor.execute(f'DROP INDEX "{name}"')  # type: ignore[attr-defined]
    return [sql for _name, sql in rows]
