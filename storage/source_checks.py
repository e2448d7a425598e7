"""The input contract checked where a source lives: SQL run by the source engine, nothing copied.

For a URL source read in place, the event tables are checked with one aggregate query per table
(a ``SUM(CASE …)`` per rule) and a ``LIMIT 5`` query of example keys for each broken rule, so no
event row is fetched into Python. The messages are the ingest's (``storage.ingest.problems``):
table, column, rule, row count and example ids. ``accounts`` and ``team`` (one row per account
or person) are read, checked as in an ingest and copied into the application database, which
joins them for alerts, routing and ``/atrisk``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, Select, and_, case, exists, func, inspect, literal, select

from storage.errors import ContractViolation
from storage.ingest.coerce import coerce_table
from storage.ingest.contract import FUTURE_TOLERANCE, TABLES
from storage.ingest.load import load_tables
from storage.ingest.problems import MAX_EXAMPLES, Problem
from storage.ingest.readers import read_tables
from storage.ingest.service import IngestReport, record_run
from storage.ingest.validate import validate
from storage.models import Base
from storage.source_engine import MIRRORED

EVENT_TABLES = ("usage", "integration_runs", "tickets", "leads", "lead_activity")


def table_rules(name: str, now: dt.datetime) -> list[tuple[str, str, Any]]:
    """``(column, rule, condition)`` for every contract rule of one table, as SQL expressions."""
    spec, t = TABLES[name], Base.metadata.tables[name]
    out: list[tuple[str, str, Any]] = []
    limit = now.astimezone(dt.UTC) + FUTURE_TOLERANCE
    for col in spec.columns:
        c = t.c[col.name]
        if col.required:
            out.append((col.name, "are empty (the column is required)", c.is_(None)))
        if col.min_value == 0:
            out.append((col.name, "are negative (must be ≥ 0)", c < 0))
        if col.choices:
            allowed = ", ".join(col.choices)
            rule = f"have an unknown value (allowed: {allowed})"
            out.append((col.name, rule, and_(c.is_not(None), c.not_in(col.choices))))
        if col.not_future:
            bound = limit if col.kind == "timestamp" else limit.date()
            rule = f"are in the future (after {limit:%Y-%m-%d %H:%M} UTC)"
            out.append((col.name, rule, c > bound))
    for earlier, later, rule in spec.ordered:
        out.append((later, f"{rule} ({later} < {earlier})", t.c[later] < t.c[earlier]))
    if spec.references_accounts:
        accounts = Base.metadata.tables["accounts"]
        known = exists().where(accounts.c.account_id == t.c.account_id)
        out.append(("account_id", "reference account(s) not in accounts", ~known))
    if spec.references_leads:
        leads = Base.metadata.tables["leads"]
        known = exists().where(leads.c.lead_id == t.c.lead_id)
        out.append(("lead_id", "reference lead(s) not in leads", ~known))
    return out


def count_query(name: str, now: dt.datetime) -> Select[Any]:
    """One aggregate query counting the rows that break each rule of table ``name``."""
    t, rules = Base.metadata.tables[name], table_rules(name, now)
    return select(*(func.sum(case((cond, 1), else_=0)) for _c, _r, cond in rules)).select_from(t)


def example_query(name: str, cond: Any) -> Select[Any]:
    """A few example keys of the rows of table ``name`` where ``cond`` holds."""
    t, key = Base.metadata.tables[name], TABLES[name].key
    return select(*(t.c[k] for k in key)).where(cond).limit(MAX_EXAMPLES)


def duplicates_query(name: str) -> Select[Any]:
    """Keys of table ``name`` held by more than one row, with how many rows hold each."""
    t, key = Base.metadata.tables[name], TABLES[name].key
    cols = [t.c[k] for k in key]
    return select(*cols, func.count().label("n")).group_by(*cols).having(func.count() > 1)


def check_queries(name: str, now: dt.datetime) -> list[Select[Any]]:
    """Every query the contract check of table ``name`` may run (for a portability check)."""
    groups = duplicates_query(name).subquery()
    return [
        count_query(name, now),
        *(example_query(name, cond) for _c, _r, cond in table_rules(name, now)),
        select(func.coalesce(func.sum(groups.c.n), literal(0))),
        select(*(groups.c[k] for k in TABLES[name].key)).limit(MAX_EXAMPLES),
    ]


def sql_problems(engine: Engine, names: Iterable[str], *, now: dt.datetime) -> list[str]:
    """Every broken rule of the event tables ``names``, counted by the engine."""
    problems: list[str] = []
    with engine.connect() as conn:
        for name in names:
            rules = table_rules(name, now)
            counts = conn.execute(count_query(name, now)).one()
            for (column, rule, cond), n in zip(rules, counts, strict=True):
                if n:
                    rows = conn.execute(example_query(name, cond)).all()
                    ids = tuple("/".join(str(v) for v in row) for row in rows)
                    problems.append(str(Problem(name, column, int(n), rule, ids)))
            problems += _duplicates(conn, TABLES[name].key, name)
    return problems


def _duplicates(conn: Any, key: tuple[str, ...], name: str) -> list[str]:
    sub = duplicates_query(name).subquery()
    n = conn.execute(select(func.coalesce(func.sum(sub.c.n), literal(0)))).scalar_one()
    if not n:
        return []
    rows = conn.execute(select(*(sub.c[k] for k in key)).limit(MAX_EXAMPLES)).all()
    ids = tuple("/".join(str(v) for v in row) for row in rows)
    what = key[0] if len(key) == 1 else f"({', '.join(key)})"
    rule = f"repeat the same {what} (it must be unique)"
    return [str(Problem(name, "+".join(key), int(n), rule, ids))]


def check_in_place(
    source: Engine,
    app: Engine,
    *,
    required_tables: Iterable[str],
    now: dt.datetime | None = None,
) -> IngestReport:
    """Check a source read in place and copy its ``accounts`` and ``team`` into ``app``.

    Raises ``ContractViolation`` listing every problem (nothing is copied then).
    """
    clock, started_at = time.perf_counter(), dt.datetime.now(dt.UTC)
    now = now or started_at
    required = list(required_tables)
    extract = read_tables(source, MIRRORED)
    typed = {
        n: coerce_table(TABLES[n], raw.frame, raw.origin, raw.found)
        for n, raw in extract.tables.items()
    }
    schema = (source.get_execution_options().get("schema_translate_map") or {}).get(None)
    with source.connect() as conn:
        present = {n.lower() for n in inspect(conn).get_table_names(schema=schema)}
    problems = extract.problems + validate(typed, now=now)
    problems += [
        f"{n}: required table is missing (no table {n} in the database {extract.source})"
        for n in required
        if n not in present
    ]
    events = [n for n in EVENT_TABLES if n in present]
    problems += sql_problems(source, events, now=now)
    if problems:
        raise ContractViolation(problems)
    report = IngestReport(source=extract.source)
    with source.connect() as conn:
        report.data_through = _data_through(conn, events)
    with app.begin() as conn:
        report.tables = load_tables(conn, typed)
        report.run_id = record_run(conn, report, started_at)
    report.seconds = time.perf_counter() - clock
    return report


def _data_through(conn: Any, events: list[str]) -> dt.date | None:
    newest: list[dt.date] = []
    for name, col in (
        ("usage", "date"),
        ("integration_runs", "ts"),
        ("tickets", "opened_at"),
        ("lead_activity", "ts"),
    ):
        if name in events:
            top = conn.execute(select(func.max(Base.metadata.tables[name].c[col]))).scalar()
            if top is not None:
                newest.append(top.date() if isinstance(top, dt.datetime) else top)
    return max(newest, default=None)


__all__ = ["check_in_place", "check_queries", "sql_problems", "table_rules"]
