"""The lead report's figures (pure): is the loop used, and does acting on hot leads work?

From one row per lead alert (posted or held out): the **share of alerted leads acted on** (a
play chosen on a posted alert), owner adoption graded on the same tiers as CSMs (weekly, and
per owner over the period), **time to first touch** (hours from the post to the play), and
conversion within the outcome window for acted / not acted / held-out leads with Wilson
intervals. The headline is the **intent-to-treat lift**: every posted alert vs every held-out
one, with Newcombe's interval (``bot.report.lift``); acted vs not acted is observational.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from bot.report.adoption import AdoptionWeek, adoption_weeks
from bot.report.figures import tier
from bot.report.lift import Difference, newcombe_difference, wilson

COLUMNS = ("lead_id", "owner_email", "as_of", "held_out", "acted", "hours_to_touch", "converted")


@dataclass(frozen=True)
class Group:
    """Conversion of one group of alerted leads: count, converted, rate and its interval."""

    name: str
    leads: int
    converted: int
    low: float | None
    high: float | None

    @property
    def rate(self) -> float | None:
        return self.converted / self.leads if self.leads else None


@dataclass(frozen=True)
class LeadReport:
    """Every figure of the lead report (rates as fractions)."""

    posted: int
    held_out: int
    acted: int
    share_acted: float | None
    median_hours_to_touch: float | None
    weeks: list[AdoptionWeek]
    owners: list[dict[str, Any]]
    groups: dict[str, Group]
    itt: Difference
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "posted": self.posted,
            "held_out": self.held_out,
            "acted": self.acted,
            "share_acted": self.share_acted,
            "median_hours_to_touch": self.median_hours_to_touch,
            "weeks": [w.as_dict() for w in self.weeks],
            "owners": self.owners,
            "groups": {k: {**vars(g), "rate": g.rate} for k, g in self.groups.items()},
            "itt_lift": {"value": self.itt.value, "low": self.itt.low, "high": self.itt.high},
            "notes": self.notes,
        }


def _group(name: str, rows: pd.DataFrame) -> Group:
    n, x = len(rows), int(rows["converted"].sum())
    low, high = wilson(x, n)
    return Group(name, n, x, low, high)


def _owners(posted: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for owner, g in posted.groupby("owner_email", sort=True):
        share = float(g["acted"].mean())
        out.append({"owner_email": owner, "alerts": len(g), "acted": int(g["acted"].sum()),
                    "share_acted": share, "tier": tier(share)})  # fmt: skip
    return out


def lead_report(alerts: pd.DataFrame, *, today: dt.date) -> LeadReport:
    """The figures from one row per alert (``COLUMNS``; ``hours_to_touch`` NaN when not acted).

    Raises ``KeyError`` naming a missing column.
    """
    missing = [c for c in COLUMNS if c not in alerts.columns]
    if missing:
        raise KeyError(f"lead alerts lack column(s) {', '.join(missing)}")
    held = alerts[alerts["held_out"].astype(bool)]
    posted = alerts[~alerts["held_out"].astype(bool)]
    acted = posted[posted["acted"].astype(bool)]
    hours = pd.to_numeric(acted["hours_to_touch"], errors="coerce").dropna()
    weekly = posted.rename(columns={"owner_email": "csm_email"})
    weekly["kind"] = posted["acted"].astype(bool).map({True: "playbook", False: None})
    groups = {
        "acted": _group("acted", acted),
        "not_acted": _group("not acted", posted[~posted["acted"].astype(bool)]),
        "held_out": _group("held out", held),
    }
    itt = newcombe_difference(
        int(posted["converted"].sum()), len(posted), int(held["converted"].sum()), len(held)
    )
    notes = ["acted vs not acted is observational: owners choose which leads to act on"]
    if len(held) == 0:
        notes.append("no held-out leads: the lift cannot be measured (feedback.holdout_share)")
    return LeadReport(
        posted=len(posted),
        held_out=len(held),
        acted=len(acted),
        share_acted=len(acted) / len(posted) if len(posted) else None,
        median_hours_to_touch=float(hours.median()) if len(hours) else None,
        weeks=adoption_weeks(weekly, today=today),
        owners=_owners(posted),
        groups=groups,
        itt=itt,
        notes=notes,
    )
