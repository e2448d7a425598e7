"""Plain-word sentences about the loop (outcome announcements), shared by Slack and reports."""

from __future__ import annotations

from storage.models import Action, Outcome

STATE_WORDS = {
    "retained": "✅ still a customer",
    "churned": "❌ churned",
    "downgraded": "⚠️ downgraded",
}


def outcome_sentence(outcome: Outcome, action: Action | None, outcome_days: int) -> str:
    """E.g. "30-day outcome: ✅ still a customer (ARR 48,000 → 48,000) · action taken: …"."""
    words = STATE_WORDS.get(outcome.state, outcome.state)
    arr = ""
    if outcome.arr_before is not None and outcome.arr_after is not None:
        arr = f" (ARR {outcome.arr_before:,.0f} → {outcome.arr_after:,.0f})"
    if action is None:
        acted = "no action was recorded"
    elif action.kind == "playbook":
        acted = f"action taken: {action.playbook_id}"
    else:
        acted = f"marked not a risk ({action.dismiss_reason})"
    return f"{outcome_days}-day outcome: {words}{arr} · {acted}"
