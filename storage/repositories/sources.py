"""Reads the stored source tables (the input contract) as pandas frames for feature building.

``load_sources(since=…)`` keeps the frames small for a recent ``as_of`` without changing any
feature: besides the events on or after ``since`` it keeps the few older rows that
point-in-time features still need — each account's first and last use of each product feature
(never-used key features, days since last activity), the runs of each integration from its
last success onwards (failure streak, days since the last sync, broken integrations), and
every ticket still open at ``since`` (open and unanswered tickets).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, and_, func, or_, select

from storage.models import Account, AccountFeatureRow, IntegrationRun, TeamMember, Ticket, Usage

DATE_COLUMNS = {
    "accounts": ("created_at", "renewal_date", "churned_at"),
    "usage": ("date",),
}
TIMESTAMP_COLUMNS = {
    "integration_runs": ("ts",),
    "tickets": ("opened_at", "first_response_at", "closed_at"),
}


@dataclass(frozen=True)
class SourceFrames:
    """The contract tables as stored: dates as ``datetime64``, timestamps as UTC ``datetime64``."""

    accounts: pd.DataFrame
    team: pd.DataFrame
    usage: pd.DataFrame
    integration_runs: pd.DataFrame
    tickets: pd.DataFrame


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _read(engine: Engine, stmt: Select[*tuple[Any, ...]], table: str) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    for col in DATE_COLUMNS.get(table, ()):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[s]")
    for col in TIMESTAMP_COLUMNS.get(table, ()):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def _usage(engine: Engine, since: dt.date | None, until: dt.date | None) -> pd.DataFrame:
    cols = [Usage.account_id, Usage.date, Usage.feature, Usage.active_users, Usage.events]
    recent = select(*cols)
    if since is not None:
        recent = recent.where(Usage.date >= since)
    if until is not None:
        recent = recent.where(Usage.date < until)
    frame = _read(engine, recent.order_by(Usage.account_id, Usage.date), "usage")
    if since is None:
        return frame
    ends = (
        select(
            Usage.account_id,
            Usage.feature,
            func.min(Usage.date).label("first"),
            func.max(Usage.date).label("last"),
        )
        .where(Usage.events > 0, Usage.date < since)
        .group_by(Usage.account_id, Usage.feature)
        .subquery()
    )
    older = select(*cols).join(
        ends,
        and_(
            Usage.account_id == ends.c.account_id,
            Usage.feature == ends.c.feature,
            or_(Usage.date == ends.c.first, Usage.date == ends.c.last),
        ),
    )
    old = _read(engine, older, "usage")
    return pd.concat([old, frame], ignore_index=True) if len(old) else frame


def _runs(engine: Engine, since: dt.date | None, until: dt.date | None) -> pd.DataFrame:
    R = IntegrationRun
    cols = [R.account_id, R.ts, R.integration, R.status, R.error]
    recent = select(*cols)
    if since is not None:
        recent = recent.where(R.ts >= _midnight(since))
    if until is not None:
        recent = recent.where(R.ts < _midnight(until))
    frame = _read(engine, recent.order_by(R.account_id, R.integration, R.ts), "integration_runs")
    if since is None:
        return frame
    last_ok = (
        select(R.account_id, R.integration, func.max(R.ts).label("ok"))
        .where(R.status == "success", R.ts < _midnight(since))
        .group_by(R.account_id, R.integration)
        .subquery()
    )
    older = (
        select(*cols)
        .outerjoin(
            last_ok,
            and_(R.account_id == last_ok.c.account_id, R.integration == last_ok.c.integration),
        )
        .where(R.ts < _midnight(since), or_(last_ok.c.ok.is_(None), R.ts >= last_ok.c.ok))
    )
    old = _read(engine, older, "integration_runs")
    return pd.concat([old, frame], ignore_index=True) if len(old) else frame


def _tickets(engine: Engine, since: dt.date | None, until: dt.date | None) -> pd.DataFrame:
    T = Ticket
    stmt = select(
        T.ticket_id, T.account_id, T.opened_at, T.first_response_at, T.closed_at, T.priority, T.csat
    )
    if since is not None:
        start = _midnight(since)
        stmt = stmt.where(or_(T.opened_at >= start, T.closed_at.is_(None), T.closed_at >= start))
    if until is not None:
        stmt = stmt.where(T.opened_at < _midnight(until))
    return _read(engine, stmt.order_by(T.ticket_id), "tickets")


def load_accounts(engine: Engine) -> pd.DataFrame:
    """The ``accounts`` table (one row per account), dates as ``datetime64``."""
    return _read(
        engine,
        select(
            Account.account_id,
            Account.name,
            Account.csm_email,
            Account.segment,
            Account.plan,
            Account.arr,
            Account.seats,
            Account.created_at,
            Account.renewal_date,
            Account.churned_at,
        ).order_by(Account.account_id),
        "accounts",
    )


@dataclass(frozen=True)
class EventSummary:
    """What the training audit needs of the event tables, aggregated by the source engine."""

    #: table → (rows, first day, last day) of its main date column within the window
    spans: dict[str, tuple[int, dt.date | None, dt.date | None]]
    #: every product feature in ``usage`` → the first day it appears
    feature_first_use: dict[str, dt.date]
    #: the first day with any usage or integration run (before ``until``)
    data_start: dt.date | None


def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def event_summary(
    engine: Engine, *, since: dt.date | None = None, until: dt.date | None = None
) -> EventSummary:
    """Rows and first/last day of ``usage``, ``integration_runs`` and ``tickets`` in
    ``[since, until)``, and each feature's first use: a handful of rows come back."""
    spans: dict[str, tuple[int, dt.date | None, dt.date | None]] = {}
    parts: list[tuple[str, Any, bool]] = [
        ("usage", Usage.date, False),
        ("integration_runs", IntegrationRun.ts, True),
        ("tickets", Ticket.opened_at, True),
    ]
    with engine.connect() as conn:
        for name, col, stamped in parts:
            lo = _midnight(since) if stamped and since else since
            hi = _midnight(until) if stamped and until else until
            stmt = select(func.count(), func.min(col), func.max(col))
            if lo is not None:
                stmt = stmt.where(col >= lo)
            if hi is not None:
                stmt = stmt.where(col < hi)
            n, first, last = conn.execute(stmt).one()
            spans[name] = (int(n), _day(first), _day(last))
        used = select(Usage.feature, func.min(Usage.date)).group_by(Usage.feature)
        if until is not None:
            used = used.where(Usage.date < until)
        first_use = {str(f): _day(d) for f, d in conn.execute(used).all()}
        starts: list[dt.date | None] = []
        ends: list[tuple[Any, Any]] = [
            (Usage.date, until),
            (IntegrationRun.ts, _midnight(until) if until else None),
        ]
        for col, bound in ends:
            first_stmt = select(func.min(col))
            if bound is not None:
                first_stmt = first_stmt.where(col < bound)
            starts.append(_day(conn.execute(first_stmt).scalar()))
    found = [d for d in starts if d is not None]
    return EventSummary(
        spans,
        {f: d for f, d in first_use.items() if d is not None},
        min(found) if found else None,
    )


