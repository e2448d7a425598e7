"""PostgreSQL: ``COPY`` in CSV written by arrow, then ``INSERT … SELECT … ON CONFLICT``.

An empty table is copied into directly; when it receives many rows its primary key and indexes
are dropped first and rebuilt after (sorting once beats millions of B-tree inserts). A table
that holds rows gets the extract in a temporary table, then one upsert. All of it runs in the
caller's transaction: a failure leaves the table and its indexes as they were.
"""

from __future__ import annotations

import io
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Table, column, select, text
from sqlalchemy import table as sql_table
from sqlalchemy.dialects import postgresql

from storage.ingest.upsert import (
    BATCH_ROWS,
    BULK_ROWS,
    LoadCounts,
    Progress,
    count_rows,
    with_conflict_update,
)


def load_postgres(conn: Connection, model: Table, data: pa.Table, report: Progress) -> LoadCounts:
    before = count_rows(conn, model)
    if before == 0:  # nothing to conflict with: straight in
        rebuild = _drop_indexes(conn, model.name) if data.num_rows >= BULK_ROWS else []
        _copy(conn, model.name, data, report, model.name)
        if rebuild:
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            for sql in rebuild:
                conn.exec_driver_sql(sql)
        return LoadCounts(data.num_rows, data.num_rows, 0)
    names = data.column_names
    staging = f"_atrisk_ingest_{model.name}"
    conn.exec_driver_sql(
        f'CREATE TEMPORARY TABLE "{staging}" (LIKE "{model.name}" INCLUDING DEFAULTS) '
        "ON COMMIT DROP"
    )
    _copy(conn, staging, data, report, model.name)
    cols: list[Any] = [column(n) for n in names]
    source = select(*cols).select_from(sql_table(staging))
    stmt = with_conflict_update(postgresql.insert(model).from_select(names, source), model, names)
    written = conn.execute(stmt.execution_options(preserve_rowcount=True)).rowcount
    conn.exec_driver_sql(f'DROP TABLE "{staging}"')
    inserted = count_rows(conn, model) - before
    return LoadCounts(data.num_rows, inserted, written - inserted)


def _copy(conn: Connection, target: str, data: pa.Table, report: Progress, name: str) -> None:
    """``COPY target FROM STDIN`` in CSV, written by arrow in batches."""
    cols = ", ".join(f'"{n}"' for n in data.column_names)
    options = pacsv.WriteOptions(include_header=False, batch_size=BATCH_ROWS)
    cursor = conn.connection.cursor()
    done = 0
    try:
        with cursor.copy(f'COPY "{target}" ({cols}) FROM STDIN (FORMAT csv)') as copy:
            for batch in data.to_batches(max_chunksize=BATCH_ROWS):
                buf = io.BytesIO()
                pacsv.write_csv(pa.Table.from_batches([batch]), buf, write_options=options)
                copy.write(buf.getbuffer())
                done += batch.num_rows
                report(name, done, data.num_rows)
    finally:
        cursor.close()


def _drop_indexes(conn: Connection, table: str) -> list[str]:
    """Drop the table's primary key and indexes; the statements that make them again.

    Nothing is dropped when another table's foreign key depends on this one.
    """
    params = {"t": table}
    if conn.execute(
        text("SELECT 1 FROM pg_constraint WHERE confrelid = to_regclass(:t) LIMIT 1"), params
    ).first():
        return []
    pk = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = to_regclass(:t) AND contype = 'p'"
        ),
        params,
    ).first()
    indexes = conn.execute(
        text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = to_regclass(:t) AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        ),
        params,
    ).all()
    rebuild = []
    if pk is not None:
        conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{pk[0]}"')
        rebuild.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{pk[0]}" {pk[1]}')
    for name, definition in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
        rebuild.append(definition)
    return rebuild
