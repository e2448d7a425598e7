"""The plays' scheduled follow-ups, run once a day by the scheduler (and ``atrisk serve``):
the reminder in the alert's thread on its day, the outcome check on its date, and the expiry
of plays left open ``EXPIRE_AFTER_DAYS`` past their due date.

Each item is marked in the same transaction that follows its post, so a rerun of the day
posts nothing twice; a Slack failure leaves the item for the next run.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.blockkit import plays as render
from bot.feedback.plays import fill_values, play_view
from bot.ports import Message, SlackCallFailed
from playbooks.loader import library_for
from storage.repositories import plays as repo

if TYPE_CHECKING:
    from bot.ports import Root

log = logging.getLogger(__name__)

EXPIRE_AFTER_DAYS = 7  # an open play this many days past its due date expires


@dataclass
class FollowUpReport:
    today: dt.date
    reminded: int = 0
    checked: int = 0
    expired: int = 0
    errors: list[str] = field(default_factory=list)


def run_follow_ups(ctx: Root, *, today: dt.date, now: dt.datetime) -> FollowUpReport:
    """Post the reminders and outcome checks due by ``today``; expire overdue plays."""
    report = FollowUpReport(today)
    library = ctx.playbooks
    with ctx.uow() as uow:
        s = uow.session
        for play, alert in repo.reminders_due(s, today=today):
            found = library_for(library, alert.product).get(play.playbook_id or "")
            text = next(
                (
                    f.render(fill_values(s, play, alert))
                    for f in (found.follow_ups if found else ())
                    if f.type == "thread_reminder"
                ),
                None,
            )
            body = render.reminder_message(play_view(s, play), text)
            try:
                posted = _reply(
                    ctx,
                    alert.posted_channel,
                    alert.posted_ts,
                    body,
                    f"play-{play.id}-remind-{today}",
                )
            except SlackCallFailed as e:
                report.errors.append(f"reminder {play.id}: {e.error}")
                continue
            play.reminded_on, play.reminder_ts = today, posted
            uow.commit()
            report.reminded += 1
        for play, alert in repo.checks_due(s, today=today):
            latest = repo.latest_risk(s, account_id=play.account_id)
            now_risk = latest[1] if latest and latest[0] > play.opened_on else None
            text = render.check_message(
                play_view(s, play),
                play.risk,
                now_risk,
                play.status == "done",
                lead=alert.product == "lead",
            )
            try:
                _reply(
                    ctx,
                    alert.posted_channel,
                    alert.posted_ts,
                    {"text": text},
                    f"play-{play.id}-check",
                )
            except SlackCallFailed as e:
                report.errors.append(f"check {play.id}: {e.error}")
                continue
            play.checked_on = today
            uow.commit()
            report.checked += 1
        report.expired = repo.expire_overdue(
            s, before=today - dt.timedelta(days=EXPIRE_AFTER_DAYS), at=now
        )
        uow.commit()
    return report


def _reply(ctx: Root, channel: str | None, ts: str | None, body: dict, key: str) -> str | None:
    """Post ``body`` in the alert's thread; the reply's ts (None when the alert has no message)."""
    if not channel or not ts:
        return None
    message = Message(channel, body["text"], body.get("blocks"), thread_ts=ts)
    return ctx.slack.post(message, key=key, folder="plays").ts
