"""One ingest: read the source, check it against the contract, upsert it in one transaction.

Bad input raises ``ContractViolation`` listing every problem, and nothing is written; a failure
while loading rolls everything back. A successful ingest records an ``IngestRun``.

With a separate source engine (the embedded DuckDB file) every table goes there, and the
application database receives a copy of ``accounts`` and ``team`` only (alerts, routing and
``/atrisk`` join them); the source engine's transaction commits just before the application's.
A folder ingested into the embedded DuckDB file has its event tables streamed through DuckDB
(``streamed``), never held in pandas.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine

from storage.errors import ContractViolation
from storage.ingest.coerce import coerce_table
from storage.ingest.contract import DEFAULT_REQUIRED, TABLES
from storage.ingest.load import Progress, begin_write, load_tables
from storage.ingest.readers import is_url, read_source
from storage.ingest.run import (
    IngestReport,
    accounts_readable,
    leads_readable,
    record_run,
    stored_accounts,
    stored_leads,
)
from storage.ingest.streamed import ingest_streaming
from storage.ingest.validate import (
    data_through,
    lead_reference_problems,
    reference_problems,
    referenced_accounts,
    referenced_leads,
    validate,
)
from storage.ingest.warn import warnings_after_load
from storage.source_engine import MIRRORED, is_duckdb

__all__ = ["IngestReport", "ingest", "record_run"]


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
    database); when it is another engine, ``engine`` gets ``accounts`` and ``team`` only. A
    folder ingested into a separate DuckDB source engine streams its event tables
    (``storage.ingest.streamed``).
    """
    streams = source_engine is not None and source_engine is not engine
    if source_engine is not None and streams and is_duckdb(source_engine) and not is_url(source):
        return ingest_streaming(
            source,
            engine,
            source_engine,
            required_tables=required_tables,
            progress=progress,
            now=now,
        )
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
        if accounts_readable(extract, typed):
            wanted = referenced_accounts(typed)
            problems += reference_problems(typed, stored_accounts(src, wanted))
        if leads_readable(extract, typed):
            wanted = referenced_leads(typed)
            problems += lead_reference_problems(typed, stored_leads(src, wanted))
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
