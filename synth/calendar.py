"""Days as integers: the simulated window, its months, weekdays and contract anniversaries.

Every date inside the generator is an ``int`` day number (days since 1970-01-01), so that
whole columns of dates are plain numpy arithmetic.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

NEVER = np.iinfo(np.int32).max  # "no such day": not churned, not adopted, not decided


def day_number(day: dt.date) -> int:
    """The integer day of a calendar date."""
    return int(np.datetime64(day, "D").astype(np.int64))


def to_date(day: int) -> dt.date:
    """The calendar date of an integer day."""
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))


@dataclass(frozen=True)
class Window:
    """The simulated history: ``months`` month starts, the first of them ``start``.

    Events fall on days ``start <= day < end``; ``end`` itself (the day the data is pulled)
    carries no events, so nothing in the tables lies in the future of ``end``.
    """

    start: int
    end: int
    month_starts: tuple[int, ...]

    @property
    def months(self) -> int:
        return len(self.month_starts)

    def month_bounds(self, m: int) -> tuple[int, int]:
        """First day and the day after the last simulated day of month ``m``."""
        nxt = self.month_starts[m + 1] if m + 1 < self.months else self.end
        return self.month_starts[m], min(nxt, self.end)


def make_window(end: dt.date, months: int) -> Window:
    """``months`` calendar months ending with the month of the last data day (``end - 1``)."""
    last_day = np.datetime64(end, "D") - 1
    last_month = last_day.astype("datetime64[M]")
    firsts = last_month - np.arange(months - 1, -1, -1)
    starts = tuple(int(x) for x in firsts.astype("datetime64[D]").astype(np.int64))
    return Window(start=starts[0], end=day_number(end), month_starts=starts)


def is_business_day(days: np.ndarray) -> np.ndarray:
    """Monday to Friday (1970-01-01 was a Thursday)."""
    return ((days + 3) % 7) < 5


def anniversary(created: np.ndarray, year: np.ndarray | int) -> np.ndarray:
    """The anniversary of each ``created`` day in ``year`` (29 February falls on the 28th)."""
    c = created.astype("datetime64[D]")
    c_month = c.astype("datetime64[M]")
    day_idx = (c - c_month.astype("datetime64[D]")).astype(np.int64)
    month_of_year = c_month.astype(np.int64) % 12
    target = ((np.asarray(year) - 1970) * 12 + month_of_year).astype("datetime64[M]")
    month_len = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    out: np.ndarray = target.astype("datetime64[D]").astype(np.int64) + np.minimum(
        day_idx, month_len - 1
    )
    return out


def year_of(days: np.ndarray | int) -> np.ndarray:
    """Calendar year of integer days."""
    return np.asarray(days).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def next_renewal(created: np.ndarray, on_or_after: np.ndarray | int) -> np.ndarray:
    """The first contract anniversary of ``created`` on or after ``on_or_after`` (annual terms).

    The first renewal is one year after ``created``; the day of creation is no renewal.
    """
    floor = np.maximum(np.asarray(on_or_after), created + 1)
    year = year_of(floor)
    this_year = anniversary(created, year)
    out: np.ndarray = np.where(this_year >= floor, this_year, anniversary(created, year + 1))
    return out
