"""``/atrisk leads``: the hottest open leads in the caller's scope, whichever spec serves Slack.

Read from the lead product's newest succeeded scoring run (``storage.product``: lead rows are
read explicitly, so the answer is the same from a churn deployment's Slack app): each flagged
lead's chance of converting within the horizon, its top reasons, its owner, and whether
someone acted on its newest alert. An SDR or AE sees their own leads, a manager their team's,
admins and analysts every lead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.answers.lookups import Caller, playbook_title
from scoring.reasons import SHOWN_REASONS, reasons_of
from storage.models import Action, Alert, Score, ScoringRun, TeamMember
from storage.product import ALL_PRODUCTS, LEAD

if TYPE_CHECKING:
    from bot.ports import Root

LEADS_DEFAULT = 10
LEADS_MAX = 40
EVERY = {ALL_PRODUCTS: True}


@dataclass(frozen=True)
class LeadLine:
    """One hot lead: company, chance, owner, reasons, and who acted on its alert (if anyone)."""

    lead_id: str
    company: str
    probability: float
    owner: str
    reasons: tuple[str, ...]
    acted: str | None  # "Call now (Emma Rossi)"; None: alerted or not, nobody acted
    alerted: bool


@dataclass(frozen=True)
class LeadsAnswer:
    """The answer: the scope's label, the run's day, the hottest leads, how many are hot."""

    label: str
    scored_on: dt.date | None
    horizon_days: int
    hot: int
    lines: list[LeadLine]


def scope_label(caller: Caller) -> str:
    """``all leads``, ``your team's leads`` or ``your leads``: whose leads an answer covers."""
    if caller.csm_emails is None:
        return "all leads"
    return "your team's leads" if caller.role == "manager" else "your leads"


def _latest_run(session: Session) -> ScoringRun | None:
    stmt = (
        select(ScoringRun)
        .where(
            ScoringRun.product == LEAD,
            ScoringRun.status == "succeeded",
            ScoringRun.fallback.is_(False),
        )
        .order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc())
        .limit(1)
        .execution_options(**EVERY)
    )
    return session.scalars(stmt).first()


def _acted(session: Session, lead_ids: list[str], names: dict[str, str]) -> dict[str, str | None]:
    """Each lead's newest alert: who acted on it and with what (None when nobody did)."""
    rows = session.execute(
        select(Alert, Action)
        .outerjoin(Action, Action.alert_id == Alert.id)
        .where(Alert.product == LEAD, Alert.account_id.in_(lead_ids))
        .order_by(Alert.as_of, Alert.id)
        .execution_options(**EVERY)
    ).all()
    out: dict[str, str | None] = {}
    for alert, action in rows:
        if action is None:
            out[alert.account_id] = None
            continue
        who = names.get((action.user_email or "").lower(), action.user_email or "someone")
        what = (
            "Not a fit"
            if action.kind == "dismissal"
            else playbook_title(alert, action.playbook_id or "")
        )
        out[alert.account_id] = f"{what} ({who})"
    return out


def _in_scope(session: Session, caller: Caller, run: ScoringRun, *, hot: bool) -> list[Score]:
    """The run's scores of leads ``caller`` may see, hottest first (only flagged when ``hot``)."""
    stmt = select(Score).where(Score.run_id == run.id, Score.shadow.is_(False))
    if hot:
        stmt = stmt.where(Score.flagged.is_(True))
    stmt = stmt.order_by(Score.risk.desc(), Score.account_id).execution_options(**EVERY)
    scope = caller.csm_emails
    return [
        sc
        for sc in session.scalars(stmt)
        if scope is None or str((sc.features or {}).get("owner_email", "")) in scope
    ]


def _answer(
    session: Session, caller: Caller, run: ScoringRun, scores: list[Score], *, limit: int
) -> LeadsAnswer:
    team = {m.email.lower(): m.name for m in session.scalars(select(TeamMember))}
    top = scores[:limit]
    acted = _acted(session, [sc.account_id for sc in top], team)
    lines = [_line(sc, team, acted) for sc in top]
    horizon = int((top[0].features or {}).get("horizon_days") or 0) if top else 0
    return LeadsAnswer(scope_label(caller), run.as_of, horizon, len(scores), lines)


def hottest_leads(ctx: Root, caller: Caller, *, limit: int = LEADS_DEFAULT) -> LeadsAnswer:
    """The ``limit`` hottest flagged open leads of the newest lead run in ``caller``'s scope."""
    horizon = ctx.spec.entity.horizon_days
    with ctx.uow() as uow:
        s = uow.session
        run = _latest_run(s)
        if run is None:
            return LeadsAnswer(scope_label(caller), None, horizon, 0, [])
        found = _answer(s, caller, run, _in_scope(s, caller, run, hot=True), limit=limit)
        return replace(found, horizon_days=found.horizon_days or horizon)


def find_leads(ctx: Root, caller: Caller, query: str, *, limit: int = LEADS_DEFAULT) -> LeadsAnswer:
    """``/atrisk <company or lead id>`` under a lead spec: the open leads of the newest lead run
    in ``caller``'s scope whose id is ``query`` or whose company contains it (case-insensitive),
    hottest first; ``hot`` counts every match. No match: an answer with no lines."""
    horizon = ctx.spec.entity.horizon_days
    asked = query.strip().casefold()
    with ctx.uow() as uow:
        s = uow.session
        run = _latest_run(s)
        if run is None:
            return LeadsAnswer(scope_label(caller), None, horizon, 0, [])
        scores = _in_scope(s, caller, run, hot=False)
        exact = [sc for sc in scores if sc.account_id.casefold() == asked]
        matches = exact or [
            sc for sc in scores if asked in str((sc.features or {}).get("company", "")).casefold()
        ]
        found = _answer(s, caller, run, matches, limit=limit)
        return replace(found, horizon_days=found.horizon_days or horizon)


def _line(score: Score, team: dict[str, str], acted: dict[str, str | None]) -> LeadLine:
    facts: dict[str, Any] = dict(score.features or {})
    owner = str(facts.get("owner_email") or "")
    reasons = tuple(r.text for r in reasons_of(score.reasons)[:SHOWN_REASONS] if r.text)
    return LeadLine(
        lead_id=score.account_id,
        company=str(facts.get("company") or score.account_id),
        probability=float(score.risk),
        owner=team.get(owner.lower(), owner or "nobody"),
        reasons=reasons,
        acted=acted.get(score.account_id),
        alerted=score.account_id in acted,
    )
