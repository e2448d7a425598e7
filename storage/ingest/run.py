"""What an ingest reports and records, and the account lookups both ingest paths share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select

from storage.ingest.coerce import Typed
from storage.ingest.contract import ACCOUNTS, LEADS
from storage.ingest.load import LoadCounts
from storage.ingest.readers import Extract
from storage.lead_models import Lead
from storage.models import Account, IngestRun

_IN_CHUNK = 500


@dataclass
class IngestReport:
    """What an ingest did: rows per table (new, changed, unchanged), newest data, duration."""

    source: str
    tables: dict[str, LoadCounts] = field(default_factory=dict)
    data_through: dt.date | None = None
    seconds: float = 0.0
    run_id: int | None = None
    #: seconds spent reading and typing, checking, and loading (with the commit)
    phases: dict[str, float] = field(default_factory=dict)
    #: valid data that will not do what its owner expects (printed, never refused)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "run_id": self.run_id,
            "data_through": self.data_through.isoformat() if self.data_through else None,
            "seconds": round(self.seconds, 3),
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
            "rows": self.rows,
            "warnings": self.warnings,
            "tables": {
                name: {
                    "rows": c.rows,
                    "inserted": c.inserted,
                    "updated": c.updated,
                    "unchanged": c.unchanged,
                    "seconds": round(c.seconds, 3),
                }
                for name, c in self.tables.items()
            },
        }


def accounts_readable(extract: Extract, typed: Mapping[str, Typed]) -> bool:
    """Whether unknown-account checks make sense (a broken accounts file would flag everything)."""
    if ACCOUNTS in typed:
        return "account_id" in typed[ACCOUNTS].frame.columns
    return not any(p.startswith(ACCOUNTS) for p in extract.problems)


def stored_accounts(conn: Connection, wanted: set[str]) -> set[str]:
    """Which of ``wanted`` are already in the database (from an earlier ingest)."""
    return _stored_ids(conn, Account.__table__.c.account_id, wanted)


def leads_readable(extract: Extract, typed: Mapping[str, Typed]) -> bool:
    """Whether unknown-lead checks make sense (a broken leads file would flag everything)."""
    if LEADS in typed:
        return "lead_id" in typed[LEADS].frame.columns
    return not any(p.startswith(f"{LEADS}:") for p in extract.problems)


def stored_leads(conn: Connection, wanted: set[str]) -> set[str]:
    """Which of the lead ids ``wanted`` are already in the database."""
    return _stored_ids(conn, Lead.__table__.c.lead_id, wanted)


def _stored_ids(conn: Connection, ids: Any, wanted: set[str]) -> set[str]:
    if not wanted:
        return set()
    if len(wanted) > 20 * _IN_CHUNK:
        return set(conn.execute(select(ids)).scalars()) & wanted
    found: set[str] = set()
    ordered = sorted(wanted)
    for i in range(0, len(ordered), _IN_CHUNK):
        chunk = ordered[i : i + _IN_CHUNK]
        found.update(conn.execute(select(ids).where(ids.in_(chunk))).scalars())
    return found


def record_run(conn: Connection, report: IngestReport, started_at: dt.datetime) -> int:
    """Record a succeeded ingest (or check in place) as an ``IngestRun``; its id."""
    summary = "; ".join(
        f"{name}: {c.inserted} new, {c.updated} changed, {c.unchanged} unchanged"
        for name, c in report.tables.items()
    )
    stmt = (
        insert(IngestRun)
        .values(
            source=report.source,
            started_at=started_at,
            finished_at=dt.datetime.now(dt.UTC),
            status="succeeded",
            row_counts={name: c.rows for name, c in report.tables.items()},
            data_through=report.data_through,
            message=summary,
        )
        .returning(IngestRun.id)
    )
    return int(conn.execute(stmt).scalar_one())
