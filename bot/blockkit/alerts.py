"""The alert message in Block Kit: a pure function of values (no DB, env or Slack).

Every string that comes from data (account and people names, segment, reasons, playbook
titles) goes through ``bot.blockkit.text`` (escaped, bidi controls dropped, clipped) so it can
never ping ``@channel``, forge a link or spoof a name, and sits in ``plain_text`` wherever the
layout allows; ``mrkdwn`` objects are ``verbatim`` so Slack does not turn bare URLs or
``#channel`` names into links. The one mention an alert makes on purpose is its CSM's
``<@U…>``, from a validated id.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from bot.blockkit.text import clip, hidden_json, hidden_key, safe
from scoring.reasons import Reason
from scoring.rules import RULES_NOTE

ALERT_EVENT_TYPE = "atrisk_alert"
PLAYBOOK_ACTION_PREFIX = "atrisk.playbook."
DISMISS_ACTION_ID = "atrisk.dismiss"
MAX_REASONS = 3
MAX_PLAYBOOKS = 3

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_FALLBACK_TEXT = 4000

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")


@dataclass(frozen=True)
class AlertView:
    """What an alert message shows, already read from the store."""

    alert_id: int
    alert_key: str
    account_id: str
    account_name: str
    risk: float
    previous_risk: float | None
    arr: float | None
    segment: str | None
    renewal_date: dt.date | None
    csm_name: str | None
    csm_slack_id: str | None
    reasons: list[Reason]
    playbooks: list[dict[str, Any]]
    model_version: str | None
    as_of: dt.date
    fallback_banner: str | None = None
    since: str | None = None  # what changed since the account's open play or dismissal
    portfolio: tuple[int, int, float] | None = None  # rank, size, median risk of the CSM's
    model_kind: str | None = None  # lightgbm | logistic | rules
    scored_on: dt.date | None = None  # the day of the scores served while the model is paused


@dataclass(frozen=True)
class ActedView:
    """What the CSM did with the alert; replaces the buttons once recorded."""

    user_name: str
    playbook_title: str
    follow_up_on: dt.date | None
    dismissed: bool = False
    dismiss_reason: str | None = None


# ---------------------------------------------------------------------- text helpers


def short_date(day: dt.date) -> str:
    """``22 Dec`` (the year only when it is not the current one is a caller's choice)."""
    return f"{day.day} {day:%b}"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def banner_text(scored_on: dt.date) -> str:
    """The banner every alert and answer carries while the model is paused."""
    return f"Model paused — using last week's data (scored {long_date(scored_on)})"


def scored_note(as_of: dt.date, served_on: dt.date | None) -> str:
    """The footer's day: ``scored 2 Dec 2024``; while the model is paused, the day of the
    scores served (``served_on``), as the banner says it: ``using last week's data (scored …)``."""
    if served_on is None:
        return f"scored {long_date(as_of)}"
    return f"using last week's data (scored {long_date(served_on)})"


def banner_block(banner: str) -> dict[str, Any]:
    """The paused-model banner section shown first on any alert (account or lead)."""
    text = _plain(safe(f"⏸️ {banner}", MAX_SECTION_TEXT))
    return {"type": "section", "block_id": "atrisk.banner", "text": text}


def with_banner(text: str, banner: str | None) -> str:
    """A notification text led by the paused-model banner, when there is one."""
    return f"{banner} · {text}" if banner else text


def percent(risk: float) -> str:
    return f"{round(risk * 100)} %"


SEVERITIES = (("critical", 0.4), ("high", 0.2), ("elevated", 0.0))


def severity(risk: float) -> str:
    """One level for a risk, the same word in alerts, ``/atrisk`` and App Home:
    critical (≥ 40 %), high (≥ 20 %), elevated (flagged below that)."""
    return next(name for name, floor in SEVERITIES if risk >= floor)


def risk_sentence(risk: float, horizon_days: int = 30) -> str:
    """``High · 18 % chance of churning in the next 30 days``."""
    level = severity(risk).capitalize()
    return f"{level} · {percent(risk)} chance of churning in the next {horizon_days} days"


PORTFOLIO_SHARE_FROM = 20  # smaller portfolios are told by rank ("#2 of your 12 accounts")


def portfolio_phrase(rank: int, size: int, median_risk: float, whose: str = "your") -> str:
    """``riskiest 5 % of your accounts (typical: 2 %)``: the account's rank among its CSM's
    active accounts (as a share rounded up, or ``#2 of your 12 accounts`` below 20 accounts)
    and their median risk. ``whose`` is "your" or, already escaped, "Jane Doe's"."""
    typical = "under 1 %" if median_risk < 0.005 else percent(median_risk)
    if size < PORTFOLIO_SHARE_FROM:
        where = f"#{rank} of {whose} {size} {'account' if size == 1 else 'accounts'}"
    else:
        where = f"riskiest {max(1, math.ceil(100 * rank / size))} % of {whose} accounts"
    return f"{where} (typical: {typical})"


def risk_change(risk: float, previous: float | None) -> str:
    """``62 % ↑ from 41 %``; the first alert says so."""
    now = percent(risk)
    if previous is None:
        return f"{now} (first alert)"
    before = percent(previous)
    if now == before:
        return f"{now} (unchanged)"
    arrow = "↑" if risk > previous else "↓"
    return f"{now} {arrow} from {before}"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def alert_metadata(alert_key: str, alert_id: int) -> dict[str, Any]:
    """Message metadata that lets a lost post be found again in the channel's history."""
    return {
        "event_type": ALERT_EVENT_TYPE,
        "event_payload": {"alert_key": hidden_key(alert_key), "alert_id": alert_id},
    }


# ---------------------------------------------------------------------- blocks


def _facts(view: AlertView) -> dict[str, Any]:
    lines = [risk_sentence(view.risk), risk_change(view.risk, view.previous_risk)]
    if view.portfolio is not None:
        lines.append(safe(portfolio_phrase(*view.portfolio), MAX_FIELD_TEXT))
    fields: list[dict[str, Any]] = [_mrkdwn("*Risk*\n" + "\n".join(lines))]
    if view.arr is not None:
        fields.append(_mrkdwn(f"*ARR*\n{view.arr:,.0f}"))
    if view.renewal_date is not None:
        days = (view.renewal_date - view.as_of).days
        unit = "day" if abs(days) == 1 else "days"
        when = f"in {days} {unit}" if days >= 0 else f"{-days} {unit} ago"
        fields.append(_mrkdwn(f"*Renewal*\n{long_date(view.renewal_date)} ({when})"))
    if view.csm_slack_id and SLACK_USER_ID.match(view.csm_slack_id):
        fields.append(_mrkdwn(f"*CSM*\n<@{view.csm_slack_id}>"))
    elif view.csm_name:
        fields.append(_plain(safe(f"CSM: {view.csm_name}", MAX_FIELD_TEXT)))
    if view.segment:
        fields.append(_plain(safe(f"Segment: {view.segment}", MAX_FIELD_TEXT)))
    return {"type": "section", "block_id": "atrisk.facts", "fields": fields}


def _reasons(view: AlertView) -> dict[str, Any] | None:
    texts = [r.text for r in view.reasons[:MAX_REASONS]]
    texts = [t for t in texts if t.strip()]
    if not texts:
        return None
    head = "Why it is at risk:"
    room = (MAX_SECTION_TEXT - len(head)) // len(texts) - 3  # "\n• " per line
    lines = [head, *(f"• {safe(t, room)}" for t in texts)]
    return {"type": "section", "block_id": "atrisk.reasons", "text": _plain("\n".join(lines))}


def _button(label: str, action_id: str, value: dict[str, Any], style: str | None) -> dict[str, Any]:
    encoded = hidden_json(value)
    if len(encoded) > MAX_BUTTON_VALUE:
        raise ValueError(f"button value for {action_id} is {len(encoded)} characters (max 2000)")
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": _plain(safe(label, MAX_BUTTON_LABEL)),
        "value": encoded,
    }
    if style in ("primary", "danger"):
        button["style"] = style
    return button


