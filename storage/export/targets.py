"""``--to``: a folder (created if missing) or a SQLAlchemy URL (anything with ``://``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from storage.export.database import DatabaseTarget
from storage.export.folder import FolderTarget, Format
from storage.export.schema import ExportTable


class Target(Protocol):
    """Where an export goes: partitions replaced from a date on, and a record of the export."""

    @property
    def shown(self) -> str: ...

    def last_export(self) -> dict[str, Any] | None: ...
    def days(self, table: ExportTable) -> list[dt.date]: ...
    def begin(self, table: ExportTable, since: dt.date | None, keep: set[dt.date]) -> None: ...
    def write(self, table: ExportTable, day: dt.date, data: pa.Table) -> None: ...
    def finish(self, record: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


def open_target(
    to: str, tables: list[ExportTable], fmt: Format = "parquet", *, record: str = "account"
) -> Target:
    """The target ``to`` names; ``record``: whose export record it keeps (a product: churn's,
    ``account``, is the original one). Raises ``ExportTargetUnusable`` or
    ``DatabaseUnavailable`` (a bad or unreachable URL) with a message naming it."""
    if "://" in to:
        return DatabaseTarget(to, tables, record=record)
    return FolderTarget(Path(to).expanduser(), fmt, record=record)
