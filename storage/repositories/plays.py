"""Reads and writes for plays: open one per action, find the account's open one, the day's
reminders and checks, and close one (done, expired, undone) exactly once.

Closing is a conditional UPDATE (``WHERE status = 'open'``): two clicks, or a click and the
scheduled job, never both close the same play.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import Action, Alert, Play, Score, ScoringRun


def add_play(session: Session, **values: Any) -> Play:
    """A new ``open`` play (flushed, so it has its id)."""
    play = Play(status="open", **values)
    session.add(play)
    session.flush()
    return play


def get_play(session: Session, *, play_id: int) -> Play | None:
    return session.get(Play, play_id)


def play_for_alert(session: Session, *, alert_id: int) -> Play | None:
    return session.scalars(select(Play).where(Play.alert_id == alert_id)).first()


def open_plays(session: Session, *, account_ids: Iterable[str] | None = None) -> list[Play]:
    """Open plays, newest first (for some accounts, or all)."""
    stmt = select(Play).where(Play.status == "open")
    if account_ids is not None:
        stmt = stmt.where(Play.account_id.in_(list(account_ids)))
    return list(session.scalars(stmt.order_by(Play.opened_at.desc(), Play.id.desc())))


def open_plays_of(
    session: Session, *, owner_emails: Iterable[str] | None, every_product: bool = False
) -> list[Play]:
    """Open playbook plays owned by these people (every one when None), of the session's
    product (a play belongs to its alert's), or of every product when ``every_product``."""
    stmt = (
        select(Play)
        .join(Alert, Alert.id == Play.alert_id)
        .where(Play.status == "open", Play.kind == "playbook")
    )
    if owner_emails is not None:
        stmt = stmt.where(Play.owner_email.in_(list(owner_emails)))
    if every_product:
        stmt = stmt.execution_options(all_products=True)
    return list(session.scalars(stmt))


def alert_products(session: Session, alert_ids: Iterable[int]) -> dict[int, str]:
    """Each alert's product (``account`` or ``lead``), whatever the session's."""
    ids = sorted(set(alert_ids))
    if not ids:
        return {}
    stmt = (
        select(Alert.id, Alert.product)
        .where(Alert.id.in_(ids))
        .execution_options(all_products=True)
    )
    return {int(i): str(p) for i, p in session.execute(stmt)}


def reminders_due(session: Session, *, today: dt.date) -> list[tuple[Play, Alert]]:
    """Open playbook plays whose reminder day has come and that were not reminded since."""
    stmt = (
        select(Play, Alert)
        .join(Alert, Alert.id == Play.alert_id)
        .where(Play.status == "open", Play.kind == "playbook")
        .where(Play.remind_on.is_not(None), Play.remind_on <= today)
        .where((Play.reminded_on.is_(None)) | (Play.reminded_on < Play.remind_on))
        .order_by(Play.id)
    )
    return [(p, a) for p, a in session.execute(stmt).all()]


def checks_due(session: Session, *, today: dt.date) -> list[tuple[Play, Alert]]:
    """Playbook plays (open or done) whose outcome check day has come and not been checked."""
    stmt = (
        select(Play, Alert)
        .join(Alert, Alert.id == Play.alert_id)
        .where(Play.status.in_(("open", "done")), Play.kind == "playbook")
        .where(Play.check_on.is_not(None), Play.check_on <= today)
        .where(Play.checked_on.is_(None))
        .order_by(Play.id)
    )
    return [(p, a) for p, a in session.execute(stmt).all()]


def close_play(
    session: Session, *, play_id: int, status: str, at: dt.datetime, by: str | None
) -> bool:
    """Move an open play to ``status``; False when it was not open any more."""
    result = session.execute(
        update(Play)
        .where(Play.id == play_id, Play.status == "open")
        .values(status=status, closed_at=at, closed_by=by)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def expire_overdue(session: Session, *, before: dt.date, at: dt.datetime) -> int:
    """Expire open playbook plays due before ``before``; how many."""
    result = session.execute(
        update(Play)
        .where(Play.status == "open", Play.kind == "playbook", Play.due_on < before)
        .values(status="expired", closed_at=at)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def delete_action(session: Session, *, alert_id: int) -> None:
    session.execute(delete(Action).where(Action.alert_id == alert_id))


def latest_risk(session: Session, *, account_id: str) -> tuple[dt.date, float] | None:
    """The account's newest live (not shadow) score of a succeeded run: (day, risk)."""
    stmt = (
        select(Score.as_of, Score.risk)
        .join(ScoringRun, ScoringRun.id == Score.run_id)
        .where(Score.account_id == account_id, Score.shadow.is_(False))
        .where(ScoringRun.status == "succeeded")
        .order_by(Score.as_of.desc(), Score.run_id.desc())
        .limit(1)
    )
    row = session.execute(stmt).first()
    return (row[0], float(row[1])) if row else None
