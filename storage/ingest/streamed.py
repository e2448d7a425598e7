"""An ingest into the embedded DuckDB source engine, with the event tables streamed.

``accounts``, ``team`` and ``account_features`` (one row per account or person, or per account
and snapshot) are read and checked as in every ingest (``readers``, ``coerce``, ``validate``);
``usage``, ``integration_runs`` and ``tickets`` are read, checked and upserted by DuckDB itself
(``stream_duckdb`` stages each file; into a table still empty, ``stream_direct`` types it
straight in and checks the rows written; otherwise ``stream_checks`` parses it once into a
temporary table and checks it there in one pass, and ``load_duckdb`` upserts from that table),
so memory does not grow with the extract's length.
Both transactions, the source engine's and the application database's, commit only after
everything is checked and written; bad input raises ``ContractViolation`` listing every
problem, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from storage.errors import ContractViolation
from storage.ingest import stream_checks as checks
from storage.ingest import stream_direct
from storage.ingest import stream_duckdb as duck
from storage.ingest.coerce import Typed, coerce_table
from storage.ingest.contract import ACCOUNTS, LOAD_ORDER, TABLES
from storage.ingest.load import LoadCounts, Progress, begin_write, load_tables
from storage.ingest.load_duckdb import upsert_from
from storage.ingest.readers import Extract, read_source
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
    ``team`` also into the application database ``engine``); one transaction on each.

    An event file whose table is still empty is typed straight into it (``stream_direct``);
    should any file then break the contract, everything is rolled back and the ingest runs again
    with every file staged, to name each problem."""
    clock, started_at = time.perf_counter(), dt.datetime.now(dt.UTC)
    now = now or started_at
    extract = read_source(folder, required_tables, streamed=duck.STREAMED)
    typed = {
        name: coerce_table(TABLES[name], extract.tables.pop(name).frame, raw.origin, raw.found)
        for name, raw in list(extract.tables.items())
    }
    problems = extract.problems + validate(typed, now=now)
    run = _Run(folder, extract, typed, progress, now, started_at, clock)
    if not problems:
        try:
            return run.into(engine, source_engine, [], direct=True)
        except stream_direct.NotClean:
            pass  # rolled back; staged, every file names its problems
    return run.into(engine, source_engine, problems, direct=False)


@dataclass
class _Run:
    """What an ingest read before writing, and how to write it (``into``)."""

    folder: str | Path
    extract: Extract
    typed: dict[str, Typed]
    progress: Progress | None
    now: dt.datetime
    started_at: dt.datetime
    clock: float

    def into(
        self, engine: Engine, source_engine: Engine, problems: list[str], *, direct: bool
    ) -> IngestReport:
        """Check and write everything in one transaction on each engine; ``direct``: event
        tables still empty are loaded straight (``NotClean`` when a file breaks a rule)."""
        extract, typed, now, clock = self.extract, self.typed, self.now, self.clock
        report_progress = self.progress or (lambda _t, _d, _n: None)
        report = IngestReport(source=str(Path(self.folder).resolve()))
        with engine.begin() as conn, source_engine.begin() as src:
            begin_write(conn)
            duck.configure(src)
            staged: dict[str, duck.Staged] = {}
            for name, path in extract.files.items():
                one = duck.stage(src, name, path, problems)
                if one is not None:
                    staged[name] = one
            if direct and problems:
                raise stream_direct.NotClean("staging")
            ids = _extract_accounts(typed) if accounts_readable(extract, typed) else None
            scans: dict[str, checks.Scan] = {}
            loaded_direct: dict[str, LoadCounts] = {}
            for name, one in list(staged.items()):
                if direct and stream_direct.is_empty(src, name):
                    found, seconds = stream_direct.load(src, one, now=now, extract_accounts=ids)
                    loaded_direct[name] = LoadCounts(found.rows, found.rows, 0, seconds)
                    scans[name] = found
                    report_progress(name, found.rows, found.rows)
                    continue
                found_or_none = checks.scan(src, one, problems, now=now, extract_accounts=ids)
                if found_or_none is None:
                    del staged[name]
                    continue
                scans[name] = found_or_none
                report_progress(name, 0, found_or_none.rows)
                problems += checks.rule_problems(src, one, found_or_none)
            report.phases["read"] = time.perf_counter() - clock
            if ids is not None:
                wanted = referenced_accounts(typed)
                problems += reference_problems(typed, stored_accounts(src, wanted))
                for name, one in staged.items():
                    if name not in loaded_direct:
                        problems += checks.reference_problems(src, one, scans[name], ids)
            if leads_readable(extract, typed):
                wanted = referenced_leads(typed)
                problems += lead_reference_problems(typed, stored_leads(src, wanted))
            if problems and direct:
                raise stream_direct.NotClean("checks")
            if problems:
                raise ContractViolation(problems)
            report.phases["check"] = time.perf_counter() - clock - report.phases["read"]
            for t in typed.values():
                t.raw = t.raw.iloc[:0]
            days = [data_through(typed), *(s.newest for s in scans.values())]
            report.data_through = max((d for d in days if d is not None), default=None)
            loaded = load_tables(src, typed, self.progress)
            for name in LOAD_ORDER:
                if name in loaded:
                    report.tables[name] = loaded[name]
                elif name in loaded_direct:
                    report.tables[name] = loaded_direct[name]
                elif name in staged:
                    report.tables[name] = _upsert(src, staged[name], scans[name])
                    report_progress(name, scans[name].rows, scans[name].rows)
            for one in staged.values():
                duck.drop(src, one)
            load_tables(conn, {n: typed[n] for n in MIRRORED if n in typed})
            report.warnings = [w for t in typed.values() for w in t.warnings]
            report.warnings += [
                w
                for name, s in staged.items()
                for w in duck.warnings_of(s, extract.files[name], src)
            ]
            report.warnings += warnings_after_load(src, typed)
            report.run_id = record_run(conn, report, self.started_at)
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
