"""Adoption, defined once for every surface (HTML report, CSV/JSON, ``/atrisk report``, CLI).

For a week (Monday to Sunday, by the day the alert was scored): the **adoption rate** is the
share of CSMs who received a posted alert and chose a playbook on at least one of them; the
**action rate** is the share of posted alerts on which a playbook was chosen. A "Not a risk"
dismissal is an answer, not an action: it counts in neither. Grades: best-in-class > 70 %,
healthy 40–70 %, at risk 20–40 %, failing < 20 %; a week with no alerts is "no alerts"; the week
in progress (it ends after today) is shown but not graded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from bot.report.figures import tier

IN_PROGRESS = "week in progress"


@dataclass(frozen=True)
class AdoptionWeek:
    """One week's adoption: counts, the two rates (fractions) and its grade."""

    week: dt.date  # the Monday
    csms_alerted: int
    csms_acted: int
    alerts: int
    acted: int  # alerts with a playbook chosen
    dismissed: int
    in_progress: bool

    @property
    def adoption_rate(self) -> float | None:
        return self.csms_acted / self.csms_alerted if self.csms_alerted else None

    @property
    def action_rate(self) -> float | None:
        return self.acted / self.alerts if self.alerts else None

    @property
    def tier(self) -> str:
        if self.alerts == 0:
            return "no alerts"
        return IN_PROGRESS if self.in_progress else tier(self.adoption_rate)

    def as_dict(self) -> dict[str, Any]:
        """The week as the report's JSON shows it (rates as fractions)."""
        return {
            **asdict(self),
            "adoption_rate": self.adoption_rate,
            "action_rate": self.action_rate,
            "tier": self.tier,
        }


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def adoption_weeks(posted: pd.DataFrame, *, today: dt.date) -> list[AdoptionWeek]:
    """Every week from the first posted alert to today's week, gaps included as "no alerts".

    ``posted``: one row per posted alert with ``csm_email``, ``as_of`` (date) and ``kind``
    (``playbook``, ``dismissal`` or missing when nobody answered).
    """
    if posted.empty:
        return []
    days = pd.to_datetime(posted["as_of"]).dt.date
    weeks = days.map(monday)
    first, last = min(weeks), max(max(weeks), monday(today))
    out = []
    week = first
    while week <= last:
        g = posted[(weeks == week).to_numpy()]
        acted = g["kind"] == "playbook"
        out.append(
            AdoptionWeek(
                week=week,
                csms_alerted=int(g["csm_email"].nunique()),
                csms_acted=int(g.loc[acted, "csm_email"].nunique()),
                alerts=len(g),
                acted=int(acted.sum()),
                dismissed=int((g["kind"] == "dismissal").sum()),
                in_progress=week + dt.timedelta(days=7) > today,
            )
        )
        week += dt.timedelta(days=7)
    return out


def latest_graded(weeks: list[AdoptionWeek]) -> AdoptionWeek | None:
    """The last week that has ended and had alerts: the headline adoption everywhere."""
    graded = [w for w in weeks if not w.in_progress and w.alerts]
    return graded[-1] if graded else None


def current(weeks: list[AdoptionWeek]) -> AdoptionWeek | None:
    """The week in progress, if it has alerts (shown, never graded)."""
    return weeks[-1] if weeks and weeks[-1].in_progress and weeks[-1].alerts else None
