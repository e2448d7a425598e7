"""Block Kit for the "Not a risk" modal: the form a CSM fills in when dismissing an alert,
the form shown in place of one atrisk cannot take, and reading a submitted form. Pure.

The account name is escaped (``bot.blockkit.text.safe``); the submitted state is read
whatever shape it has (a missing or odd value is None, never an error).
"""

from __future__ import annotations

from typing import Any

from bot.blockkit.alerts import MAX_SECTION_TEXT
from bot.blockkit.text import clip, hidden_json, safe
from playbooks import DISMISSAL_REASONS

DISMISSAL_CALLBACK = "atrisk.dismissal"
REASON_BLOCK, REASON_ACTION = "atrisk.reason", "reason"
NOTE_BLOCK, NOTE_ACTION = "atrisk.note", "note"


def section(text: str) -> dict[str, Any]:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT), "verbatim": True},
    }


# A lead alert's form speaks of fit, not risk; the reason ids (what the report counts) stay.
LEAD_LABELS = {"customer_healthy": "Not a good fit for us"}


def dismissal_modal(
    alert_id: int, account: str, meta: dict[str, Any], *, lead: bool = False
) -> dict[str, Any]:
    """The modal asking why an alert is not a risk (``lead``: why a lead is not a fit);
    ``meta`` rides along to the submission."""
    labels = LEAD_LABELS if lead else {}
    options = [
        {"text": {"type": "plain_text", "text": labels.get(r.id, r.label)[:75]}, "value": r.id}
        for r in DISMISSAL_REASONS
    ]
    title, question = ("Not a fit", "not a fit") if lead else ("Not a risk", "not at risk")
    return {
        "type": "modal",
        "callback_id": DISMISSAL_CALLBACK,
        "private_metadata": hidden_json({"alert": alert_id, **meta}),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"Why is *{safe(account, 150)}* {question}?"),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Reason"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": REASON_ACTION,
                    "options": options,
                },
            },
            {
                "type": "input",
                "block_id": NOTE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "In a few words (needed for Other)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": NOTE_ACTION,
                    "multiline": True,
                    "max_length": 500,
                },
            },
        ],
    }


def closed_form(text: str) -> dict[str, Any]:
    """A modal that replaces a form atrisk cannot take, saying why (``text`` escaped)."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "atrisk"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [section(safe(text, MAX_SECTION_TEXT))],
    }


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def dismissal_answer(view: dict[str, Any]) -> tuple[str | None, str | None]:
    """The reason id and the note from a submitted modal's state (None where absent or not
    text, whatever shape the state has)."""
    values = _dict(_dict(view.get("state")).get("values"))
    chosen = _dict(_dict(values.get(REASON_BLOCK)).get(REASON_ACTION))
    reason = _dict(chosen.get("selected_option")).get("value")
    note = _dict(_dict(values.get(NOTE_BLOCK)).get(NOTE_ACTION)).get("value")
    return (
        reason if isinstance(reason, str) else None,
        note if isinstance(note, str) else None,
    )
