"""An ingest into the embedded DuckDB source engine, with the event tables streamed.

``accounts``, ``team`` and ``account_features`` (one row per account or person, or per account
and snapshot) are read and checked as in every ingest (``readers``, ``coerce``, ``validate``);
``usage``, ``integration_runs`` and ``tickets`` are read, checked and upserted by DuckDB itself
(``stream_duckdb`` stages each file, ``stream_checks`` parses it once into a temporary table
and checks it there in one pass, ``load_duckdb`` upserts from that table), so memory does not
grow with the extract's length.
Both transactions, the source engine's and the application database's, commit only after
everything is checked and written; bad input raises ``ContractViolation`` listing every
problem, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy import Connection, Engine

from storage.errors import ContractViolation
from storage.ingest import stream_checks as checks
from storage.ingest import stream_duckdb as duck
from storage.ingest.coerce import Typed, coerce_table
from storage.ingest.contract import ACCOUNTS, LOAD_ORDER, TABLES
from storage.ingest.load import LoadCounts, Progress, begin_write, load_tables
from storage.ingest.load_duckdb import upsert_from
from storage.ingest.readers import read_source
from storage.ingest.run import (
    IngestReport,
    accounts_readable,
    leads_readable,
    record_run,
    stored_accounts,
    stored_leads,
)
from storage.ingest.validate import (
    data_through,
    lead_reference_problems,
    reference_problems,
    referenced_accounts,
    referenced_leads,
    validate,
)
from storage.ingest.warn import warnings_after_load
from storage.models import Base
from storage.source_engine import MIRRORED


def ingest_streaming(
    folder: str | Path,
    engine: Engine,
    source_engine: Engine,
    *,
    required_tables: Iterable[str],
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> IngestReport:
    """Ingest a folder of CSV/Parquet files into the DuckDB ``source_engine`` (``accounts`` and
    ``team`` also into the application database ``engine``); one transaction on each."""
    clock, started_at = time.perf_counter(), dt.datetime.now(dt.UTC)
    now = now or started_at
    report_progress = progress or (lambda _t, _d, _n: None)
    extract = read_source(folder, required_tables, streamed=duck.STREAMED)
    typed = {
        name: coerce_table(TABLES[name], extract.tables.pop(name).frame, raw.origin, raw.found)
        for name, raw in list(extract.tables.items())
    }
    report = IngestReport(source=str(Path(folder).resolve()))
    problems = extract.problems + validate(typed, now=now)
    with engine.begin() as conn, source_engine.begin() as src:
        begin_write(conn)
        duck.configure(src)
        staged: dict[str, duck.Staged] = {}
        for name, path in extract.files.items():
            one = duck.stage(src, name, path, problems)
            if one is not None:
                staged[name] = one
        ids = _extract_accounts(typed) if accounts_readable(extract, typed) else None
        scans: dict[str, checks.Scan] = {}
        for name, one in list(staged.items()):
            found = checks.scan(src, one, problems, now=now, extract_accounts=ids)
            if found is None:
                del staged[name]
                continue
            scans[name] = found
            report_progress(name, 0, found.rows)
            problems += checks.rule_problems(src, one, found)
        report.phases["read"] = time.perf_counter() - clock
        if ids is not None:
            wanted = referenced_accounts(typed)
            problems += reference_problems(typed, stored_accounts(src, wanted))
            for name, one in staged.items():
                problems += checks.reference_problems(src, one, scans[name], ids)
        if leads_readable(extract, typed):
            wanted = referenced_leads(typed)
            problems += lead_reference_problems(typed, stored_leads(src, wanted))
        if problems:
            raise ContractViolation(problems)
        report.phases["check"] = time.perf_counter() - clock - report.phases["read"]
        for t in typed.values():
            t.raw = t.raw.iloc[:0]
        days = [data_through(typed), *(s.newest for s in scans.values())]
        report.data_through = max((d for d in days if d is not None), default=None)
        loaded = load_tables(src, typed, progress)
        for name in LOAD_ORDER:
            if name in loaded:
                report.tables[name] = loaded[name]
            elif name in staged:
                report.tables[name] = _upsert(src, staged[name], scans[name])
                report_progress(name, scans[name].rows, scans[name].rows)
        for one in staged.values():
            duck.drop(src, one)
        load_tables(conn, {n: typed[n] for n in MIRRORED if n in typed})
        report.warnings = [w for t in typed.values() for w in t.warnings]
        report.warnings += [
            w for name, s in staged.items() for w in duck.warnings_of(s, extract.files[name], src)
        ]
        report.warnings += warnings_after_load(src, typed)
        report.run_id = record_run(conn, report, started_at)
    report.seconds = time.perf_counter() - clock
    report.phases["load"] = report.seconds - report.phases["read"] - report.phases["check"]
    return report


def _extract_accounts(typed: Mapping[str, Typed]) -> list[str]:
    if ACCOUNTS not in typed or "account_id" not in typed[ACCOUNTS].frame.columns:
        return []
    return [str(x) for x in typed[ACCOUNTS].frame["account_id"].dropna().tolist()]


def _upsert(conn: Connection, staged: duck.Staged, found: checks.Scan) -> LoadCounts:
    clock = time.perf_counter()
    model = Base.metadata.tables[staged.spec.name]
    names = list(staged.columns)
    typed = ", ".join(f"{duck.value_of(c)} AS {duck.q(c)}" for c in names)
    incoming = f"(SELECT {typed} FROM {duck.q(staged.rows)} x)"
    counts = upsert_from(conn, model, incoming, names, found.rows, span=found.span)
    return LoadCounts(counts.rows, counts.inserted, counts.updated, time.perf_counter() - clock)


__all__ = ["ingest_streaming"]
