"""The knobs of a generated world and the calendar they imply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from tests.worlds.catalog import KEY_FEATURES


@dataclass(frozen=True)
class WorldConfig:
    """How big, how long and how leaky a generated company is.

    The data covers `months` calendar months up to (excluding) `end`. `accounts` is the number
    of rows of the accounts table: the accounts alive when the history starts plus those that
    sign up during it (at a steady rate, replacing the churned ones).
    """

    accounts: int = 300
    months: int = 18
    seed: int = 7
    end: date = date(2026, 11, 27)
    renewal_leak: bool = False
    """True: churned accounts keep `renewal_date = churned_at` (their last term's end)."""
    driver_mix: tuple[float, float, float, float] = (0.25, 0.25, 0.25, 0.25)
    """Share of *sign-ups* per driver (none, adoption, integrations, support); the standing
    population holds fewer risky accounts because they churn sooner."""
    hazard_scale: float = 1.0
    """Multiplies every churn hazard (1.0 gives about 16 % churned over 18 months)."""
    wind_down_days: int = 10
    """Usage fades over this many days before a churn (0: no fading, a pure leading world)."""
    notice_share: float = 0.3
    """Share of churns falling in the 60 days after `end` already recorded (notice given)."""
    founded_years: float = 12.0
    zero_row_share: float = 0.03
    """Share of idle weekdays of an adopted feature exported as a row with 0 events."""
    departed_csm_accounts: int = 2
    """Accounts still owned by a CSM who is no longer in the team table."""
    key_features: tuple[str, ...] = KEY_FEATURES

    @property
    def start(self) -> date:
        """First day of the history (`months` calendar months before `end`)."""
        stamp = pd.Timestamp(self.end) - pd.DateOffset(months=self.months)
        return stamp.date()

    @property
    def days(self) -> int:
        """Number of days in the history."""
        return (self.end - self.start).days

    def day(self, offset: int) -> date:
        """The date `offset` days after `start` (negative: before it)."""
        return (pd.Timestamp(self.start) + pd.Timedelta(days=int(offset))).date()
