"""The Monday digest: each manager's week in one DM, at 06:00 on Monday in the manager's time
zone (``team.timezone``; ``freshness.timezone`` when empty or unknown).

For the manager's scope (their CSMs' accounts, as ``/atrisk`` sees it): the open at-risk
accounts by ARR at risk, the alerts nobody acted on, overdue plays, saves confirmed by
outcomes in the seven days before Monday, and the team's adoption over those days with its
tier (``bot.answers.activity.adoption`` and ``bot.report.figures.tier``). Each manager's
digest for a Monday is claimed in ``job_runs`` (job ``digest``, key ``<monday>:<slack id>``),
so replicas, repeated ticks and a rerun by hand send it once; a failed post is retried later.

Each product sends its own digest from its own spec: a lead spec's (``bot.feedback.lead_digest``)
lists hot leads by company, their owners and conversions, is claimed as ``lead:digest`` and
written as ``lead-digest-…``, so the churn and the lead digest of one Monday never stand in
for each other, and neither reads the other's alerts or plays.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.answers.lookups import caller_in
from bot.blockkit.alerts import short_date
from bot.blockkit.digest import DigestLine, DigestView, render_digest
from bot.daily.fallback import serving
from bot.feedback.digest_parts import (
    confirmed_last_week,
    digest_line,
    grade_last_week,
    overdue_detail,
    overdue_plays,
)
from bot.feedback.lead_digest import build_lead_view
from bot.ports import Message, SlackCallFailed
from storage import job_lock
from storage.models import Account, Outcome, TeamMember
from storage.repositories import queue as qq
from storage.repositories import read_models as q

if TYPE_CHECKING:
    from bot.ports import Root

log = logging.getLogger(__name__)

DIGEST_HOUR = 6  # local time on Monday
SHOWN = 10  # lines per section


@dataclass
class DigestReport:
    """Which managers (Slack ids) got the digest of ``monday``, were already sent it, or
    failed (retried on the next tick)."""

    monday: dt.date | None
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def zone_of(ctx: Root, manager: TeamMember) -> ZoneInfo:
    """The manager's time zone from the team table, else the spec's (an unknown name is
    logged and the spec's zone used: ingest refuses one, but a row may be edited by hand)."""
    name = (manager.timezone or "").strip()
    if name:
        try:
            return ZoneInfo(name)
        except (ValueError, ZoneInfoNotFoundError):
            log.warning("team.timezone %r of %s is not a time zone", name, manager.email)
    return ZoneInfo(ctx.spec.freshness.timezone)


def due_monday(zone: ZoneInfo, now: dt.datetime) -> dt.date | None:
    """Today's date in ``zone`` when it is Monday there at or after 06:00, else None. Local
    time is read from the UTC instant, so a change to or from summer time moves the UTC hour
    of the send, never the local one."""
    local = now.astimezone(zone)
    return local.date() if local.weekday() == 0 and local.hour >= DIGEST_HOUR else None


def _money(arr: float | None) -> str:
    return f"ARR {arr:,.0f}" if arr is not None else "ARR unknown"


def build_view(ctx: Root, session: Session, manager: TeamMember, monday: dt.date) -> DigestView:
    """The digest of ``monday`` for ``manager`` (last week: the seven days before it)."""
    caller = caller_in(session, manager.slack_user_id or "")
    scope = (caller.csm_emails if caller else None) or frozenset()
    team = scope - {manager.email, manager.email.lower()}
    view = DigestView(manager=manager.name, monday=monday, has_team=bool(team))
    if caller is None or not team:
        return view
    names = q.team_names(session)
    served = serving(session, monday)
    flagged: list[qq.Flagged] = []
    if served.run_id is not None and served.scored_on is not None:
        flagged = qq.flagged(
            session, run_id=served.run_id, as_of=served.scored_on, csm_emails=scope
        )
    handled = qq.handling(session, account_ids=[f.account_id for f in flagged])
    accounts = q.accounts_by_id(session, account_ids=[f.account_id for f in flagged])
    by_arr = sorted(flagged, key=lambda f: (-(f.arr or 0.0), -f.risk, f.account_id))

    def line(f: qq.Flagged, extra: str = "") -> DigestLine:
        h = handled.get(f.account_id)
        csm = names.get(f.csm_email.lower(), f.csm_email)
        detail = f"{_money(f.arr)} · risk {f.risk:.0%} · {csm}{extra}"
        return digest_line(session, accounts[f.account_id].name, h.alert_id if h else None, detail)

    unacted = [f for f in by_arr if (h := handled.get(f.account_id)) and not h.acted]
    view.at_risk, view.arr_at_risk = len(flagged), sum(f.arr or 0.0 for f in flagged)
    view.top = [line(f) for f in by_arr[:SHOWN]]
    view.unacted_total = len(unacted)
    view.unacted = [
        line(f, f" · alerted {short_date(handled[f.account_id].alerted_on)}")
        for f in unacted[:SHOWN]
    ]
    overdue = overdue_plays(session, scope, monday)
    play_accounts = q.accounts_by_id(session, account_ids=[p.account_id for p in overdue])
    view.overdue_total = len(overdue)
    view.overdue = [
        digest_line(
            session,
            play_accounts[p.account_id].name,
            p.alert_id,
            overdue_detail(p, names, monday),
        )
        for p in overdue[:SHOWN]
        if p.account_id in play_accounts
    ]
    view.saves = [
        digest_line(session, a.name, o.alert_id, _money(o.arr_after))
        for o, a in _saves(session, scope, monday)
    ]
    grade_last_week(view, ctx, caller, monday)
    return view


def _saves(
    session: Session, scope: frozenset[str], monday: dt.date
) -> list[tuple[Outcome, Account]]:
    """Outcomes observed last week that confirm a save: retained, acted on, not held out."""
    stmt = (
        select(Outcome, Account)
        .join(Account, Account.account_id == Outcome.account_id)
        .where(*confirmed_last_week(monday, "retained"), Account.csm_email.in_(sorted(scope)))
        .order_by(Account.arr.desc(), Outcome.id)
    )
    return [(o, a) for o, a in session.execute(stmt)][:SHOWN]


def send_digests(ctx: Root, *, now: dt.datetime, as_of: dt.date | None = None) -> DigestReport:
    """Send each manager whose Monday 06:00 has come (in their own time zone) the digest of
    that Monday, or, by hand, every manager the digest of the Monday on or before ``as_of``.
    A DM to the manager's ``slack_user_id`` (the dry run writes it to the outbox folder
    ``digest``). ``DigestReport.monday`` is the Monday sent (the latest, when zones differ)."""
    report = DigestReport(monday_of(as_of) if as_of is not None else None)
    with ctx.uow() as uow:
        managers = [
            m
            for m in q.team(uow.session)
            if (m.role or "").strip().lower() == "manager" and m.slack_user_id
        ]
    for manager in managers:
        monday = report.monday if as_of is not None else due_monday(zone_of(ctx, manager), now)
        if monday is None:
            continue
        if as_of is None:
            report.monday = max(report.monday or monday, monday)
        _send_one(ctx, manager, monday, report)
    return report


def _send_one(ctx: Root, manager: TeamMember, monday: dt.date, report: DigestReport) -> None:
    user = manager.slack_user_id or ""
    lead = ctx.spec.entity.kind == "lead"
    try:
        with job_lock.run_once(ctx.engine, ctx.spec.job_name("digest"), f"{monday}:{user}") as held:
            if held is None:
                report.already_sent.append(user)
                return
            with ctx.uow() as uow:
                build = build_lead_view if lead else build_view
                text, blocks = render_digest(build(ctx, uow.session, manager, monday))
            message = Message(channel=user, text=text, blocks=blocks)
            prefix = "lead-digest" if lead else "digest"
            ctx.slack.post(message, key=f"{prefix}-{monday}-{user}", folder="digest")
            report.sent.append(user)
    except SlackCallFailed as e:
        log.warning("digest for %s not sent: %s", user, e)
        report.failed.append(user)
