""" "Not a risk": the answer every alert offers, with a fixed list of reasons.

The Slack modal is rendered from ``DISMISSAL_REASONS`` and the report groups dismissals by
their ``id``, so both always agree on the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from playbooks.errors import DismissalInvalid

NOT_A_RISK_ID = "not-a-risk"  # never a playbook id; the loader refuses it
NOT_A_RISK_TITLE = "Not a risk"
MAX_NOTE = 500  # characters of free text kept with "Other"


@dataclass(frozen=True)
class DismissalReason:
    id: str
    label: str
    needs_text: bool = False  # "Other" asks the CSM to say what


DISMISSAL_REASONS: tuple[DismissalReason, ...] = (
    DismissalReason("already_handled", "Already handled"),
    DismissalReason("data_wrong", "The data is wrong"),
    DismissalReason("customer_healthy", "Customer is healthy"),
    DismissalReason("other", "Other", needs_text=True),
)


def dismissal_label(reason_id: str) -> str:
    """The words shown for a reason id (the id itself when it is not one of ours)."""
    return next((r.label for r in DISMISSAL_REASONS if r.id == reason_id), reason_id)


def validate_dismissal(reason_id: str, text: str | None = None) -> tuple[str, str | None]:
    """Check a "Not a risk" answer; returns ``(reason_id, note)`` with the note trimmed.

    An unknown reason, or "Other" without any text, is ``DismissalInvalid``.
    """
    reason = next((r for r in DISMISSAL_REASONS if r.id == reason_id), None)
    if reason is None:
        known = ", ".join(r.id for r in DISMISSAL_REASONS)
        raise DismissalInvalid(f"unknown reason {reason_id!r}; choose one of {known}")
    note = (text or "").strip()[:MAX_NOTE] or None
    if reason.needs_text and note is None:
        raise DismissalInvalid(f"{reason.label}: please say in a few words why this is not a risk")
    return reason.id, note
