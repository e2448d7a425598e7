"""What happened to alerts, for the caller's scope: the App Home and ``/atrisk report``.

The App Home lists open alerts (posted, nobody acted yet) and this week's actions; the
compact report gives adoption exactly as the HTML report does (``bot.report.adoption``).
One Slack app answers both products, so the App Home shows the caller's open churn alerts
and open lead alerts apart (a lead by its company, with its chance to convert and its owner),
whichever spec serves Slack; plays and actions of both are named in their product's words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy.orm import Session

from bot.answers.lookups import Acted, Caller, acted_line, portfolio_of, reason_texts
from bot.daily.fallback import Serving, serving
from bot.report.adoption import AdoptionWeek, adoption_weeks, current, latest_graded
from scoring.registry import kind_of
from storage.models import Account, Alert, Play
from storage.product import ACCOUNT, LEAD
from storage.repositories import model_versions
from storage.repositories import plays as plays_repo
from storage.repositories import read_models as q
from storage.repositories.alert_outbox import lead_facts

if TYPE_CHECKING:
    from bot.ports import Root


# ---------------------------------------------------------------- adoption (compact report)


@dataclass(frozen=True)
class AdoptionAnswer:
    """Adoption in scope, as ``bot.report.adoption`` defines it for every surface: the last
    full week with alerts (graded) and the week in progress (shown, not graded)."""

    label: str
    latest: AdoptionWeek | None
    current: AdoptionWeek | None
    served: Serving


def adoption(ctx: Root, caller: Caller, *, today: dt.date, weeks: int = 12) -> AdoptionAnswer:
    """``/atrisk report``: adoption of the caller's scope over the last ``weeks`` weeks."""
    with ctx.uow() as uow:
        rows = q.posted_alert_answers(
            uow.session,
            csm_emails=caller.csm_emails,
            since=today - dt.timedelta(weeks=weeks),
        )
        served = serving(uow.session, today)
    posted = pd.DataFrame(rows, columns=["csm_email", "as_of", "kind"])
    found = adoption_weeks(posted, today=today)
    return AdoptionAnswer(caller.scope_label, latest_graded(found), current(found), served)


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
    csm: str | None = None  # the owning CSM's name, for a caller who sees more than their own


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
    rules_score: bool = False  # the live model is the rules score (labelled as such)
    open_leads: tuple[OpenAlert, ...] = ()  # open lead alerts (``csm``: the lead's owner)
    entity: str = "account"  # the serving spec's: its section is shown even when empty


@dataclass(frozen=True)
class OpenPlay:
    """An open play for the App Home: the account, the playbook, when it is due."""

    account: str
    title: str
    due_on: dt.date | None
    overdue: bool
    channel: str | None


def lead_company(session: Session, lead_id: str, as_of: dt.date) -> str:
    """A lead's name as alerts show it: its company (kept with its score on or before
    ``as_of``, else with its newest), else its id."""
    facts = lead_facts(session, lead_id=lead_id, as_of=as_of) or lead_facts(
        session, lead_id=lead_id, as_of=dt.date.max
    )
    return str(facts.get("company") or lead_id)


def _name(session: Session, alert: Alert, account: Account | None) -> str:
    """What an alert is about, in its product's words: the account's name or the lead's company."""
    if alert.product == LEAD:
        return f"Lead at {lead_company(session, alert.account_id, alert.as_of)}"
    return account.name if account else alert.account_id


def open_plays(session: Session, caller: Caller, today: dt.date) -> list[OpenPlay]:
    """Open plays owned in the caller's scope, of every product, overdue first, then by due."""
    scope = caller.csm_emails
    rows = plays_repo.open_plays_of(session, owner_emails=scope, every_product=True)
    accounts = q.accounts_by_id(session, account_ids=[p.account_id for p in rows])
    products = plays_repo.alert_products(session, [p.alert_id for p in rows])

    def named(p: Play) -> str:
        if products.get(p.alert_id) == LEAD:
            return f"Lead at {lead_company(session, p.account_id, p.opened_on or today)}"
        return accounts[p.account_id].name if p.account_id in accounts else p.account_id

    found = [
        OpenPlay(
            named(p),
            p.title,
            p.due_on,
            p.due_on is not None and p.due_on < today,
            None,
        )
        for p in rows
    ]
    return sorted(found, key=lambda p: (not p.overdue, p.due_on or dt.date.max, p.account))


def _utc(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


#: roles whose scope is their own alerts (no owner named on each line)
OWN_ROLES = ("csm", "sdr", "ae")


def _owner(csm_email: str | None, names: dict[str, str]) -> str:
    """The CSM's name from the team table, else their email, else 'no CSM'."""
    if not csm_email:
        return "no CSM"
    return names.get(csm_email.lower(), csm_email)


def home(
    ctx: Root, caller: Caller, *, today: dt.date, week_start: dt.datetime, open_days: int = 14
) -> HomeAnswer:
    """The App Home: open alerts (posted, no action, last ``open_days``) and this week's actions."""
    with ctx.uow() as uow:
        s = uow.session
        scope = caller.csm_emails
        since = today - dt.timedelta(days=open_days)
        names = q.team_names(s)
        own = caller.role in OWN_ROLES and caller.csm_emails is not None

        def opened(product: str) -> list[OpenAlert]:
            rows = q.open_alerts(s, csm_emails=scope, since=since, limit=20, product=product)
            return [
                OpenAlert(
                    al.id,
                    _name(s, al, ac),
                    al.risk,
                    next(iter(reason_texts(al.reasons)), None),
                    al.as_of,
                    al.posted_channel,
                    portfolio_of(al),
                    None if own else _owner(al.csm_email, names),
                )
                for al, ac in rows
            ]

        churn, leads = opened(ACCOUNT), opened(LEAD)
        both = [
            (act.acted_at, act.id, DoneAction(_name(s, al, ac), acted_line(al, act, names)))
            for product in (ACCOUNT, LEAD)
            for act, al, ac in q.actions_since(
                s, csm_emails=scope, since=week_start, limit=20, product=product
            )
        ]
        both.sort(key=lambda row: (_utc(row[0]), row[1]), reverse=True)
        done = [row[2] for row in both[:20]]
        served = serving(s, today)
        plays = tuple(open_plays(s, caller, today))
        live = model_versions.in_state(s, state="live")
        rules = live is not None and kind_of(live.extras) == "rules"
    label = caller.scope_label
    return HomeAnswer(
        caller.name,
        label,
        tuple(churn),
        tuple(done),
        served,
        open_days,
        plays,
        rules,
        open_leads=tuple(leads),
        entity=ctx.spec.entity.kind,
    )
