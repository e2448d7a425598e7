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

from bot.answers.activity import lead_company
from bot.answers.lookups import caller_in
from bot.blockkit.alerts import short_date
from bot.blockkit.digest import DigestLine, DigestView
from bot.daily.fallback import serving
from bot.feedback.digest_parts import (
    confirmed_last_week,
    digest_line,
    grade_last_week,
    overdue_detail,
    overdue_plays,
)
from storage.models import Alert, Outcome, Score, TeamMember
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
        return digest_line(session, company, h.alert_id if h else None, detail)

    unacted = [(sc, c, o) for sc, c, o in hot if (h := handled.get(sc.account_id)) and not h.acted]
    view.at_risk = len(hot)
    view.top = [line(*row) for row in hot[:SHOWN]]
    view.unacted_total = len(unacted)
    view.unacted = [
        line(sc, c, o, f" · alerted {short_date(handled[sc.account_id].alerted_on)}")
        for sc, c, o in unacted[:SHOWN]
    ]
    overdue = overdue_plays(session, scope, monday)
    view.overdue_total = len(overdue)
    view.overdue = [
        digest_line(
            session,
            lead_company(session, p.account_id, p.opened_on or monday),
            p.alert_id,
            overdue_detail(p, names, monday),
        )
        for p in overdue[:SHOWN]
    ]
    view.saves = [
        digest_line(
            session,
            lead_company(session, o.account_id, al.as_of),
            o.alert_id,
            f"converted on {short_date(o.observed_on)} · owner "
            f"{names.get((al.csm_email or '').lower(), al.csm_email or 'nobody')}",
        )
        for o, al in _conversions(session, scope, monday)
    ]
    grade_last_week(view, ctx, caller, monday)
    return view


def _conversions(
    session: Session, scope: frozenset[str], monday: dt.date
) -> list[tuple[Outcome, Alert]]:
    """Lead alerts acted on (not held out) whose lead converted in the week before Monday."""
    stmt = (
        select(Outcome, Alert)
        .join(Alert, Alert.id == Outcome.alert_id)
        .where(*confirmed_last_week(monday, "converted"), Alert.csm_email.in_(sorted(scope)))
        .order_by(Outcome.observed_on, Outcome.id)
    )
    return [(o, al) for o, al in session.execute(stmt)][:SHOWN]
