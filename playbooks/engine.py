"""Pick the playbooks that fit an account's reasons: deterministic, pure, at most three.

A playbook fits when one of its families is among the reasons' families and its ``when``
condition (if any) holds for the account's feature values. Fitting playbooks are ranked
by the best reason they match (reasons come best first), then priority (higher first),
then id. No fit gives ``[]``: the alert still offers "Not a risk".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from playbooks.model import Playbook, Style

ORDINALS = ("top", "second", "third")


@dataclass(frozen=True)
class Choice:
    """A playbook offered on one alert, with why it fits this account."""

    id: str
    title: str
    style: Style | None
    why: str
    follow_up_days: int
    description: str
    reason_index: int  # which reason it matched (0 = the top one)

    def as_dict(self) -> dict[str, Any]:
        """The stored shape (``Alert.playbooks`` items)."""
        return {
            "id": self.id,
            "title": self.title,
            "style": self.style,
            "why": self.why,
            "follow_up_days": self.follow_up_days,
            "description": self.description,
        }


def _reason_text(reason: Mapping[str, Any]) -> str:
    text = reason.get("text")
    if isinstance(text, str) and text.strip():
        return text.strip()
    return f"{reason.get('feature', 'a feature')} is {reason.get('value')}"


def why_text(index: int, reason: Mapping[str, Any]) -> str:
    """'fits the top reason: 14 failed Salesforce syncs in the last 14 days'."""
    which = f"the {ORDINALS[index]} reason" if index < len(ORDINALS) else f"reason {index + 1}"
    return f"fits {which}: {_reason_text(reason)}"


def feature_values(
    reasons: Sequence[Mapping[str, Any]], features: Mapping[str, object] | None = None
) -> dict[str, object]:
    """The values conditions read: each reason's own value, overridden by ``features``."""
    values: dict[str, object] = {
        r["feature"]: r.get("value") for r in reasons if isinstance(r.get("feature"), str)
    }
    if features:
        values.update(features)
    return values


def _best_reason(playbook: Playbook, reasons: Sequence[Mapping[str, Any]]) -> int | None:
    for index, reason in enumerate(reasons):
        if reason.get("family") in playbook.families:
            return index
    return None


def choose(
    library: Iterable[Playbook],
    reasons: Sequence[Mapping[str, Any]],
    features: Mapping[str, object] | None = None,
    limit: int = 3,
) -> list[Choice]:
    """The playbooks that fit ``reasons`` (best first), at most ``limit``, each with its why."""
    if limit <= 0 or not reasons:
        return []
    values = feature_values(reasons, features)
    ranked: list[tuple[int, int, str, Playbook]] = []
    for playbook in library:
        index = _best_reason(playbook, reasons)
        if index is not None and playbook.applies(values):
            ranked.append((index, -playbook.priority, playbook.id, playbook))
    ranked.sort(key=lambda item: item[:3])
    return [
        Choice(
            id=p.id,
            title=p.title,
            style=p.style,
            why=why_text(index, reasons[index]),
            follow_up_days=p.follow_up_days,
            description=p.description,
            reason_index=index,
        )
        for index, _, _, p in ranked[:limit]
    ]
