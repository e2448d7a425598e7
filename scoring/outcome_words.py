"""The words training and the gate use for the positive outcome: churn for accounts,
conversion for leads, so a lead product's refusals and warnings never speak of churn."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutcomeWords:
    """``positive`` (``churned``), its opposite (``retained``), the noun (``churn``), the unit
    (``account``) and the label column (``churned_at``)."""

    positive: str
    negative: str
    noun: str
    unit: str
    label: str

    def agree(self, singular: str, plural: str) -> str:
        """The verb agreeing with ``noun``: ``churn has`` but ``conversions have``."""
        return plural if self.noun.endswith("s") else singular


CHURN_WORDS = OutcomeWords("churned", "retained", "churn", "account", "churned_at")
LEAD_WORDS = OutcomeWords("converted", "not converted", "conversions", "lead", "converted_at")


def outcome_words(kind: str) -> OutcomeWords:
    """The words for ``entity.kind`` (``account`` or ``lead``)."""
    return LEAD_WORDS if kind == "lead" else CHURN_WORDS
