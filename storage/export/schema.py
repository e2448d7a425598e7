"""The shape of an exported table: its columns and types, its key and its partition date.

Kinds map to one type per target: Parquet (arrow), a SQL column (SQLAlchemy) and CSV text
(ISO dates and timestamps, ``true``/``false``, empty for missing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
from sqlalchemy import Boolean, Column, Date, DateTime, Float, MetaData, Table, Text
from sqlalchemy.types import BigInteger, TypeEngine

Kind = Literal["str", "int", "float", "bool", "date", "timestamp"]

_ARROW: dict[str, pa.DataType] = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}
_SQL: dict[str, type[TypeEngine[Any]]] = {
    "str": Text,
    "int": BigInteger,
    "float": Float,
    "bool": Boolean,
    "date": Date,
    "timestamp": DateTime,
}
_TZ_AWARE = {"timestamp"}


@dataclass(frozen=True)
class ExportColumn:
    """One column: its name, kind and what it means (the text docs/export.md shows)."""

    name: str
    kind: Kind
    doc: str


@dataclass(frozen=True)
class ExportTable:
    """One exported table; ``partition`` is a date column, ``key`` identifies a row."""

    name: str
    columns: tuple[ExportColumn, ...]
    key: tuple[str, ...]
    partition: str

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, _ARROW[c.kind]) for c in self.columns])

    def sql_table(self, metadata: MetaData, schema: str | None = None) -> Table:
        """The table as SQLAlchemy Core (timestamps with their time zone, UTC)."""
        cols = [
            Column(
                c.name,
                DateTime(timezone=True) if c.kind in _TZ_AWARE else _SQL[c.kind](),
                primary_key=c.name in self.key,
            )
            for c in self.columns
        ]
        return Table(self.name, metadata, *cols, schema=schema)

    def typed(self, frame: pd.DataFrame) -> pa.Table:
        """``frame`` (the table's columns, in any order) as arrow with this table's types."""
        missing = [c for c in self.column_names if c not in frame.columns]
        if missing:
            raise ValueError(f"{self.name}: no column {', '.join(missing)}")
        arrays = []
        for c in self.columns:
            values = frame[c.name]
            if c.kind == "date":
                values = pd.to_datetime(values).dt.date
            elif c.kind == "timestamp":
                values = pd.to_datetime(values, utc=True)
            arrays.append(pa.array(values, type=_ARROW[c.kind], from_pandas=True))
        return pa.Table.from_arrays(arrays, schema=self.arrow_schema())
