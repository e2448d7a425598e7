"""What both back ends share: the upsert statement, row counts and what a load reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, Table, cast, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

Progress = Callable[[str, int, int], None]
BATCH_ROWS = 100_000
#: an empty table receiving at least this many rows is loaded first and indexed afterwards
BULK_ROWS = 50_000


@dataclass(frozen=True)
class LoadCounts:
    """Rows of one table in the extract: new ones, changed ones, the rest unchanged."""

    rows: int
    inserted: int
    updated: int
    seconds: float = 0.0

    @property
    def unchanged(self) -> int:
        return self.rows - self.inserted - self.updated


def count_rows(conn: Connection, model: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(model)).scalar_one())


def with_conflict_update(
    ins: sqlite.Insert | postgresql.Insert, model: Table, names: list[str]
) -> Any:
    """``ins`` made an upsert on the primary key that rewrites only rows that changed.

    Only the extract's columns are set, so an optional column it leaves out keeps its value.
    """
    keys = [c.name for c in model.primary_key.columns]
    rest = [n for n in names if n not in keys]
    if not rest:
        return ins.on_conflict_do_nothing(index_elements=keys)
    pg = isinstance(ins, postgresql.Insert)
    terms = []
    for n in rest:
        old: ColumnElement[Any] = model.c[n]
        new: ColumnElement[Any] = getattr(ins.excluded, n)
        if pg and isinstance(model.c[n].type, JSON):  # json has no equality; jsonb does
            old, new = cast(old, postgresql.JSONB), cast(new, postgresql.JSONB)
        terms.append(old.is_distinct_from(new))
    return ins.on_conflict_do_update(
        index_elements=keys,
        set_={n: getattr(ins.excluded, n) for n in rest},
        where=or_(*terms),
    )
