"""The feedback signal: ``outcome_days`` after each alert, what happened to the account.

Posted and held-out alerts both get an outcome (retained / churned / downgraded, ARR change), so
that retention after acting can be compared with the control group. Outcomes of posted alerts
are announced in the alert's Slack thread (or the dry-run outbox without a token).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.answers.lookups import playbook_title
from bot.blockkit.lead_alerts import outcome_text
from bot.blockkit.notices import thread_reply
from bot.blockkit.text import hidden_key
from bot.ports import DRY_RUN_TS, Message, SlackCallFailed, SlackPort
from bot.report.text import outcome_sentence
from storage.dates import day_of
from storage.lead_models import Lead
from storage.models import Account, Action, Outcome
from storage.repositories.feedback import action_for, alerts_awaiting_outcome, outcomes_to_announce

if TYPE_CHECKING:
    from bot.ports import Root
    from bot.spec import Spec

log = logging.getLogger(__name__)

DOWNGRADE_SHARE = 0.95  # ARR below 95 % of its value at alert time counts as a downgrade


@dataclass
class OutcomeReport:
    as_of: dt.date
    recorded: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    announced: int = 0
    announce_errors: list[str] = field(default_factory=list)


def classify(
    alert_day: dt.date,
    outcome_days: int,
    churned_at: dt.date | None,
    arr_before: float | None,
    arr_now: float | None,
) -> str:
    """retained, churned (within the window) or downgraded (ARR fell by more than 5 %)."""
    if churned_at is not None and alert_day < churned_at <= alert_day + dt.timedelta(outcome_days):
        return "churned"
    if arr_before and arr_now is not None and arr_now < DOWNGRADE_SHARE * arr_before:
        return "downgraded"
    return "retained"


def outcome_window(spec: Spec) -> int:
    """Days after an alert its outcome is read: ``feedback.outcome_days``; for leads the
    label's ``entity.horizon_days`` (converted within it or not)."""
    return spec.entity.horizon_days if spec.entity.kind == "lead" else spec.feedback.outcome_days


def record_outcomes(ctx: Root, as_of: dt.date) -> OutcomeReport:
    """Record an outcome for every alert whose outcome window has passed by ``as_of``."""
    if ctx.spec.entity.kind == "lead":
        return record_lead_outcomes(ctx, as_of)
    days = ctx.spec.feedback.outcome_days
    report = OutcomeReport(as_of=as_of)
    with ctx.uow() as uow:
        due = alerts_awaiting_outcome(uow.session, matured_before=as_of - dt.timedelta(days))
        for alert in due:
            account = uow.session.get(Account, alert.account_id)
            churned_at = account.churned_at if account else None
            arr_now = account.arr if account else None
            state = classify(alert.as_of, days, churned_at, alert.arr, arr_now)
            action = action_for(uow.session, alert.id)
            uow.session.add(
                Outcome(
                    alert_id=alert.id,
                    account_id=alert.account_id,
                    observed_on=alert.as_of + dt.timedelta(days),
                    state=state,
                    arr_before=alert.arr,
                    arr_after=0.0 if state == "churned" else arr_now,
                    acted=action is not None and action.kind == "playbook",
                    held_out=alert.status == "held_out",
                )
            )
            report.by_state[state] = report.by_state.get(state, 0) + 1
        uow.commit()
        report.recorded = len(due)
    return report


def record_lead_outcomes(ctx: Root, as_of: dt.date) -> OutcomeReport:
    """``converted`` (``observed_on`` the conversion day) or ``not_converted`` for every lead
    alert whose ``horizon_days`` have passed by ``as_of``; conversions are read from the
    source engine's ``leads``."""
    days = ctx.spec.entity.horizon_days
    report = OutcomeReport(as_of=as_of)
    with ctx.uow() as uow:
        due = alerts_awaiting_outcome(uow.session, matured_before=as_of - dt.timedelta(days))
        converted = _converted_on(ctx, [a.account_id for a in due])
        for alert in due:
            on = converted.get(alert.account_id)
            won = on is not None and alert.as_of < on <= alert.as_of + dt.timedelta(days)
            state = "converted" if won else "not_converted"
            action = action_for(uow.session, alert.id)
            uow.session.add(
                Outcome(
                    alert_id=alert.id,
                    account_id=alert.account_id,
                    observed_on=on if won and on else alert.as_of + dt.timedelta(days),
                    state=state,
                    acted=action is not None and action.kind == "playbook",
                    held_out=alert.status == "held_out",
                )
            )
            report.by_state[state] = report.by_state.get(state, 0) + 1
        uow.commit()
        report.recorded = len(due)
    return report


def _converted_on(ctx: Root, lead_ids: list[str]) -> dict[str, dt.date]:
    """Each lead's conversion day (leads that converted only)."""
    out: dict[str, dt.date] = {}
    with ctx.source_engine.connect() as conn:
        for i in range(0, len(lead_ids), 500):
            chunk = lead_ids[i : i + 500]
            rows = conn.execute(
                select(Lead.lead_id, Lead.converted_at).where(
                    Lead.lead_id.in_(chunk), Lead.converted_at.is_not(None)
                )
            )
            out.update({str(lead): day_of(when) for lead, when in rows})
    return out


def _sentence(ctx: Root, outcome: Outcome, action: Action | None, title: str | None) -> str:
    if ctx.spec.entity.kind == "lead":  # "🎉 Converted on 3 Dec" in the alert's thread
        won = outcome.state == "converted"
        return outcome_text(outcome.observed_on if won else None, ctx.spec.entity.horizon_days)
    return outcome_sentence(outcome, action, ctx.spec.feedback.outcome_days, title)


def announce_outcomes(ctx: Root, report: OutcomeReport, *, slack: SlackPort | None = None) -> None:
    """Post each new outcome in its alert's thread through ``slack`` (default: the root's port);
    failures stay unannounced for the next run. Alerts written by a dry run get a dry-run reply."""
    port = slack if slack is not None else ctx.slack
    with ctx.uow() as uow:
        for outcome, alert in outcomes_to_announce(uow.session):
            action = action_for(uow.session, alert.id)
            title = playbook_title(alert, action.playbook_id or "") if action else None
            text = thread_reply(_sentence(ctx, outcome, action, title))
            to = ctx.dry_run_slack if alert.posted_ts == DRY_RUN_TS else port
            thread = None if to.dry_run else alert.posted_ts
            message = Message(
                channel=alert.posted_channel or ctx.spec.surface.default_channel,
                text=text,
                thread_ts=thread,
                extra={"thread_of": hidden_key(alert.alert_key)} if to.dry_run else {},
            )
            try:
                to.post(message, key=alert.alert_key, folder="outcomes")
            except SlackCallFailed as e:  # retried on the next run
                log.warning("outcome of %s not announced: %s", alert.alert_key, e.error)
                report.announce_errors.append(f"{alert.alert_key}: {e.error}")
                continue
            outcome.thread_posted = True
            uow.commit()
            report.announced += 1
