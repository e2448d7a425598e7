"""DuckDB (the embedded source engine): the arrow table is handed to DuckDB as it is and upserted
by the engine, no row passes through Python.

The upsert does not rely on a primary key (the event tables have none in the embedded file,
``source_engine.UNKEYED``): stored rows whose key comes again with other values are updated
(``UPDATE … FROM``, the other columns compared with ``IS DISTINCT FROM``), then the rows whose key
is not stored are inserted (an anti-join). Each statement reports its own count, so new and
changed rows are counted as they are written. Given a *span* (the key's date column and the
least and greatest incoming value), only stored rows within it are compared, and rows are
simply appended when none is stored there (the first ingest, or a later month).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Table

from storage.ingest.upsert import LoadCounts, Progress

_INCOMING = "atrisk_incoming"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_duckdb(conn: Connection, model: Table, data: pa.Table, report: Progress) -> LoadCounts:
    """Upsert ``data`` (columns named like ``model``'s) into ``model`` on ``conn``."""
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.register(_INCOMING, data)
    try:
        return upsert_from(conn, model, _INCOMING, data.column_names, data.num_rows)
    finally:
        raw.unregister(_INCOMING)
        report(model.name, data.num_rows, data.num_rows)


def upsert_from(
    conn: Connection,
    model: Table,
    incoming: str,
    names: list[str],
    rows: int,
    *,
    span: tuple[str, Any, Any] | None = None,
) -> LoadCounts:
    """Upsert the relation ``incoming`` (SQL: a table name or a parenthesised query whose
    columns ``names`` are named like ``model``'s, with unique keys) into ``model``.

    ``span``: ``(column, least, greatest)`` — every incoming key's ``column`` lies within it."""
    keys = [c.name for c in model.primary_key.columns]
    rest = [n for n in names if n not in keys]
    table = _q(model.name)
    cols = ", ".join(_q(n) for n in names)
    within = "TRUE"
    if span is not None:
        column, least, greatest = span
        kind = model.c[column].type.compile(dialect=conn.dialect)
        within = f"t.{_q(column)} BETWEEN CAST(? AS {kind}) AND CAST(? AS {kind})"
        bounds: tuple[Any, ...] = (str(least), str(greatest))
    else:
        bounds = ()
    stored = conn.exec_driver_sql(
        f"SELECT EXISTS (SELECT 1 FROM {table} t WHERE {within})", bounds
    ).scalar_one()
    if not stored:  # nothing to compare with or to update
        conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {incoming} i")
        return LoadCounts(rows, rows, 0)
    on = " AND ".join(f"t.{_q(k)} = i.{_q(k)}" for k in keys)
    updated = 0
    if rest:
        differs = " OR ".join(f"t.{_q(n)} IS DISTINCT FROM i.{_q(n)}" for n in rest)
        sets = ", ".join(f"{_q(n)} = i.{_q(n)}" for n in rest)
        updated = _count(
            conn.exec_driver_sql(
                f"UPDATE {table} AS t SET {sets} FROM {incoming} i "
                f"WHERE {on} AND {within} AND ({differs})",
                bounds,
            ).first()
        )
    inserted = _count(
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {incoming} i "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {on} AND {within})",
            bounds,
        ).first()
    )
    return LoadCounts(rows, inserted, updated)


def _count(row: Any) -> int:
    """The row count DuckDB returns for an ``INSERT`` or an ``UPDATE``."""
    return int(row[0]) if row is not None else 0
