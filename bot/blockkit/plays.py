"""Block Kit for plays: the steps in the alert's thread, the reminder, the outcome check, the
escalation post and the line a later alert carries about the open play. Pure.

Data strings (account, playbook and people names, steps, follow-up texts) go through
``safe``; mrkdwn is ``verbatim``. One primary button per message ("Mark done"); nothing here
is destructive, so nothing is styled danger.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from bot.blockkit.alerts import MAX_FALLBACK_TEXT, MAX_SECTION_TEXT, percent, short_date
from bot.blockkit.text import clip, hidden_json, safe

PLAY_DONE_ACTION = "atrisk.play.done"
PLAY_SNOOZE_ACTION = "atrisk.play.snooze"
PLAY_UNDO_ACTION = "atrisk.play.undo"
PLAY_ACTIONS = (PLAY_DONE_ACTION, PLAY_SNOOZE_ACTION, PLAY_UNDO_ACTION)
SNOOZE_DAYS = 3
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}$")
MESSAGE_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")


@dataclass(frozen=True)
class PlayView:
    """A play as its messages show it."""

    play_id: int
    account_name: str
    title: str
    steps: str | None
    owner_name: str
    opened_on: dt.date
    due_on: dt.date | None
    check_on: dt.date | None


def _md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT), "verbatim": True}


def _button(label: str, action_id: str, play_id: int, primary: bool = False) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": hidden_json({"play": play_id}),
    }
    if primary:
        button["style"] = "primary"
    return button


def _dates(view: PlayView) -> str:
    parts = []
    if view.due_on is not None:
        parts.append(f"due {short_date(view.due_on)}")
    if view.check_on is not None:
        parts.append(f"outcome check on {short_date(view.check_on)}")
    return " · ".join(parts)


def steps_message(view: PlayView, *, undo_minutes: int) -> dict[str, Any]:
    """The reply in the alert's thread as soon as the playbook is chosen: what to do."""
    head = f"*{safe(view.title, 200)}* for *{safe(view.account_name, 150)}* — your steps:"
    body = safe(view.steps or "Carry out the playbook.", 1500)
    text = f"{head}\n{body}"
    blocks = [
        {"type": "section", "block_id": "atrisk.steps", "text": _md(text)},
        {
            "type": "context",
            "block_id": "atrisk.play.dates",
            "elements": [_md(f"{_dates(view)} · undo within {undo_minutes} minutes")],
        },
        {
            "type": "actions",
            "block_id": "atrisk.play",
            "elements": [
                _button("Mark done", PLAY_DONE_ACTION, view.play_id, primary=True),
                _button("Undo", PLAY_UNDO_ACTION, view.play_id),
            ],
        },
    ]
    return {
        "text": clip(f"Your steps: {safe(view.title, 200)}", MAX_FALLBACK_TEXT),
        "blocks": blocks,
    }


def reminder_message(view: PlayView, text: str | None) -> dict[str, Any]:
    """The reminder in the thread on the due day (``text`` from the playbook, filled in)."""
    line = f"⏰ *{safe(view.title, 200)}* for *{safe(view.account_name, 150)}* is due today."
    if text:
        line += f"\n{safe(text, 1000)}"
    blocks = [
        {"type": "section", "block_id": "atrisk.reminder", "text": _md(line)},
        {
            "type": "actions",
            "block_id": "atrisk.play",
            "elements": [
                _button("Mark done", PLAY_DONE_ACTION, view.play_id, primary=True),
                _button(f"Snooze {SNOOZE_DAYS} days", PLAY_SNOOZE_ACTION, view.play_id),
            ],
        },
    ]
    return {"text": clip(line, MAX_FALLBACK_TEXT), "blocks": blocks}


def risk_move(before: float, now: float) -> str:
    """``rose from 18 % to 34 %`` / ``fell from …`` / ``stayed at 34 %``."""
    if percent(before) == percent(now):
        return f"stayed at {percent(now)}"
    verb = "rose" if now > before else "fell"
    return f"{verb} from {percent(before)} to {percent(now)}"


def check_message(
    view: PlayView, before: float, now: float | None, done: bool, *, lead: bool = False
) -> str:
    """The outcome check in the thread on its date (for a lead: its chance to convert)."""
    state = "marked done" if done else "not marked done"
    text = f"📋 Outcome check for *{safe(view.title, 200)}* ({state}): "
    what, subject = ("chance to convert", "lead") if lead else ("risk", "account")
    if now is None:
        text += f"no newer score for the {subject} yet."
    else:
        text += (
            f"{what} {risk_move(before, now)} since it was chosen on {short_date(view.opened_on)}."
        )
    return clip(text, MAX_FALLBACK_TEXT)


def since_play(title: str, on: dt.date, before: float, now: float) -> str:
    """``Risk rose from 18 % to 34 % since you chose *Integration health check* on 3 Nov``."""
    move = risk_move(before, now)
    return f"Risk {move} since you chose *{safe(title, 200)}* on {short_date(on)}"


def since_dismissal(label: str, on: dt.date, before: float, now: float, margin: float) -> str:
    """The line on an alert posted again after a dismissal, saying why it is back."""
    return (
        f"Risk {risk_move(before, now)} since this was marked not a risk "
        f"({safe(label, 200)}) on {short_date(on)} — more than the "
        f"{round(margin * 100)}-point margin, so it is alerted again"
    )


def alert_link(channel: str | None, ts: str | None) -> str | None:
    """A link to the alert's message (Slack's archive permalink form), when both look valid."""
    if not (channel and ts and CHANNEL_ID.match(channel) and MESSAGE_TS.match(ts)):
        return None
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


def escalation_text(text: str, link: str | None) -> str:
    """The escalation channel's post: the playbook's text (values already filled, escaped
    here) and a link to the alert."""
    body = safe(text, 2500)
    return clip(f"{body}\n<{link}|Open the alert>" if link else body, MAX_FALLBACK_TEXT)


def done_text(who: str, title: str) -> str:
    return f"✅ {safe(who, 100)} marked *{safe(title, 200)}* done."
