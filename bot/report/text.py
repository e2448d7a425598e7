"""Plain-word sentences about the loop (outcome announcements), shared by Slack and reports."""

from __future__ import annotations

from typing import Any

from playbooks import dismissal_label
from scoring.reasons import reasons_of
from storage.models import Action, Outcome

STATE_WORDS = {
    "retained": "✅ still a customer",
    "churned": "❌ churned",
    "downgraded": "⚠️ downgraded",
}


def reason_text(stored: Any) -> str:
    """Stored reasons (a JSON list) in words, best first, joined by ``'; '``: the report's
    CSV and the export write reasons this way."""
    found = reasons_of(stored if isinstance(stored, list) else [])
    return "; ".join(r.text for r in found if r.text)


def arr_words(before: float | None, after: float | None) -> str:
    """``ARR unchanged``, ``ARR 48,000 → 36,000``, or nothing when either is unknown."""
    if before is None or after is None:
        return ""
    if round(before) == round(after):
        return "ARR unchanged"
    return f"ARR {before:,.0f} → {after:,.0f}"


def outcome_sentence(
    outcome: Outcome, action: Action | None, outcome_days: int, title: str | None = None
) -> str:
    """E.g. "30-day outcome: ✅ still a customer (ARR unchanged) · action taken: Integration
    health check"; ``title`` is the playbook's title (its id only when none is known)."""
    words = STATE_WORDS.get(outcome.state, outcome.state)
    arr = arr_words(outcome.arr_before, outcome.arr_after)
    arr = f" ({arr})" if arr else ""
    if action is None:
        acted = "no action was recorded"
    elif action.kind == "playbook":
        acted = f"action taken: {title or action.playbook_id}"
    else:
        acted = f"marked not a risk ({dismissal_label(action.dismiss_reason or 'other')})"
    return f"{outcome_days}-day outcome: {words}{arr} · {acted}"
