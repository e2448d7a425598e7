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

from bot.answers.lookups import playbook_title
from bot.blockkit.notices import thread_reply
from bot.blockkit.text import hidden_key
from bot.ports import DRY_RUN_TS, Message, SlackCallFailed, SlackPort
from bot.report.text import outcome_sentence
from storage.models import Account, Outcome
from storage.repositories.feedback import action_for, alerts_awaiting_outcome, outcomes_to_announce

if TYPE_CHECKING:
    from bot.ports import Root

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


def record_outcomes(ctx: Root, as_of: dt.date) -> OutcomeReport:
    """Record an outcome for every alert whose ``outcome_days`` have passed by ``as_of``."""
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


def announce_outcomes(ctx: Root, report: OutcomeReport, *, slack: SlackPort | None = None) -> None:
    """Post each new outcome in its alert's thread through ``slack`` (default: the root's port);
    failures stay unannounced for the next run. Alerts written by a dry run get a dry-run reply."""
    port = slack if slack is not None else ctx.slack
    with ctx.uow() as uow:
        for outcome, alert in outcomes_to_announce(uow.session):
            action = action_for(uow.session, alert.id)
            title = playbook_title(alert, action.playbook_id or "") if action else None
            days = ctx.spec.feedback.outcome_days
            text = thread_reply(outcome_sentence(outcome, action, days, title))
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
