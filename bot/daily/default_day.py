"""The day ``atrisk score``, ``atrisk run`` and ``atrisk status`` use when no ``--as-of`` is given.

One rule for all three: **the day after the newest ingested data, but never after today**
(today in ``freshness.timezone``). Features read the data strictly before their day, so the
day after the newest data uses all of it. When the data stops before yesterday, scoring today
would read the missing days as inactivity (every account idle, usage per seat collapsing) and
report it as risk and drift; the default day stays with the data instead, and the warning says
which day the data ends on and how to score today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.daily.job import today_in
from storage.repositories.scores import latest_data_date

if TYPE_CHECKING:
    from bot.ports import Root


@dataclass(frozen=True)
class DefaultDay:
    """The default day, today, and the newest day of ingested data (None: nothing ingested)."""

    day: dt.date
    today: dt.date
    data_through: dt.date | None

    @property
    def days_behind(self) -> int:
        """Days between the default day and today (0: the data reaches yesterday or later)."""
        return (self.today - self.day).days

    def warning(self) -> str | None:
        """What a person should know and do when the default day is not today."""
        if self.data_through is None or self.days_behind <= 0:
            return None
        n = self.days_behind
        return (
            f"the ingested data ends on {self.data_through.isoformat()}, {n + 1} days before "
            f"today ({self.today.isoformat()}): using {self.day.isoformat()}, the day after it, "
            f"so the {n} missing {'day does' if n == 1 else 'days do'} not read as inactivity. "
            "Ingest newer data (`atrisk ingest SOURCE`) to score today, or choose the day "
            "with --as-of."
        )


def default_day(ctx: Root, now: dt.datetime | None = None) -> DefaultDay:
    """The default day at ``now`` (default: the context's clock)."""
    today = today_in(ctx.spec, now or ctx.clock())
    with ctx.uow() as uow:
        through = latest_data_date(uow.session)
    if through is None:
        return DefaultDay(today, today, None)
    return DefaultDay(min(today, through + dt.timedelta(days=1)), today, through)
