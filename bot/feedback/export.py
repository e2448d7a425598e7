"""``atrisk export``: scores, alerts, actions, plays and outcomes out to a folder or a database.

Each table is partitioned by a date (``bot.report.export_tables``); an export replaces every
partition from its start date on with what the store holds now, so it is idempotent (two runs
give the same rows) and incremental. The start date is ``--since`` when given; otherwise it
follows the target's record of its last export: scores from that export's day on (a day's
scores do not change once written), and the other tables from ``refresh_days`` before it,
because an alert is posted, a play is done or expires and an outcome arrives during the
weeks after their day. A target with no record gets everything.

One product is exported at a time (``product``: ``account`` for churn, ``lead``): churn's
tables keep their names (``scores``, ``alerts``, …) and its record; a lead export writes
``lead_scores``, ``lead_alerts``, … with a record of its own, so two products exported to one
target never replace each other's rows or move each other's start date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from bot.report.export_tables import TABLES, shaped
from storage.errors import ExportTargetUnusable
from storage.export.folder import Format
from storage.export.schema import ExportTable
from storage.export.targets import open_target
from storage.repositories.export_rows import partition_days, rows_of_day

#: (table, partitions written, partitions to write)
Progress = Callable[[str, int, int], None]
#: tables whose rows never change after their day
SETTLED = frozenset({"scores"})


@dataclass
class ExportReport:
    """What one export wrote: the target (no password), the start date per table (None: all),
    rows and partition days per table."""

    target: str
    through: dt.date
    product: str = "account"
    since: dict[str, dt.date | None] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    days: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "product": self.product,
            "through": self.through.isoformat(),
            "tables": {
                name: {
                    "since": s.isoformat() if s else None,
                    "rows": self.rows.get(name, 0),
                    "days": self.days.get(name, 0),
                }
                for name, s in self.since.items()
            },
        }


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def same_database(engine: Engine, url: str) -> bool:
    """Whether ``url`` names the database ``engine`` is on (same kind, host, port, name)."""
    try:
        other = make_url(url)
    except (ArgumentError, ValueError):
        return False  # open_target says what is wrong with it
    mine = engine.url

    def where(u: URL) -> tuple[object, ...]:
        database = u.database or ""
        if u.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
            database = str(Path(database).expanduser().resolve())
        return (u.get_backend_name(), u.host, u.port, database)

    return where(mine) == where(other)


def product_tables(product: str) -> dict[str, ExportTable]:
    """The tables ``product`` exports, keyed by the store's table name: churn's (``account``)
    as named, every other product's with its name in front (``lead_scores``, …)."""
    if product == "account":
        return dict(TABLES)
    return {n: dataclasses.replace(t, name=f"{product}_{n}") for n, t in TABLES.items()}


def start_dates(
    last: dict[str, Any] | None, since: dt.date | None, refresh_days: int
) -> dict[str, dt.date | None]:
    """Where each table's export starts: ``since`` for all; else from the last export's day
    (scores) or ``refresh_days`` before it (the rest); None (everything) with no record."""
    if since is not None:
        return dict.fromkeys(TABLES, since)
    through = _as_date(last.get("through")) if last else None
    if through is None:
        return dict.fromkeys(TABLES, None)
    back = through - dt.timedelta(days=refresh_days)
    return {name: through if name in SETTLED else back for name in TABLES}


def export(
    engine: Engine,
    to: str,
    *,
    today: dt.date,
    since: dt.date | None = None,
    fmt: Format = "parquet",
    refresh_days: int = 60,
    progress: Progress | None = None,
    product: str = "account",
) -> ExportReport:
    """Export ``product``'s records in the application store at ``engine`` to ``to`` (a folder
    or a SQLAlchemy URL); the report's tables are named as written (``product_tables``).

    Raises ``ExportTargetUnusable`` (cannot write there) or ``DatabaseUnavailable`` (a bad or
    unreachable URL); a database target keeps nothing of an export that failed.
    """
    tell = progress or (lambda _t, _d, _n: None)
    if "://" in to and same_database(engine, to):
        raise ExportTargetUnusable(
            "--to names atrisk's own database: export to another database (or a folder), "
            "so the export's tables never meet the application's."
        )
    written = product_tables(product)
    target = open_target(to, list(written.values()), fmt, record=product)
    try:
        starts = start_dates(target.last_export(), since, refresh_days)
        report = ExportReport(target.shown, today, product)
        for name, table in TABLES.items():
            out = written[name]
            days = partition_days(engine, name, since=starts[name], product=product)
            target.begin(out, starts[name], set(days))
            tell(out.name, 0, len(days))
            rows = 0
            for i, day in enumerate(days, start=1):
                frame = shaped(table, rows_of_day(engine, name, day, product=product))
                target.write(out, day, table.typed(frame))
                rows += len(frame)
                tell(out.name, i, len(days))
            report.since[out.name] = starts[name]
            report.rows[out.name], report.days[out.name] = rows, len(days)
        target.finish({"through": today, "at": dt.datetime.now(dt.UTC), "rows": report.rows})
    finally:
        target.close()
    return report
