"""What the churn and the lead digest of a Monday read alike: a line linked to its alert, the
overdue plays, the outcomes confirmed in the seven days before Monday, and the week's grade.

Each product's digest (``bot.feedback.digest``, ``bot.feedback.lead_digest``) joins its own
tables and words its own lines; these are the rules they share, so "last week" and "overdue"
mean one thing in both.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from bot.answers.activity import adoption
from bot.answers.lookups import Caller
from bot.blockkit.alerts import short_date
from bot.blockkit.digest import DigestLine, DigestView
from storage.models import Alert, Outcome, Play
from storage.repositories import plays as plays_repo

if TYPE_CHECKING:
    from bot.ports import Root


def digest_line(session: Session, name: str, alert_id: int | None, detail: str) -> DigestLine:
    """A line naming an account or lead, linked to the message of its alert when posted."""
    alert = session.get(Alert, alert_id) if alert_id is not None else None
    return DigestLine(
        account=name,
        detail=detail,
        channel=alert.posted_channel if alert else None,
        ts=alert.posted_ts if alert else None,
    )


def overdue_plays(session: Session, scope: frozenset[str], monday: dt.date) -> list[Play]:
    """The open plays owned in ``scope`` that were due before ``monday``, oldest due first."""
    overdue = [
        p
        for p in plays_repo.open_plays_of(session, owner_emails=scope)
        if p.due_on is not None and p.due_on < monday
    ]
    overdue.sort(key=lambda p: (p.due_on or monday, p.id))
    return overdue


def overdue_detail(play: Play, names: dict[str, str], monday: dt.date) -> str:
    """``Integration health check · due 22 Dec · Jane`` (``names``: lower-cased email → name)."""
    owner = names.get((play.owner_email or "").lower(), play.owner_email or "nobody")
    return f"{play.title} · due {short_date(play.due_on or monday)} · {owner}"


def confirmed_last_week(monday: dt.date, state: str) -> tuple[ColumnElement[bool], ...]:
    """The conditions on ``outcomes`` of a save or a conversion to report on ``monday``:
    observed in ``state`` in the seven days before it, on an alert acted on, not held out."""
    return (
        Outcome.observed_on >= monday - dt.timedelta(days=7),
        Outcome.observed_on < monday,
        Outcome.state == state,
        Outcome.acted.is_(True),
        Outcome.held_out.is_(False),
    )


def grade_last_week(view: DigestView, ctx: Root, caller: Caller, monday: dt.date) -> None:
    """Set the view's adoption and tier from the last full week before ``monday``."""
    week = adoption(ctx, caller, today=monday).latest
    view.adoption = week.adoption_rate if week is not None else None
    view.tier = week.tier if week is not None else "no alerts"
