"""A database target: any SQLAlchemy URL (a SQLite file, PostgreSQL, a warehouse).

Tables are created on first export with the export's column types; ``atrisk_export_state``
records the last export. The whole export is one transaction: each table's partitions from
``since`` on are deleted and inserted again, so a reader sees the old rows or the new ones,
never a mix, and two runs give the same rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
from sqlalchemy import (
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    delete,
    inspect,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from storage.connection import brief, shown
from storage.db import make_engine
from storage.errors import ExportTargetUnusable, StorageError
from storage.export.schema import ExportTable

STATE_TABLE = "atrisk_export_state"
INSERT_CHUNK = 5_000


class DatabaseTarget:
    """Partitions as rows of tables in the database at ``url``."""

    def __init__(self, url: str, tables: list[ExportTable], *, record: str = "account") -> None:
        #: the export record's key: churn's is ``atrisk`` (as before products), else the product
        self.record = "atrisk" if record == "account" else record
        self.engine: Engine = make_engine(url, create=True, label="--to")
        self._shown = shown(self.engine.url)
        self.metadata = MetaData()
        self.tables = {t.name: t.sql_table(self.metadata) for t in tables}
        self.state = Table(
            STATE_TABLE,
            self.metadata,
            Column("target", String(32), primary_key=True),
            Column("through", Date),
            Column("exported_at", DateTime(timezone=True)),
        )
        self._conn: Connection | None = None
        try:
            self._prepare(tables)
        except StorageError:
            self.engine.dispose()
            raise
        except SQLAlchemyError as e:
            self.engine.dispose()
            raise ExportTargetUnusable(
                f"cannot create the export tables in {self.shown}: {brief(e)}. Use a database "
                "(or schema) where this login may create tables."
            ) from None

    def _prepare(self, tables: list[ExportTable]) -> None:
        self.metadata.create_all(self.engine, checkfirst=True)
        found = inspect(self.engine)
        for t in tables:
            have = {c["name"] for c in found.get_columns(t.name)}
            missing = [c for c in t.column_names if c not in have]
            if missing:
                raise ExportTargetUnusable(
                    f"the table {t.name} in {self.shown} is not an atrisk export (it has no "
                    f"column {', '.join(missing)}): export to another database or schema."
                )

    @property
    def shown(self) -> str:
        return self._shown

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect()
            self._conn.begin()
        return self._conn

    def last_export(self) -> dict[str, Any] | None:
        row = self.conn.execute(
            select(self.state.c.through, self.state.c.exported_at).where(
                self.state.c.target == self.record
            )
        ).first()
        return None if row is None else {"through": row.through, "exported_at": row.exported_at}

    def days(self, table: ExportTable) -> list[dt.date]:
        sql = self.tables[table.name]
        col = sql.c[table.partition]
        return sorted(self.conn.execute(select(col).distinct()).scalars())

    def begin(self, table: ExportTable, since: dt.date | None, keep: set[dt.date]) -> None:
        """Delete ``table``'s rows from ``since`` on (their days are written again)."""
        sql = self.tables[table.name]
        stmt = delete(sql)
        if since is not None:
            stmt = stmt.where(sql.c[table.partition] >= since)
        self._run(stmt)

    def write(self, table: ExportTable, day: dt.date, data: pa.Table) -> None:
        rows = data.to_pylist()
        sql = self.tables[table.name]
        for start in range(0, len(rows), INSERT_CHUNK):
            self._run(sql.insert(), rows[start : start + INSERT_CHUNK])

    def finish(self, record: dict[str, Any]) -> None:
        """Record the export and commit everything it wrote."""
        self._run(delete(self.state).where(self.state.c.target == self.record))
        self._run(
            self.state.insert(),
            [{"target": self.record, "through": record["through"], "exported_at": record["at"]}],
        )
        self.conn.commit()

    def _run(self, stmt: Any, rows: list[dict[str, Any]] | None = None) -> None:
        try:
            self.conn.execute(stmt, rows) if rows is not None else self.conn.execute(stmt)
        except StorageError:
            raise
        except SQLAlchemyError as e:
            raise ExportTargetUnusable(
                f"writing to {self.shown} failed: {brief(e)}. Nothing of this export was "
                "kept; fix the cause and export again."
            ) from None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()  # an export that did not finish is rolled back
        self.engine.dispose()
