"""Reads and writes for button clicks: the alert clicked, its one action, who clicked.

``Action.alert_id`` is unique, so ``insert_action_once`` is the whole exactly-once story:
the first insert wins; a repeated click, a concurrent click or a replayed request inserts
nothing, on every back end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Insert, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.lead_models import Lead
from storage.models import Account, Action, Alert, TeamMember


def get_alert(session: Session, *, alert_id: int) -> Alert | None:
    """The alert with this id, whichever product posted it (a click names it by id)."""
    return session.get(Alert, alert_id, execution_options={"all_products": True})


def get_account(session: Session, *, account_id: str) -> Account | None:
    return session.get(Account, account_id)


def get_lead(session: Session, *, lead_id: str) -> Lead | None:
    return session.get(Lead, lead_id)


def action_for(session: Session, *, alert_id: int) -> Action | None:
    return session.scalars(select(Action).where(Action.alert_id == alert_id)).first()


def member_by_slack_id(session: Session, *, slack_user_id: str) -> TeamMember | None:
    stmt = select(TeamMember).where(TeamMember.slack_user_id == slack_user_id).limit(1)
    return session.scalars(stmt).first()


def member_by_email(session: Session, *, email: str) -> TeamMember | None:
    return session.get(TeamMember, email)


def _insert_ignoring_duplicates(session: Session, values: dict[str, Any]) -> Insert | None:
    """An INSERT … ON CONFLICT (alert_id) DO NOTHING where the dialect has one."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return (
            postgresql.insert(Action)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["alert_id"])
        )
    if dialect == "sqlite":
        return (
            sqlite.insert(Action)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["alert_id"])
        )
    return None


def insert_action_once(
    session: Session,
    *,
    alert_id: int,
    kind: str,
    slack_user_id: str | None,
    user_email: str | None,
    acted_at: dt.datetime,
    playbook_id: str | None = None,
    dismiss_reason: str | None = None,
    dismiss_text: str | None = None,
    follow_up_on: dt.date | None = None,
) -> int | None:
    """Record the alert's action unless it already has one: its id, or None if it had one."""
    values: dict[str, Any] = {
        "alert_id": alert_id,
        "kind": kind,
        "playbook_id": playbook_id,
        "dismiss_reason": dismiss_reason,
        "dismiss_text": dismiss_text,
        "slack_user_id": slack_user_id,
        "user_email": user_email,
        "acted_at": acted_at,
        "follow_up_on": follow_up_on,
    }
    stmt = _insert_ignoring_duplicates(session, values)
    if stmt is not None:  # RETURNING gives a row only when this statement inserted it
        return session.execute(stmt.returning(Action.id)).scalar()
    try:  # other dialects: let the unique constraint decide inside a savepoint
        with session.begin_nested():
            return session.execute(insert(Action).values(**values).returning(Action.id)).scalar()
    except IntegrityError:
        return None
