"""Read-only queries behind the at-risk queue: every flagged account in scope, and which of
them were alerted and which someone acted on (an action on the latest alert, or an open play).

``csm_emails`` None means every account. Account ids are read in chunks so a scope of any
size stays within the database's limit on bound parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select, true
from sqlalchemy.orm import Session

from storage.models import Account, Action, Alert, Play, Score

CHUNK = 500


@dataclass(frozen=True)
class Flagged:
    """One at-risk account of a run: its risk (0–1), ARR (None when unknown) and CSM."""

    account_id: str
    risk: float
    arr: float | None
    csm_email: str


@dataclass(frozen=True)
class Handling:
    """Per account: its latest posted alert (id, day) and whether anyone acted on it."""

    alert_id: int
    alerted_on: dt.date
    acted: bool


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


FLAGGED_COLUMNS = (Score.account_id, Score.risk, Account.arr, Account.csm_email)


def _flagged(
    columns: Sequence[Any], run_id: int, as_of: dt.date, csm_emails: Collection[str] | None
) -> Select[Any]:
    """The run's flagged live (not shadow) scores in scope, joined to their accounts.

    ``flagged = true`` (not ``IS``) lets the partial ``(run_id, risk) where flagged`` index
    serve it."""
    stmt = (
        select(*columns)
        .select_from(Score)
        .join(Account, Account.account_id == Score.account_id)
        .where(
            Score.run_id == run_id,
            Score.flagged == true(),
            Score.as_of == as_of,
            Score.shadow.is_(False),
        )
    )
    if csm_emails is not None:
        stmt = stmt.where(Account.csm_email.in_(sorted(csm_emails)))
    return stmt


def flagged(
    session: Session, *, run_id: int, as_of: dt.date, csm_emails: Collection[str] | None
) -> list[Flagged]:
    """The run's flagged live (not shadow) scores in scope, riskiest first."""
    stmt = _flagged(FLAGGED_COLUMNS, run_id, as_of, csm_emails).order_by(
        Score.risk.desc(), Score.account_id
    )
    return [Flagged(a, float(r), arr, csm) for a, r, arr, csm in session.execute(stmt)]


def every_handling(session: Session) -> dict[str, Handling]:
    """``handling`` of every account ever alerted (posted), in two queries whatever the
    number of accounts asked about: the posted alerts with their actions, then the open plays.
    Cheaper than joining a large scope to its alerts when the caller keeps only some of them
    (``bot.answers.queue`` keeps the flagged accounts in scope)."""
    stmt = (
        select(Alert.account_id, Alert.id, Alert.as_of, Action.id)
        .outerjoin(Action, Action.alert_id == Alert.id)
        .where(Alert.status == "posted")
        .order_by(Alert.as_of.desc(), Alert.id.desc())
    )
    latest: dict[str, tuple[int, dt.date, bool]] = {}
    for account_id, alert_id, alerted_on, action_id in session.execute(stmt):
        latest.setdefault(account_id, (alert_id, alerted_on, action_id is not None))
    open_play = set(session.scalars(select(Play.account_id).where(Play.status == "open")))
    return {
        a: Handling(alert_id, on, acted or a in open_play)
        for a, (alert_id, on, acted) in latest.items()
    }


def handling(session: Session, *, account_ids: Sequence[str]) -> dict[str, Handling]:
    """Each alerted account's latest posted alert and whether someone acted: an action on
    that alert, or a play still open on the account. Accounts never alerted are absent."""
    ids = sorted(set(account_ids))
    latest: dict[str, tuple[int, dt.date, bool]] = {}
    open_play: set[str] = set()
    for part in _chunks(ids):
        rows = session.execute(
            select(Alert.account_id, Alert.id, Alert.as_of, Action.id)
            .outerjoin(Action, Action.alert_id == Alert.id)
            .where(Alert.account_id.in_(part), Alert.status == "posted")
            .order_by(Alert.as_of.desc(), Alert.id.desc())
        )
        for account_id, alert_id, as_of, action_id in rows:
            latest.setdefault(account_id, (alert_id, as_of, action_id is not None))
        plays = select(Play.account_id).where(Play.account_id.in_(part), Play.status == "open")
        open_play |= set(session.scalars(plays))
    return {
        a: Handling(alert_id, on, acted or a in open_play)
        for a, (alert_id, on, acted) in latest.items()
    }
