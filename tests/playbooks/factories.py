"""Small builders for playbook tests: reasons, playbook mappings and files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# The feature names the scoring catalog plans; conditions in the built-in library use these.
PLANNED_FEATURES = (
    "unadopted_key_features",
    "adoption_breadth",
    "adoption_breadth_trend",
    "users_per_seat",
    "users_per_seat_trend",
    "usage_trend",
    "integration_failures_14d",
    "integration_failure_rate_14d",
    "consecutive_failures",
    "days_since_last_sync",
    "broken_integrations",
    "open_tickets",
    "oldest_unanswered_ticket_days",
    "urgent_open_tickets",
    "ticket_volume_trend",
    "csat_mean",
    "days_to_renewal",
    "tenure_days",
    "seats",
    "arr",
)


def reason(family: str, feature: str, value: Any, text: str, contribution: float = 0.2) -> dict:
    return {
        "feature": feature,
        "family": family,
        "value": value,
        "contribution": contribution,
        "text": text,
    }


def playbook(**overrides: Any) -> dict[str, Any]:
    """A valid playbook mapping; a key set to ``None`` is left out."""
    data: dict[str, Any] = {
        "id": "call-admin",
        "title": "Call the admin",
        "description": "Call the customer's admin today and agree on one fix with a date.",
        "families": ["support"],
        "priority": 10,
        "follow_up_days": 7,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def write(folder: Path, name: str, content: dict | list | str) -> Path:
    """Write a YAML file (a mapping or list is dumped; text is written as is)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path
