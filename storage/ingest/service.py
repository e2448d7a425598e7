"""One ingest: read the source, check it against the contract, upsert it in one transaction.

Bad input raises ``ContractViolation`` listing every problem, and nothing is written; a failure
while loading rolls everything back. A successful ingest records an ``IngestRun``.

With a separate source engine (the embedded DuckDB file) every table goes there, and the
application database receives a copy of ``accounts`` and ``team`` only (alerts, routing and
``/atrisk`` join them); the source engine's transaction commits just before the application's.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from storage.errors import ContractViolation
from storage.ingest.coerce import Typed, coerce_table
from storage.ingest.contract import ACCOUNTS, DEFAULT_REQUIRED, LEADS, TABLES
from storage.ingest.load import LoadCounts, Progress, begin_write, load_tables
from storage.ingest.readers import Extract, is_url, read_source
from storage.ingest.validate import (
    data_through,
    lead_reference_problems,
    reference_problems,
    referenced_accounts,
    referenced_leads,
    validate,
)
from storage.ingest.warn import warnings_after_load
from storage.models import Account, IngestRun, Lead
from storage.source_engine import MIRRORED

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


def ingest(
    source: str | Path,
    engine: Engine,
    *,
    required_tables: Iterable[str] = DEFAULT_REQUIRED,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    source_engine: Engine | None = None,
) -> IngestReport:
    """Validate ``source`` (a folder or a SQLAlchemy URL) and upsert it into the source engine.

    ``source_engine``: where the contract's tables live (default ``engine``, the application
    database); when it is another engine, ``engine`` gets ``accounts`` and ``team`` only.
    """
    clock = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC)
    now = now or started_at
    extract = read_source(source, required_tables)
    typed = {
        name: coerce_table(TABLES[name], extract.tables.pop(name).frame, raw.origin, raw.found)
        for name, raw in list(extract.tables.items())
    }
    report = IngestReport(source=extract.source if is_url(source) else str(Path(source).resolve()))
    report.phases["read"] = time.perf_counter() - clock
    problems = extract.problems + validate(typed, now=now)
    with engine.begin() as conn, _source_transaction(source_engine, engine, conn) as src:
        begin_write(conn)
        if _accounts_readable(extract, typed):
            wanted = referenced_accounts(typed)
            problems += reference_problems(typed, _stored_accounts(src, wanted))
        if _leads_readable(extract, typed):
            wanted = referenced_leads(typed)
            problems += lead_reference_problems(typed, _stored_ids(src, Lead, wanted))
        if problems:
            raise ContractViolation(problems)
        report.phases["check"] = time.perf_counter() - clock - report.phases["read"]
        for t in typed.values():
            t.raw = t.raw.iloc[:0]  # the text was kept only to quote it in problems
        report.data_through = data_through(typed)
        report.tables = load_tables(src, typed, progress)
        if src is not conn:
            load_tables(conn, {n: typed[n] for n in MIRRORED if n in typed})
        report.warnings = [w for t in typed.values() for w in t.warnings]
        report.warnings += warnings_after_load(src, typed)
        report.run_id = record_run(conn, report, started_at)
    report.seconds = time.perf_counter() - clock
    report.phases["load"] = report.seconds - report.phases["read"] - report.phases["check"]
    return report


@contextmanager
def _source_transaction(
    source_engine: Engine | None, engine: Engine, conn: Connection
) -> Iterator[Connection]:
    """The connection the contract's tables are written on: ``conn`` itself, or a transaction
    on the separate source engine."""
    if source_engine is None or source_engine is engine:
        yield conn
        return
    with source_engine.begin() as src:
        yield src


def _accounts_readable(extract: Extract, typed: Mapping[str, Typed]) -> bool:
    """Whether unknown-account checks make sense (a broken accounts file would flag everything)."""
    if ACCOUNTS in typed:
        return "account_id" in typed[ACCOUNTS].frame.columns
    return not any(p.startswith(ACCOUNTS) for p in extract.problems)


def _leads_readable(extract: Extract, typed: Mapping[str, Typed]) -> bool:
    """Whether unknown-lead checks make sense (a broken leads file would flag everything)."""
    if LEADS in typed:
        return "lead_id" in typed[LEADS].frame.columns
    return not any(p.startswith(f"{LEADS}:") for p in extract.problems)


def _stored_accounts(conn: Connection, wanted: set[str]) -> set[str]:
    """Which of ``wanted`` are already in the database (from an earlier ingest)."""
    return _stored_ids(conn, Account, wanted)


def _stored_ids(conn: Connection, model: type[Account] | type[Lead], wanted: set[str]) -> set[str]:
    """Which of the ids ``wanted`` of ``model`` are already in the database."""
    if not wanted:
        return set()
    ids = Account.__table__.c.account_id if model is Account else Lead.__table__.c.lead_id
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
