"""Drift references drawn on every weekday, so the calendar alone never reads as drift.

Usage follows the week: where nobody works at weekends, ``days_since_last_activity`` is 1 on
a Wednesday and 3 on a Monday for the same healthy account. Training snapshots fall a fixed
number of days apart (one weekday when that is a multiple of 7), so a reference binned from
them describes one weekday only. This reference is drawn instead from the features on each of
the ``weeks × 7`` days up to the training cut-off, kept per weekday; a run is compared with
the reference of its own weekday.

Features that move by construction as days pass are judged against that move:

* ``AGEING`` features grow by one a day for every account (``tenure_days``): the reference
  holds each account's value as of the newest reference day of its weekday, and a run is
  compared after subtracting the days since that day;
* ``CYCLIC`` features come round with a contract term (``days_to_renewal``,
  ``renewal_within_horizon``): their PSI is
  reported, never counted towards a pause (``bot.daily.decide``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.drift import Reference, reference_of

AGEING = frozenset({"tenure_days"})
CYCLIC = frozenset({"days_to_renewal", "renewal_within_horizon"})
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class WeekdayReference:
    """One weekday's references (feature → bins) and the newest day they were drawn on."""

    day: dt.date
    features: dict[str, Reference]


@dataclass(frozen=True)
class WeekdayReferences:
    """The references of each weekday (0 = Monday) drawn over the days before the cut-off."""

    by_weekday: dict[int, WeekdayReference]

    def for_day(self, day: dt.date) -> WeekdayReference | None:
        """The reference of ``day``'s weekday (None when that weekday was never drawn)."""
        return self.by_weekday.get(day.weekday())

    def to_json(self) -> dict[str, Any]:
        return {
            WEEKDAYS[w]: {
                "day": ref.day.isoformat(),
                "features": {k: r.to_json() for k, r in ref.features.items()},
            }
            for w, ref in sorted(self.by_weekday.items())
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WeekdayReferences:
        return cls(
            {
                WEEKDAYS.index(name): WeekdayReference(
                    dt.date.fromisoformat(ref["day"]),
                    {k: Reference.from_json(k, r) for k, r in ref["features"].items()},
                )
                for name, ref in data.items()
            }
        )


def reference_days(cut_off: dt.date, weeks: int) -> list[dt.date]:
    """The ``weeks × 7`` days up to ``cut_off`` (each weekday ``weeks`` times), oldest first."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    return [cut_off - dt.timedelta(days=n) for n in range(weeks * 7 - 1, -1, -1)]


def as_of_day(values: pd.Series, feature: str, day: dt.date, on: dt.date) -> pd.Series:
    """``values`` of ``feature`` observed on ``day`` expressed as of ``on``: an ``AGEING``
    feature moves by the days between them, any other is returned as it is."""
    if feature not in AGEING:
        return values
    return pd.to_numeric(values, errors="coerce") + (on - day).days


def weekday_references(
    frames: Mapping[dt.date, pd.DataFrame], features: list[str], bins: int = 10
) -> WeekdayReferences:
    """Bin each weekday's rows (every frame of that weekday pooled) for every feature.

    ``frames`` maps a day to that day's features (one row per active account). An ``AGEING``
    feature is first moved to the newest day of its weekday, so the pooled days agree.
    """
    out: dict[int, WeekdayReference] = {}
    for weekday in sorted({d.weekday() for d in frames}):
        days = sorted(d for d in frames if d.weekday() == weekday)
        newest = days[-1]
        refs: dict[str, Reference] = {}
        for f in features:
            cols = [as_of_day(frames[d][f], f, d, newest) for d in days if f in frames[d].columns]
            if cols:
                refs[f] = reference_of(f, pd.concat(cols, ignore_index=True), bins)
        out[weekday] = WeekdayReference(newest, refs)
    return WeekdayReferences(out)
