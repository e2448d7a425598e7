"""The source engine: where the input contract's tables live and where features are computed.

Two kinds, one interface (a SQLAlchemy ``Engine``):

* **embedded** — a DuckDB file (``duckdb:///path.duckdb``) that ``atrisk ingest`` fills. Its
  tables are created here on first use (this file is not the application store, so Alembic does
  not own it). Connections are not pooled: DuckDB lets one process write a file at a time, so
  the file is held only while a query or an ingest runs, and a connection waits up to
  ``LOCK_WAIT_S`` for another process (a worker, an ingest) to let go of it. The event tables
  (``UNKEYED``) carry no primary key or index there: DuckDB keeps such an index whole in
  memory and writing through it is slow, while its column statistics serve the feature
  queries; the ingest keeps their keys unique instead (checked in the file, then upserted by
  anti-join). A file made by an earlier version, with those keys, is rebuilt without them the
  first time it is prepared.
* **read in place** — any other SQLAlchemy URL (PostgreSQL, a DuckDB file kept by someone else, a
  warehouse such as Snowflake or BigQuery). atrisk only reads it; nothing is copied.

``schema`` names where the tables are (e.g. the schema dbt builds into); every unqualified
contract table is read from it through SQLAlchemy's ``schema_translate_map``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Engine, MetaData, Table, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import NullPool
from sqlalchemy.types import Float

from storage.db import make_engine
from storage.models import Base

#: the contract tables a source engine holds (``account_features`` only when a team brings it)
SOURCE_TABLE_NAMES = (
    "accounts",
    "team",
    "usage",
    "integration_runs",
    "tickets",
    "account_features",
    "leads",
    "lead_activity",
)
#: event tables kept without primary key or index in the embedded DuckDB file (see above)
UNKEYED = ("usage", "integration_runs", "tickets")
#: the tables the application store keeps a copy of: alerts, routing and ``/atrisk`` join them
MIRRORED = ("accounts", "team")
#: seconds a connection waits for another process (a worker, an ingest) to let go of the file
LOCK_WAIT_S = 30.0


@compiles(Float, "duckdb")
def _double(_type: Float, _compiler: Any, **_kw: Any) -> str:
    # DuckDB's FLOAT is 4 bytes: an ARR of 1.2e12 would come back as 1199999942656
    return "DOUBLE"


def source_tables() -> list[Table]:
    """The contract tables as SQLAlchemy ``Table`` objects (the same ones the feature SQL uses)."""
    return [Base.metadata.tables[n] for n in SOURCE_TABLE_NAMES]


def is_duckdb(engine: Engine) -> bool:
    return engine.dialect.name == "duckdb"


def default_source_url(database_url: str) -> str | None:
    """The embedded DuckDB file beside a SQLite application database, else ``None``.

    ``sqlite:///data/atrisk.db`` gives ``duckdb:///data/atrisk.sources.duckdb``. A PostgreSQL
    application store (several replicas) has no local file all replicas share, so its default
    source engine is the application database itself; an in-memory SQLite one likewise.
    """
    url = make_url(database_url)
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or url.query.get("uri"):
        return None
    path = Path(database)
    return f"duckdb:///{path.with_name(path.stem + '.sources.duckdb')}"


def make_source_engine(url: str, *, schema: str | None = None, label: str = "source") -> Engine:
    """An engine on the source tables at ``url``; tables read from ``schema`` when given.

    Raises ``storage.errors.DatabaseUnavailable`` (with a message naming ``label``) for a URL
    that cannot make an engine.
    """
    options: dict[str, Any] = {"label": label}
    if make_url(url).get_backend_name() == "duckdb":
        options["poolclass"] = NullPool
    engine = make_engine(url, **options)
    if is_duckdb(engine):
        event.listen(engine, "do_connect", _wait_for_the_file)
        event.listen(engine, "connect", _utc)
    if schema:
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine


def _wait_for_the_file(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    """Connect, waiting while another process holds the DuckDB file (DuckDB refuses at once,
    with no busy timeout): ``atrisk serve``'s workers, the daily run and an ingest take turns,
    as SQLite's ``timeout`` makes them on the application database."""
    deadline = time.monotonic() + LOCK_WAIT_S
    pause = 0.02
    while True:
        try:
            return dialect.connect(*cargs, **cparams)
        except Exception as e:
            if "could not set lock" not in str(e).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def _utc(dbapi_conn: Any, _record: Any) -> None:
    # timestamps come back in UTC whatever the machine's zone (as on PostgreSQL with UTC)
    dbapi_conn.execute("SET TimeZone = 'UTC'")


