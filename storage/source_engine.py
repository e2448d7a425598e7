"""The source engine: where the input contract's tables live and where features are computed.

Two kinds, one interface (a SQLAlchemy ``Engine``):

* **embedded** — a DuckDB file (``duckdb:///path.duckdb``) that ``atrisk ingest`` fills. Its
  tables are created here on first use (this file is not the application store, so Alembic does
  not own it). Connections are not pooled: DuckDB lets one process write a file at a time, so
  the file is held only while a query or an ingest runs.
* **read in place** — any other SQLAlchemy URL (PostgreSQL, a DuckDB file kept by someone else, a
  warehouse such as Snowflake or BigQuery). atrisk only reads it; nothing is copied.

``schema`` names where the tables are (e.g. the schema dbt builds into); every unqualified
contract table is read from it through SQLAlchemy's ``schema_translate_map``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, event
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
#: the tables the application store keeps a copy of: alerts, routing and ``/atrisk`` join them
MIRRORED = ("accounts", "team")


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
        event.listen(engine, "connect", _utc)
    if schema:
        engine = engine.execution_options(schema_translate_map={None: schema})
    return engine


def _utc(dbapi_conn: Any, _record: Any) -> None:
    # timestamps come back in UTC whatever the machine's zone (as on PostgreSQL with UTC)
    dbapi_conn.execute("SET TimeZone = 'UTC'")


def prepare_embedded(engine: Engine) -> None:
    """Create the contract tables in an embedded DuckDB file that lacks them (idempotent)."""
    if not is_duckdb(engine):
        return
    database = engine.url.database or ""
    if database not in ("", ":memory:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    with engine.begin() as conn:
        for table in source_tables():
            table.create(conn, checkfirst=True)
            _add_new_columns(conn, table)


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
    "default_source_url",
    "is_duckdb",
    "make_source_engine",
    "prepare_embedded",
    "source_tables",
]
