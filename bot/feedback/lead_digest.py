"""The Monday digest of a lead product (``entity: lead``) for one manager: their reps' hot
open leads by chance to convert, lead alerts nobody acted on, overdue plays and conversions
confirmed in the seven days before Monday, with the reps' adoption. Leads are named by their
company (kept with their score), reps by their name; nothing of the churn product is read.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.answers.activity import adoption, lead_company
from bot.answers.lookups import caller_in
from bot.blockkit.alerts import short_date
from bot.blockkit.digest import DigestLine, DigestView
from bot.daily.fallback import serving
from storage.models import Alert, Outcome, Score, TeamMember
from storage.repositories import plays as plays_repo
from storage.repositories import queue as qq
from storage.repositories import read_models as q

if TYPE_CHECKING:
    from bot.ports import Root

SHOWN = 10  # lines per section


def _hot(session: Session, run_id: int, scope: frozenset[str]) -> list[tuple[Score, str, str]]:
    """The run's flagged live lead scores owned in ``scope``: (score, company, owner email),
    most likely to convert first."""
    scores = session.scalars(
        select(Score)
        .where(Score.run_id == run_id, Score.shadow.is_(False), Score.flagged.is_(True))
        .order_by(Score.risk.desc(), Score.account_id)
    ).all()
    out = []
    for sc in scores:
        facts: dict[str, Any] = dict(sc.features or {})
        owner = str(facts.get("owner_email") or "")
        if owner in scope or owner.lower() in scope:
            out.append((sc, str(facts.get("company") or sc.account_id), owner))
    return out


def _line(session: Session, name: str, alert_id: int | None, detail: str) -> DigestLine:
    alert = session.get(Alert, alert_id) if alert_id is not None else None
    return DigestLine(
        account=name,
        detail=detail,
        channel=alert.posted_channel if alert else None,
        ts=alert.posted_ts if alert else None,
    )


def build_lead_view(
    ctx: Root, session: Session, manager: TeamMember, monday: dt.date
) -> DigestView:
    """The lead digest of ``monday`` for ``manager`` (``session``: the lead product's)."""
    caller = caller_in(session, manager.slack_user_id or "")
    scope = (caller.csm_emails if caller else None) or frozenset()
    team = scope - {manager.email, manager.email.lower()}
    view = DigestView(manager=manager.name, monday=monday, has_team=bool(team), entity="lead")
    if caller is None or not team:
        return view
    names = q.team_names(session)
    served = serving(session, monday)
    hot = _hot(session, served.run_id, scope) if served.run_id is not None else []
    handled = qq.handling(session, account_ids=[sc.account_id for sc, _, _ in hot])

    def line(sc: Score, company: str, owner: str, extra: str = "") -> DigestLine:
        h = handled.get(sc.account_id)
        who = names.get(owner.lower(), owner)
        detail = f"{sc.risk:.0%} likely to convert · owner {who}{extra}"
        return _line(session, company, h.alert_id if h else None, detail)

    unacted = [(sc, c, o) for sc, c, o in hot if (h := handled.get(sc.account_id)) and not h.acted]
    view.at_risk = len(hot)
    view.top = [line(*row) for row in hot[:SHOWN]]
    view.unacted_total = len(unacted)
    view.unacted = [
        line(sc, c, o, f" · alerted {short_date(handled[sc.account_id].alerted_on)}")
        for sc, c, o in unacted[:SHOWN]
    ]
    overdue = [
        p
        for p in plays_repo.open_plays_of(session, owner_emails=scope)
        if p.due_on is not None and p.due_on < monday
    ]
    overdue.sort(key=lambda p: (p.due_on or monday, p.id))
    view.overdue_total = len(overdue)
    view.overdue = [
        _line(
            session,
            lead_company(session, p.account_id, p.opened_on or monday),
            p.alert_id,
            f"{p.title} · due {short_date(p.due_on or monday)} · "
            f"{names.get((p.owner_email or '').lower(), p.owner_email or 'nobody')}",
        )
        for p in overdue[:SHOWN]
    ]
    view.saves = [
        _line(
            session,
            lead_company(session, o.account_id, al.as_of),
            o.alert_id,
            f"converted on {short_date(o.observed_on)} · owner "
            f"{names.get((al.csm_email or '').lower(), al.csm_email or 'nobody')}",
        )
        for o, al in _conversions(session, scope, monday)
    ]
    week = adoption(ctx, caller, today=monday).latest
    view.adoption = week.adoption_rate if week is not None else None
    view.tier = week.tier if week is not None else "no alerts"
    return view


def _conversions(
    session: Session, scope: frozenset[str], monday: dt.date
) -> list[tuple[Outcome, Alert]]:
    """Lead alerts acted on (not held out) whose lead converted in the week before Monday."""
    stmt = (
        select(Outcome, Alert)
        .join(Alert, Alert.id == Outcome.alert_id)
        .where(
            Outcome.observed_on >= monday - dt.timedelta(days=7),
            Outcome.observed_on < monday,
            Outcome.state == "converted",
            Outcome.acted.is_(True),
            Outcome.held_out.is_(False),
            Alert.csm_email.in_(sorted(scope)),
        )
        .order_by(Outcome.observed_on, Outcome.id)
    )
    return [(o, al) for o, al in session.execute(stmt)][:SHOWN]