def _actions(view: AlertView) -> list[dict[str, Any]]:
    """The playbook buttons (the first is the one primary button; none is styled danger: no
    choice here destroys anything), "Not a risk", and why the playbooks fit, in one line."""
    buttons: list[dict[str, Any]] = []
    whys: dict[str, list[str]] = {}
    for n, playbook in enumerate(view.playbooks[:MAX_PLAYBOOKS]):
        value = {"alert": view.alert_id, "playbook": str(playbook.get("id", ""))}
        title = str(playbook.get("title") or playbook.get("id") or "Playbook")
        style = "primary" if n == 0 else None
        buttons.append(_button(title, f"{PLAYBOOK_ACTION_PREFIX}{n}", value, style))
        if playbook.get("why"):
            whys.setdefault(str(playbook["why"]), []).append(title)
    buttons.append(_button("Not a risk", DISMISS_ACTION_ID, {"alert": view.alert_id}, None))
    blocks: list[dict[str, Any]] = []
    if whys:
        line = " · ".join(
            f"{why[:1].upper()}{why[1:]}" if len(whys) == 1 else f"{' and '.join(t)}: {why}"
            for why, t in whys.items()
        )
        why_line = _plain(safe(line, MAX_FIELD_TEXT))
        blocks.append({"type": "context", "block_id": "atrisk.playbooks", "elements": [why_line]})
    blocks.append({"type": "actions", "block_id": "atrisk.actions", "elements": buttons})
    return blocks


