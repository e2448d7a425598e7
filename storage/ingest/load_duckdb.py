"""DuckDB (the embedded source engine): the arrow table is handed to DuckDB as it is and upserted
with one ``INSERT … ON CONFLICT`` statement per table, no row passes through Python.

New and changed rows are counted by the engine before the upsert (an anti-join on the key and a
join comparing the other columns with ``IS DISTINCT FROM``).
"""

from __future__ import annotations

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
    conn: Connection, model: Table, incoming: str, names: list[str], rows: int
) -> LoadCounts:
    """Upsert the relation ``incoming`` (SQL: a table name or a parenthesised query whose
    columns ``names`` are named like ``model``'s, with unique keys) into ``model``."""
    keys = [c.name for c in model.primary_key.columns]
    rest = [n for n in names if n not in keys]
    table = _q(model.name)
    cols = ", ".join(_q(n) for n in names)
    empty = conn.exec_driver_sql(f"SELECT NOT EXISTS (SELECT 1 FROM {table})").scalar_one()
    if empty:  # a first ingest: nothing to compare with or to update
        conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {incoming} i")
        return LoadCounts(rows, rows, 0)
    on = " AND ".join(f"t.{_q(k)} = i.{_q(k)}" for k in keys)
    inserted = conn.exec_driver_sql(
        f"SELECT count(*) FROM {incoming} i WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {on})"
    ).scalar_one()
    updated = 0
    if rest:
        differs = " OR ".join(f"t.{_q(n)} IS DISTINCT FROM i.{_q(n)}" for n in rest)
        updated = conn.exec_driver_sql(
            f"SELECT count(*) FROM {incoming} i JOIN {table} t ON {on} WHERE {differs}"
        ).scalar_one()
    action = (
        "DO UPDATE SET " + ", ".join(f"{_q(n)} = excluded.{_q(n)}" for n in rest)
        if rest
        else "DO NOTHING"
    )
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {incoming} i "
        f"ON CONFLICT ({', '.join(_q(k) for k in keys)}) {action}"
    )
    return LoadCounts(rows, int(inserted), int(updated))
