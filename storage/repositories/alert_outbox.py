"""Reads and writes for posting alerts and ops notices.

The posting protocol is claim → post → record, each step its own commit: ``claim_attempt``
raises ``attempts`` before anything is sent (and refuses when another poster got there
first), so an alert with ``attempts > 0`` may already be in Slack and is looked up in the
channel's history before it is posted again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Account, Alert, ModelVersion, OpsNotice, Score, ScoringRun, TeamMember

CHUNK = 500  # ids per IN (…) list
K = TypeVar("K")


def _chunks(values: Iterable[K]) -> Iterable[list[K]]:
    items = sorted(set(values))  # type: ignore[type-var]
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


# ---------------------------------------------------------------- alerts to post


def pending_alerts(session: Session, *, limit: int | None = None) -> list[Alert]:
    """Alerts waiting to be posted, oldest first."""
    stmt = (
        select(Alert)
        .where(Alert.status == "pending")
        .order_by(Alert.created_at, Alert.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def get_alert(session: Session, *, alert_id: int) -> Alert | None:
    """The alert with this id, whichever product posted it (a click names it by id)."""
    return session.get(Alert, alert_id, execution_options={"all_products": True})


def accounts_by_id(session: Session, *, ids: Iterable[str]) -> dict[str, Account]:
    out: dict[str, Account] = {}
    for chunk in _chunks(ids):
        out.update(
            {
                a.account_id: a
                for a in session.scalars(select(Account).where(Account.account_id.in_(chunk)))
            }
        )
    return out


def members_by_email(session: Session, *, emails: Iterable[str]) -> dict[str, TeamMember]:
    out: dict[str, TeamMember] = {}
    for chunk in _chunks(emails):
        rows = session.scalars(select(TeamMember).where(TeamMember.email.in_(chunk)))
        out.update({m.email: m for m in rows})
    return out


def model_versions_by_id(session: Session, *, ids: Iterable[int]) -> dict[int, str]:
    """``{id: version}`` without loading the model artifacts (ids name one model, whichever
    product trained it)."""
    out: dict[int, str] = {}
    for chunk in _chunks(ids):
        stmt = (
            select(ModelVersion.id, ModelVersion.version)
            .where(ModelVersion.id.in_(chunk))
            .execution_options(all_products=True)
        )
        out.update({row.id: row.version for row in session.execute(stmt)})
    return out


def served_score_dates(session: Session, *, run_ids: Iterable[int]) -> dict[int, dt.date]:
    """For each run, the ``as_of`` of the scores it served (its own, or last week's in fallback)."""
    out: dict[int, dt.date] = {}
    for chunk in _chunks(run_ids):
        runs = list(
            session.execute(
                select(ScoringRun.id, ScoringRun.as_of, ScoringRun.served_from_run_id).where(
                    ScoringRun.id.in_(chunk)
                )
            )
        )
        served_ids = [r.served_from_run_id for r in runs if r.served_from_run_id is not None]
        served: dict[int, dt.date] = {}
        if served_ids:
            stmt = select(ScoringRun.id, ScoringRun.as_of).where(ScoringRun.id.in_(served_ids))
            served = {row.id: row.as_of for row in session.execute(stmt)}
        for r in runs:
            out[r.id] = (
                served.get(r.served_from_run_id, r.as_of) if r.served_from_run_id else r.as_of
            )
    return out


# ---------------------------------------------------------------- the posting protocol


def claim_attempt(session: Session, *, alert_id: int, seen_attempts: int) -> bool:
    """Count one more attempt, only if the alert is still pending and nobody else claimed it."""
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.status == "pending", Alert.attempts == seen_attempts)
        .values(attempts=Alert.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def mark_posted(session: Session, *, alert_id: int, channel: str, ts: str, at: dt.datetime) -> bool:
    """Record where and when the alert was posted (a no-op if it is no longer pending)."""
    result = session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.status == "pending")
        .values(
            status="posted", posted_channel=channel, posted_ts=ts, posted_at=at, last_error=None
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def record_error(session: Session, *, alert_id: int, error: str, permanent: bool) -> None:
    """Keep the last error; a permanent one ends the alert as ``failed``."""
    values: dict[str, Any] = {"last_error": error[:2000]}
    if permanent:
        values["status"] = "failed"
    session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.status == "pending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def alert_counts(session: Session, *, alert_ids: Sequence[int]) -> dict[str, int]:
    """How many of these alerts are in each status (for reports and tests)."""
    counts: dict[str, int] = {}
    for chunk in _chunks(alert_ids):
        for status in session.scalars(select(Alert.status).where(Alert.id.in_(chunk))):
            counts[status] = counts.get(status, 0) + 1
    return counts


# ---------------------------------------------------------------- ops notices


def claim_notice(session: Session, *, key: str, text: str, at: dt.datetime) -> bool:
    """True when this caller should send the notice: new key, or an earlier send that failed."""
    values = {"notice_key": key, "text": text, "created_at": at, "status": "pending"}
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        module: Any = postgresql if dialect == "postgresql" else sqlite
        stmt = (
            module.insert(OpsNotice)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["notice_key"])
            .returning(OpsNotice.id)
        )
        if session.execute(stmt).scalar() is not None:
            return True
    elif session.scalar(select(OpsNotice.id).where(OpsNotice.notice_key == key)) is None:
        session.execute(insert(OpsNotice).values(**values))
        return True
    retry = session.execute(
        update(OpsNotice)
        .where(OpsNotice.notice_key == key, OpsNotice.status == "failed")
        .values(status="pending", text=text)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(retry, "rowcount", 0))


def finish_notice(session: Session, *, key: str, posted: bool, at: dt.datetime) -> None:
    session.execute(
        update(OpsNotice)
        .where(OpsNotice.notice_key == key)
        .values(status="posted" if posted else "failed", posted_at=at if posted else None)
        .execution_options(synchronize_session=False)
    )


def notices(session: Session) -> list[OpsNotice]:
    return list(session.scalars(select(OpsNotice).order_by(OpsNotice.id)))


def lead_facts(session: Session, *, lead_id: str, as_of: dt.date) -> dict[str, Any]:
    """What a lead alert shows about the lead (company, firmographics, owner, horizon): the
    facts kept with its newest flagged score on or before ``as_of``, any product's session."""
    stmt = (
        select(Score.features)
        .where(
            Score.account_id == lead_id,
            Score.product == "lead",
            Score.as_of <= as_of,
            Score.features.is_not(None),
        )
        .order_by(Score.as_of.desc())
        .limit(1)
        .execution_options(all_products=True)
    )
    found = session.scalar(stmt)
    return dict(found) if isinstance(found, dict) else {}
