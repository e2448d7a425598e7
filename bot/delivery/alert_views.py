"""Alert rows read from the store and turned into what the message shows (``AlertView``).

The posting outbox reads many at once; a button click re-renders one (``load_alert_view``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from bot.blockkit.alerts import ActedView, AlertView, banner_text
from bot.blockkit.any_alert import AnyAlertView
from bot.blockkit.lead_alerts import LeadAlertView
from bot.daily.portfolio import standing_of
from bot.ports import Posted
from scoring.reasons import reasons_of
from storage.models import Account, Alert, TeamMember
from storage.product import LEAD
from storage.repositories import alert_outbox as repo
from storage.repositories import model_versions
from storage.repositories import plays as plays_repo


@dataclass(frozen=True)
class Outgoing:
    """One pending alert, ready to post: where, what, and how often it was tried."""

    alert_id: int
    alert_key: str
    attempts: int
    created_at: dt.datetime
    channel: str
    view: AnyAlertView
    follows: Posted | None = None  # the open play's message this alert updates
    acted: ActedView | None = None  # that play, as the updated message keeps showing it


def view_from_rows(
    alert: Alert,
    account: Account | None,
    member: TeamMember | None,
    model_version: str | None,
    scored_on: dt.date | None,
    model_kind: str | None = None,
) -> AlertView:
    """The message's values from the rows (pure: no session is touched); ``scored_on`` is the
    day of the scores the run served (last week's while paused)."""
    served = (scored_on or alert.as_of) if alert.fallback else None
    return AlertView(
        alert_id=alert.id,
        alert_key=alert.alert_key,
        account_id=alert.account_id,
        account_name=account.name if account else alert.account_id,
        risk=alert.risk,
        previous_risk=alert.previous_risk,
        arr=alert.arr if alert.arr is not None else (account.arr if account else None),
        segment=account.segment if account else None,
        renewal_date=account.renewal_date if account else None,
        csm_name=member.name if member else alert.csm_email,
        csm_slack_id=member.slack_user_id if member else None,
        reasons=reasons_of(alert.reasons),
        playbooks=list(alert.playbooks or []),
        model_version=model_version,
        model_kind=model_kind,
        as_of=alert.as_of,
        fallback_banner=banner_text(served) if served else None,
        scored_on=served,
        since=alert.since_text,
        portfolio=_portfolio(alert),
    )


def lead_view_from_rows(
    alert: Alert,
    facts: dict[str, Any],
    member: TeamMember | None,
    model_version: str | None,
    scored_on: dt.date | None = None,
) -> LeadAlertView:
    """A lead alert's values from its row and the lead's facts stored with its score (pure);
    ``scored_on`` is the day of the scores the run served (last week's while paused)."""
    served = (scored_on or alert.as_of) if alert.fallback else None
    employees = facts.get("employees")
    return LeadAlertView(
        alert_id=alert.id,
        alert_key=alert.alert_key,
        lead_id=alert.account_id,
        company=str(facts.get("company") or alert.account_id),
        probability=alert.risk,
        horizon_days=int(facts.get("horizon_days") or 14),
        segment=_text(facts.get("segment")),
        employees=int(employees) if isinstance(employees, int | float) else None,
        source=_text(facts.get("source")),
        owner_name=member.name if member else alert.csm_email,
        owner_slack_id=member.slack_user_id if member else None,
        reasons=reasons_of(alert.reasons),
        playbooks=list(alert.playbooks or []),
        model_version=model_version,
        as_of=alert.as_of,
        fallback_banner=banner_text(served) if served else None,
        scored_on=served,
    )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _portfolio(alert: Alert) -> tuple[int, int, float] | None:
    standing = standing_of(alert)
    return (standing.rank, standing.size, standing.median_risk) if standing else None


def load_views(
    session: Session, alerts: Sequence[Alert], *, default_channel: str
) -> list[Outgoing]:
    """Views for many alerts with one query per related table."""
    accounts = repo.accounts_by_id(session, ids=[a.account_id for a in alerts])
    emails = {a.csm_email or getattr(accounts.get(a.account_id), "csm_email", "") for a in alerts}
    members = repo.members_by_email(session, emails=[e for e in emails if e])
    versions = repo.model_versions_by_id(
        session, ids=[a.model_version_id for a in alerts if a.model_version_id is not None]
    )
    kinds = model_versions.kinds_by_id(
        session, ids=[a.model_version_id for a in alerts if a.model_version_id is not None]
    )
    scored = repo.served_score_dates(
        session, run_ids=[a.run_id for a in alerts if a.fallback and a.run_id is not None]
    )
    out = []
    for alert in alerts:
        account = accounts.get(alert.account_id)
        member = members.get(alert.csm_email or (account.csm_email if account else ""))
        version = versions.get(alert.model_version_id) if alert.model_version_id else None
        view: AnyAlertView
        if alert.product == LEAD:
            facts = repo.lead_facts(session, lead_id=alert.account_id, as_of=alert.as_of)
            served = scored.get(alert.run_id) if alert.run_id else None
            view = lead_view_from_rows(alert, facts, member, version, served)
        else:
            view = view_from_rows(
                alert,
                account,
                member,
                version,
                scored.get(alert.run_id) if alert.run_id else None,
                kinds.get(alert.model_version_id) if alert.model_version_id else None,
            )
        channel = alert.channel or (member.slack_channel if member else None) or default_channel
        created = alert.created_at
        if created.tzinfo is None:  # SQLite returns naive UTC
            created = created.replace(tzinfo=dt.UTC)
        out.append(Outgoing(alert.id, alert.alert_key, alert.attempts, created, channel, view))
        if alert.follows_alert_id is not None:
            out[-1] = _following(session, out[-1], alert.follows_alert_id)
    return out


def _following(session: Session, out: Outgoing, followed_id: int) -> Outgoing:
    """``out`` updating the message of the alert it follows, showing that alert's play."""
    followed = repo.get_alert(session, alert_id=followed_id)
    play = plays_repo.play_for_alert(session, alert_id=followed_id)
    if followed is None or followed.posted_channel is None or followed.posted_ts is None:
        return out
    acted = None
    if play is not None:
        owner = repo.members_by_email(session, emails=[play.owner_email or ""])
        who = owner.get(play.owner_email or "")
        acted = ActedView(who.name if who else "Someone", play.title, play.check_on)
    where = Posted(followed.posted_channel, followed.posted_ts)
    return replace(out, channel=followed.posted_channel, follows=where, acted=acted)


def load_alert_view(session: Session, *, alert_id: int) -> AnyAlertView | None:
    """The view of one alert (to re-render its message after a click), or None if unknown."""
    alert = repo.get_alert(session, alert_id=alert_id)
    if alert is None:
        return None
    [outgoing] = load_views(session, [alert], default_channel="")
    return outgoing.view