def prepare_embedded(engine: Engine) -> None:
    """Create the contract tables in an embedded DuckDB file that lacks them (idempotent); rebuild
    the event tables of a file made by an earlier version without their keys (rows kept)."""
    if not is_duckdb(engine):
        return
    database = engine.url.database or ""
    if database not in ("", ":memory:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    with engine.begin() as conn:
        for table in source_tables():
            if table.name not in UNKEYED:
                table.create(conn, checkfirst=True)
                _add_new_columns(conn, table)
                continue
            heap = embedded_table(table)
            if not conn.dialect.has_table(conn, table.name):
                heap.create(conn)
                continue
            _add_new_columns(conn, table)
            if _keyed(conn, table.name):
                _rebuild(conn, heap)


def embedded_table(table: Table, name: str | None = None) -> Table:
    """``table`` as the embedded DuckDB file keeps it: the same columns (key columns NOT NULL),
    no primary key, no index."""
    columns = [
        Column(c.name, c.type, nullable=c.nullable and not c.primary_key) for c in table.columns
    ]
    return Table(name or table.name, MetaData(), *columns)


def _keyed(conn: Connection, name: str) -> bool:
    """Whether the table ``name`` still has a primary key, a unique constraint or an index."""
    constraints = conn.exec_driver_sql(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = ? "
        "AND database_name = current_database() AND schema_name = current_schema() "
        "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')",
        (name,),
    ).scalar_one()
    indexes = conn.exec_driver_sql(
        "SELECT count(*) FROM duckdb_indexes() WHERE table_name = ? "
        "AND database_name = current_database() AND schema_name = current_schema()",
        (name,),
    ).scalar_one()
    return bool(constraints or indexes)


def _rebuild(conn: Connection, heap: Table) -> None:
    """Copy the rows of ``heap.name`` into a table made like ``heap`` and put it in its place
    (inside the caller's transaction: a crash leaves the old table as it was)."""
    name = heap.name
    new = embedded_table(heap, f"{name}__rebuilt")
    new.create(conn)
    cols = ", ".join(f'"{c.name}"' for c in heap.columns)
    conn.exec_driver_sql(f'INSERT INTO "{new.name}" ({cols}) SELECT {cols} FROM "{name}"')
    conn.exec_driver_sql(f'DROP TABLE "{name}"')
    conn.exec_driver_sql(f'ALTER TABLE "{new.name}" RENAME TO "{name}"')


def _add_new_columns(conn: Any, table: Table) -> None:
    """Add the optional columns a newer contract has (e.g. ``team.timezone``) to a file made
    before them: nullable, so the rows already there keep their meaning."""
    found = conn.exec_driver_sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", (table.name,)
    )
    have = {str(name) for (name,) in found}
    for col in table.columns:
        if col.name not in have and col.nullable:
            kind = col.type.compile(dialect=conn.dialect)
            conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN "{col.name}" {kind}')


__all__ = [
    "MIRRORED",
    "SOURCE_TABLE_NAMES",
    "UNKEYED",
    "default_source_url",
    "embedded_table",
    "is_duckdb",
    "make_source_engine",
    "prepare_embedded",
    "source_tables",
]
