"""The declarative base of every table: one metadata with the constraint naming convention.

``storage.models`` (the contract's tables and atrisk's own) and ``storage.lead_models`` (the lead
tables) both declare on it; importing ``storage.models`` defines them all, which is what Alembic
and the ingest read (``Base.metadata``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Now, in UTC (the default of every timestamp column)."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """JSON for dicts and lists, timestamps with their time zone."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        dt.datetime: DateTime(timezone=True),
    }
