"""What happened to alerts, for the caller's scope: the App Home and ``/atrisk report``.

The App Home lists open alerts (posted, nobody acted yet) and this week's actions; the
compact report counts alerts sent, acted on and dismissed and the CSMs who acted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.answers.lookups import Acted, Caller, acted_line, portfolio_of, reason_texts
from bot.daily.fallback import Serving, serving
from storage.repositories import plays as plays_repo
from storage.repositories import read_models as q

if TYPE_CHECKING:
    from bot.ports import Root


# ---------------------------------------------------------------- adoption (compact report)


@dataclass(frozen=True)
class AdoptionAnswer:
    """Alerts posted in the last ``days`` days in scope, and how many were acted on."""

    label: str
    days: int
    sent: int
    acted: int
    dismissed: int
    csms_received: int
    csms_acted: int
    served: Serving

    @property
    def rate(self) -> float | None:
        """The adoption rate: CSMs who acted on an alert / CSMs who received one."""
        return self.csms_acted / self.csms_received if self.csms_received else None


def adoption(
    ctx: Root, caller: Caller, *, today: dt.date, now: dt.datetime, days: int = 7
) -> AdoptionAnswer:
    """``/atrisk report``: alerts sent, acted on, dismissed and CSMs acting, last ``days`` days."""
    with ctx.uow() as uow:
        counts = q.adoption_counts(
            uow.session, csm_emails=caller.csm_emails, since=now - dt.timedelta(days=days)
        )
        served = serving(uow.session, today)
    return AdoptionAnswer(caller.scope_label, days, served=served, **counts)


# ---------------------------------------------------------------- App Home


@dataclass(frozen=True)
class OpenAlert:
    alert_id: int
    account: str
    risk: float
    reason: str | None
    as_of: dt.date
    channel: str | None
    portfolio: tuple[int, int, float] | None = None  # rank, size, median risk of the CSM's


@dataclass(frozen=True)
class DoneAction:
    account: str
    acted: Acted


@dataclass(frozen=True)
class HomeAnswer:
    name: str
    label: str
    open_alerts: tuple[OpenAlert, ...]
    actions: tuple[DoneAction, ...]
    served: Serving
    open_days: int
    plays: tuple[OpenPlay, ...] = ()


@dataclass(frozen=True)
class OpenPlay:
    """An open play for the App Home: the account, the playbook, when it is due."""

    account: str
    title: str
    due_on: dt.date | None
    overdue: bool
    channel: str | None


def open_plays(session: Session, caller: Caller, today: dt.date) -> list[OpenPlay]:
    """Open plays owned in the caller's scope, overdue first, then by due date."""
    scope = caller.csm_emails
    rows = plays_repo.open_plays_of(session, owner_emails=scope)
    accounts = q.accounts_by_id(session, account_ids=[p.account_id for p in rows])
    found = [
        OpenPlay(
            accounts[p.account_id].name if p.account_id in accounts else p.account_id,
            p.title,
            p.due_on,
            p.due_on is not None and p.due_on < today,
            None,
        )
        for p in rows
    ]
    return sorted(found, key=lambda p: (not p.overdue, p.due_on or dt.date.max, p.account))


def home(
    ctx: Root, caller: Caller, *, today: dt.date, week_start: dt.datetime, open_days: int = 14
) -> HomeAnswer:
    """The App Home: open alerts (posted, no action, last ``open_days``) and this week's actions."""
    with ctx.uow() as uow:
        s = uow.session
        scope = caller.csm_emails
        since = today - dt.timedelta(days=open_days)
        opened = [
            OpenAlert(
                al.id,
                ac.name if ac else al.account_id,
                al.risk,
                next(iter(reason_texts(al.reasons)), None),
                al.as_of,
                al.posted_channel,
                portfolio_of(al),
            )
            for al, ac in q.open_alerts(s, csm_emails=scope, since=since, limit=20)
        ]
        names = {m.email.lower(): m.name for m in q.team(s)}
        done = [
            DoneAction(ac.name if ac else al.account_id, acted_line(al, act, names))
            for act, al, ac in q.actions_since(s, csm_emails=scope, since=week_start, limit=20)
        ]
        served = serving(s, today)
        plays = tuple(open_plays(s, caller, today))
    label = caller.scope_label
    return HomeAnswer(caller.name, label, tuple(opened), tuple(done), served, open_days, plays)