def acted_text(acted: ActedView) -> str:
    """``✅ Jane chose *Integration health check* · outcome check on 22 Dec`` (escaped)."""
    who = safe(acted.user_name, 200)
    if acted.dismissed:
        why = f": {safe(acted.dismiss_reason, 1000)}" if acted.dismiss_reason else ""
        return f"🚫 {who} marked this not a risk{why}"
    text = f"✅ {who} chose *{safe(acted.playbook_title, 300)}*"
    if acted.follow_up_on is not None:
        text += f" · outcome check on {short_date(acted.follow_up_on)}"
    return text


def _context(view: AlertView) -> dict[str, Any]:
    if view.model_kind == "rules":
        parts = [f"Rules score {view.model_version or ''}".strip() + f" ({RULES_NOTE})"]
    else:
        parts = [f"Model {view.model_version}" if view.model_version else "Model unknown"]
    parts += [scored_note(view.as_of, view.scored_on), f"account {view.account_id}"]
    return {
        "type": "context",
        "block_id": "atrisk.context",
        "elements": [_plain(safe(" · ".join(parts), MAX_FIELD_TEXT))],
    }


def fallback_text(view: AlertView) -> str:
    """The notification text: account, risk and the top reason."""
    text = f"At risk: {view.account_name} — {risk_change(view.risk, view.previous_risk)}"
    if view.reasons and view.reasons[0].text:
        text += f" · {view.reasons[0].text}"
    return safe(with_banner(text, view.fallback_banner), MAX_FALLBACK_TEXT)


def render_alert(view: AlertView, *, acted: ActedView | None = None) -> dict[str, Any]:
    """``{"text", "blocks", "metadata"}`` for ``chat.postMessage`` / ``chat.update``."""
    blocks: list[dict[str, Any]] = []
    if view.fallback_banner:
        blocks.append(banner_block(view.fallback_banner))
    header = _plain(safe(view.account_name or view.account_id, MAX_HEADER_TEXT))
    blocks.append({"type": "header", "block_id": "atrisk.header", "text": header})
    blocks.append(_facts(view))
    if view.since:
        since = _mrkdwn(safe(f"📈 {view.since}", MAX_SECTION_TEXT))
        blocks.append({"type": "context", "block_id": "atrisk.since", "elements": [since]})
    if (reasons := _reasons(view)) is not None:
        blocks.append(reasons)
    if acted is None:
        blocks.extend(_actions(view))
    else:
        line = _mrkdwn(clip(acted_text(acted), MAX_SECTION_TEXT))
        blocks.append({"type": "context", "block_id": "atrisk.acted", "elements": [line]})
    blocks.append(_context(view))
    return {
        "text": fallback_text(view),
        "blocks": blocks[:MAX_BLOCKS],
        "metadata": alert_metadata(view.alert_key, view.alert_id),
    }
