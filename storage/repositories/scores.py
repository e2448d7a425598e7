"""Scoring runs and what they write: scores, drift statistics, and the alert outbox.

A succeeded run, its scores, its drift rows and its pending alerts are staged on one session
and committed together by the caller (the outbox pattern). ``alert_key`` is unique, so a
rerun of the same day adds no second alert on any back end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, cast

import pandas as pd
from sqlalchemy import Insert, Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.bulk_insert import insert_rows
from storage.models import Account, Alert, DriftStat, IngestRun, Score, ScoringRun, TeamMember
from storage.product import product_of, stamp_rows

CHUNK = 500  # ids per IN (...) clause
PRIOR_STATUSES = ("pending", "posted")


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def add_run(session: Session, **fields: Any) -> ScoringRun:
    """Stage a scoring run row and give it its id (the caller commits)."""
    run = ScoringRun(**fields)
    session.add(run)
    session.flush()
    return run


def fail_attempt(session: Session, *, as_of: dt.date, trigger: str, error: str) -> ScoringRun:
    """The day's attempt marked failed: its unfinished (``running``) run, else a new failed
    run; earlier finished runs of the day are kept as they are (the caller commits)."""
    newest = session.scalars(
        select(ScoringRun).where(ScoringRun.as_of == as_of).order_by(ScoringRun.id.desc()).limit(1)
    ).first()
    run = newest if newest is not None and newest.status == "running" else None
    if run is None:
        run = add_run(session, as_of=as_of, status="failed", trigger=trigger)
    run.status, run.error = "failed", error[:4000]
    run.finished_at = dt.datetime.now(dt.UTC)
    session.flush()
    return run


def add_scores(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Stage score rows (every column but ``product``, the same keys in each row) with the
    driver's ``executemany`` (``storage.bulk_insert``): no ORM objects or per-row statement
    work, which a day of 100k accounts would spend seconds on. The session's product is
    written on every row."""
    product = product_of(session)
    same = {"product": product} if product is not None else {}
    insert_rows(session.connection(), cast(Table, Score.__table__), rows, same=same)


def add_drift(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(DriftStat), rows)


def existing_alert_keys(session: Session, *, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for part in _chunks(list(keys)):
        found.update(session.scalars(select(Alert.alert_key).where(Alert.alert_key.in_(part))))
    return found


def _insert_ignoring_duplicates(session: Session) -> Insert:
    name = session.get_bind().dialect.name
    table = cast(Table, Alert.__table__)
    if name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=["alert_key"])
    if name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=["alert_key"])
    return insert(table)


def add_alerts(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stage the alerts whose ``alert_key`` is new, and return them."""
    taken = existing_alert_keys(session, keys=[r["alert_key"] for r in rows])
    new = [r for r in rows if r["alert_key"] not in taken]
    if new:
        session.execute(_insert_ignoring_duplicates(session), stamp_rows(session, new))
    return new


def last_alert_risks(
    session: Session, *, account_ids: Sequence[str], before: dt.date
) -> dict[str, float]:
    """Each account's risk on its latest pending or posted alert before ``before``."""
    out: dict[str, float] = {}
    for part in _chunks(list(account_ids)):
        stmt = (
            select(Alert.account_id, Alert.risk)
            .where(Alert.account_id.in_(part))
            .where(Alert.status.in_(PRIOR_STATUSES))
            .where(Alert.as_of < before)
            .order_by(Alert.as_of, Alert.id)
        )
        out.update({a: float(r) for a, r in session.execute(stmt)})
    return out


def alert_history(session: Session, *, since: dt.date) -> list[dict[str, Any]]:
    """Alerts from ``since`` on (every status), oldest first: what an alert policy looks back on."""
    stmt = (
        select(Alert.account_id, Alert.as_of, Alert.status, Alert.risk, Alert.csm_email)
        .where(Alert.as_of >= since)
        .order_by(Alert.as_of, Alert.id)
    )
    keys = ("account_id", "as_of", "status", "risk", "csm_email")
    return [dict(zip(keys, row, strict=True)) for row in session.execute(stmt)]


def csm_channels(session: Session) -> dict[str, str]:
    """Each team member's alert channel, where one is set."""
    stmt = select(TeamMember.email, TeamMember.slack_channel).where(
        TeamMember.slack_channel.is_not(None)
    )
    return {e: c for e, c in session.execute(stmt) if c}


def account_contacts(session: Session, *, account_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """``account_id → name, csm_email, arr`` for every account, or for ``account_ids`` only
    (those that exist; one small row each)."""
    stmt = select(Account.account_id, Account.name, Account.csm_email, Account.arr)
    if account_ids is None:
        rows = [tuple(r) for r in session.execute(stmt)]
    else:
        rows = []
        for part in _chunks(list(account_ids)):
            rows += [tuple(r) for r in session.execute(stmt.where(Account.account_id.in_(part)))]
    frame = pd.DataFrame.from_records(rows, columns=["account_id", "name", "csm_email", "arr"])
    return frame.set_index("account_id")


def account_csms(session: Session) -> dict[str, str | None]:
    """Every account's CSM email (``account_id → csm_email``), for the portfolio standings."""
    stmt = select(Account.account_id, Account.csm_email)
    return {str(a): c for a, c in session.execute(stmt)}


def latest_data_date(session: Session) -> dt.date | None:
    """The newest day of data a succeeded ingest held."""
    stmt = select(func.max(IngestRun.data_through)).where(IngestRun.status == "succeeded")
    return session.scalar(stmt)


def matured_pairs(
    session: Session, *, live_id: int, shadow_id: int, through: dt.date, horizon_days: int
) -> pd.DataFrame:
    """Runs scored by both models whose horizon has passed by ``through``, with what happened.

    Columns: ``as_of, account_id, live, shadow, churned`` (churned within the horizon).
    """
    last_as_of = through - dt.timedelta(days=horizon_days)
    live, shadow = Score.__table__.alias("live"), Score.__table__.alias("shadow")
    stmt = (
        select(
            live.c.as_of,
            live.c.account_id,
            live.c.risk,
            shadow.c.risk,
            Account.churned_at,
        )
        .join(
            shadow,
            (shadow.c.run_id == live.c.run_id) & (shadow.c.account_id == live.c.account_id),
        )
        .join(Account, Account.account_id == live.c.account_id)
        .where(live.c.model_version_id == live_id, shadow.c.model_version_id == shadow_id)
        .where(live.c.as_of <= last_as_of)
    )
    rows = session.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=["as_of", "account_id", "live", "shadow", "churned_at"])
    ends = pd.to_datetime(frame["as_of"]) + pd.Timedelta(days=horizon_days)
    churned = pd.to_datetime(frame["churned_at"])
    frame["churned"] = (
        churned.notna() & (churned > pd.to_datetime(frame["as_of"])) & (churned <= ends)
    ).astype(int)
    return frame.drop(columns=["churned_at"])
