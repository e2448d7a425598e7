"""The lead alert in Block Kit: a hot lead for its owner, pure like the account alert.

Same buttons as an account alert (``atrisk.playbook.N`` with ``{"alert", "playbook"}`` and the
dismissal ``atrisk.dismiss``), so a click is recorded by the same listeners, once. The facts
are a lead's: how likely it converts within the horizon, the company and, as context, its
firmographics. Every data string (company, reasons, play titles) goes through ``safe``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot.blockkit.alerts import (
    DISMISS_ACTION_ID,
    MAX_BLOCKS,
    MAX_FALLBACK_TEXT,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_PLAYBOOKS,
    MAX_REASONS,
    MAX_SECTION_TEXT,
    PLAYBOOK_ACTION_PREFIX,
    SLACK_USER_ID,
    ActedView,
    _button,
    _mrkdwn,
    _plain,
    acted_text,
    alert_metadata,
    banner_block,
    scored_note,
    short_date,
    with_banner,
)
from bot.blockkit.text import clip, safe
from scoring.reasons import Reason

NOT_A_FIT = "Not a fit"


@dataclass(frozen=True)
class LeadAlertView:
    """What a lead alert shows, already read from the store."""

    alert_id: int
    alert_key: str
    lead_id: str
    company: str
    probability: float  # of converting within ``horizon_days``
    horizon_days: int
    segment: str | None
    employees: int | None
    source: str | None
    owner_name: str | None
    owner_slack_id: str | None
    reasons: list[Reason]
    playbooks: list[dict[str, Any]]
    model_version: str | None
    as_of: dt.date
    fallback_banner: str | None = None  # set while the model is paused (as on account alerts)
    scored_on: dt.date | None = None  # the day of the scores served, when not ``as_of``

    @property
    def account_name(self) -> str:
        """The name the dismissal modal shows (the lead's company)."""
        return self.company


def chance_sentence(probability: float, horizon_days: int) -> str:
    """``*62 %* likely to convert in the next 14 days``."""
    return f"*{probability:.0%}* likely to convert in the next {horizon_days} days"


def outcome_text(converted_on: dt.date | None, horizon_days: int) -> str:
    """The outcome follow-up posted in the alert's thread."""
    if converted_on is not None:
        return f"🎉 Converted on {short_date(converted_on)}"
    return f"Not converted within {horizon_days} days of the alert"


def _facts(view: LeadAlertView) -> dict[str, Any]:
    fields = [_mrkdwn("*Chance*\n" + chance_sentence(view.probability, view.horizon_days))]
    context = [view.segment, f"{view.employees:,} employees" if view.employees else None]
    context.append(f"from {view.source}" if view.source else None)
    shown = " · ".join(c for c in context if c)
    if shown:
        fields.append(_plain(safe(shown, MAX_FIELD_TEXT)))
    if view.owner_slack_id and SLACK_USER_ID.match(view.owner_slack_id):
        fields.append(_mrkdwn(f"*Owner*\n<@{view.owner_slack_id}>"))
    elif view.owner_name:
        fields.append(_plain(safe(f"Owner: {view.owner_name}", MAX_FIELD_TEXT)))
    return {"type": "section", "block_id": "atrisk.facts", "fields": fields}


def _reasons(view: LeadAlertView) -> dict[str, Any] | None:
    texts = [r.text for r in view.reasons[:MAX_REASONS] if r.text.strip()]
    if not texts:
        return None
    head = "Why now:"
    room = (MAX_SECTION_TEXT - len(head)) // len(texts) - 3
    lines = [head, *(f"• {safe(t, room)}" for t in texts)]
    return {"type": "section", "block_id": "atrisk.reasons", "text": _plain("\n".join(lines))}


def _actions(view: LeadAlertView) -> dict[str, Any]:
    buttons = []
    for n, play in enumerate(view.playbooks[:MAX_PLAYBOOKS]):
        value = {"alert": view.alert_id, "playbook": str(play.get("id", ""))}
        title = str(play.get("title") or play.get("id") or "Play")
        buttons.append(
            _button(title, f"{PLAYBOOK_ACTION_PREFIX}{n}", value, "primary" if n == 0 else None)
        )
    buttons.append(_button(NOT_A_FIT, DISMISS_ACTION_ID, {"alert": view.alert_id}, None))
    return {"type": "actions", "block_id": "atrisk.actions", "elements": buttons}


def render_lead_alert(view: LeadAlertView, *, acted: ActedView | None = None) -> dict[str, Any]:
    """``{"text", "blocks", "metadata"}`` for ``chat.postMessage`` / ``chat.update``; once
    acted on, the buttons give way to who did what (as on an account alert)."""
    header = _plain(safe(f"Hot lead at {view.company}", MAX_HEADER_TEXT))
    blocks: list[dict[str, Any]] = (
        [banner_block(view.fallback_banner)] if view.fallback_banner else []
    )
    blocks += [{"type": "header", "block_id": "atrisk.header", "text": header}, _facts(view)]
    if (reasons := _reasons(view)) is not None:
        blocks.append(reasons)
    if acted is None:
        blocks.append(_actions(view))
    else:
        line = _mrkdwn(clip(acted_text(acted), MAX_SECTION_TEXT))
        blocks.append({"type": "context", "block_id": "atrisk.acted", "elements": [line]})
    parts = [
        f"Model {view.model_version or 'unknown'}",
        scored_note(view.as_of, view.scored_on),
    ]
    parts.append(f"lead {view.lead_id}")
    line = _plain(safe(" · ".join(parts), MAX_FIELD_TEXT))
    blocks.append({"type": "context", "block_id": "atrisk.context", "elements": [line]})
    text = f"Hot lead: {view.company} — {view.probability:.0%} likely to convert"
    if view.reasons and view.reasons[0].text:
        text += f" · {view.reasons[0].text}"
    return {
        "text": safe(with_banner(text, view.fallback_banner), MAX_FALLBACK_TEXT),
        "blocks": blocks[:MAX_BLOCKS],
        "metadata": alert_metadata(view.alert_key, view.alert_id),
    }