def load_sources(
    engine: Engine, *, since: dt.date | None = None, until: dt.date | None = None
) -> SourceFrames:
    """The source tables; event rows limited to ``[since, until)`` plus what features still need.

    Features at any ``as_of`` in ``[since + lookback, until]`` are the same as from the full
    tables (``scoring.features.lookback_days`` gives the lookback: the 2×14-day windows and the
    90-day CSAT window).
    """
    accounts = load_accounts(engine)
    people = [c for c in TeamMember.__table__.columns if c.name != "timezone"]  # newer, optional
    team = _read(engine, select(*people).order_by(TeamMember.email), "team")
    return SourceFrames(
        accounts=accounts,
        team=team,
        usage=_usage(engine, since, until),
        integration_runs=_runs(engine, since, until),
        tickets=_tickets(engine, since, until),
    )


def frames_from_tables(tables: dict[str, pd.DataFrame]) -> SourceFrames:
    """Contract tables as written to files (text dates) with the dtypes ``load_sources`` gives."""
    accounts = tables["accounts"].copy()
    for col in ("created_at", "renewal_date", "churned_at"):
        accounts[col] = pd.to_datetime(accounts[col]).astype("datetime64[s]")
    usage = tables["usage"].copy()
    usage["date"] = pd.to_datetime(usage["date"]).astype("datetime64[s]")
    runs = tables["integration_runs"].copy()
    runs["ts"] = pd.to_datetime(runs["ts"], utc=True)
    tickets = tables["tickets"].copy()
    for col in ("opened_at", "first_response_at", "closed_at"):
        tickets[col] = pd.to_datetime(tickets[col], utc=True)
    return SourceFrames(accounts, tables["team"], usage, runs, tickets)


def load_account_features(engine: Engine) -> pd.DataFrame:
    """A team's own ``account_features`` table: account_id, as_of, one column per feature, label.

    Feature columns come from the stored JSON; numeric-looking columns become numbers, the
    rest text. ``churned_within_horizon`` is nullable (NaN where not yet known).
    """
    F = AccountFeatureRow
    with engine.connect() as conn:
        rows = conn.execute(
            select(F.account_id, F.as_of, F.features, F.churned_within_horizon).order_by(
                F.as_of, F.account_id
            )
        ).all()
    features = pd.DataFrame.from_records([r.features or {} for r in rows])
    for col in features.columns:
        numeric = pd.to_numeric(features[col], errors="coerce")
        if numeric.notna().sum() == features[col].notna().sum():
            features[col] = numeric.astype(float)
        else:
            features[col] = features[col].astype("str").where(features[col].notna())
    head = pd.DataFrame(
        {
            "account_id": pd.Series([r.account_id for r in rows], dtype="str"),
            "as_of": pd.to_datetime(pd.Series([r.as_of for r in rows], dtype=object)).astype(
                "datetime64[s]"
            ),
        }
    )
    label = pd.Series([r.churned_within_horizon for r in rows], dtype="Float64").astype(float)
    features = features.drop(
        columns=[c for c in ("account_id", "as_of", "churned_within_horizon") if c in features]
    )
    return pd.concat([head, features, label.rename("churned_within_horizon")], axis=1)
