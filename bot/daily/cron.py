"""Crontab expressions from ``atrisk.yml`` as APScheduler 3 triggers, with crontab's weekdays.

APScheduler 3 numbers weekdays from Monday (0 = Monday), while crontab (and the spec, e.g.
``retrain_cron: "0 3 * * 0"`` = Sundays) numbers them from Sunday (0 or 7 = Sunday). The
weekday field is therefore translated to names before APScheduler sees it. As in APScheduler,
a restricted day-of-month *and* weekday must both match (crontab would accept either).

Daylight saving: a trigger steps in real time and fires once per matching local wall time
(``LocalCronTrigger``), so a daily cron runs once on every local day, also on the days the
clocks change, and the health check can always tell which day's run is due.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

#: a repeated or skipped hour is never longer than this (the largest shift is 2 h)
_SLACK = dt.timedelta(hours=3)
_TICK = dt.timedelta(microseconds=1)
LOOKBACK_DAYS = 400  # a yearly cron still has a last fire
NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab order: 0 = Sunday
APS_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _day(token: str) -> int:
    token = token.strip().lower()
    if token[:3] in NAMES and not token.isdigit():
        return NAMES.index(token[:3])
    if not token.isdigit() or int(token) > 7:
        raise ValueError(f"weekday {token!r} is not 0-7 or a day name (sun, mon, …)")
    return int(token) % 7


def crontab_weekdays(field: str) -> set[int]:
    """The weekdays (0 = Sunday … 6 = Saturday) a crontab weekday field selects."""
    days: set[int] = set()
    for part in field.split(","):
        rng, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"weekday step in {part!r} must be at least 1")
        if rng in ("*", "?"):
            first, last = 0, 6
        elif "-" in rng:
            a, b = rng.split("-", 1)
            first, last = _day(a), _day(b) if b.strip() not in ("7",) else 7
        else:
            first = _day(rng)
            last = 6 if step_text else first
        if last < first:
            raise ValueError(f"weekday range {rng!r} runs backwards")
        days.update(d % 7 for d in range(first, last + 1, step))
    return days


def aps_weekdays(field: str) -> str:
    """A crontab weekday field as APScheduler 3 ``day_of_week`` (names, so no numbering clash)."""
    if field.strip() in ("*", "?"):
        return "*"
    days = crontab_weekdays(field)
    if len(days) == 7:
        return "*"
    return ",".join(name for name in APS_ORDER if NAMES.index(name) in days)


class LocalCronTrigger(BaseTrigger):
    """A crontab schedule in a time zone that steps in real time, never in wall-clock time.

    The fields are matched on wall-clock time by a ``CronTrigger`` in UTC (where no clock ever
    changes) and each matching wall time is then placed in the zone: a wall time that happens
    twice (the autumn hour) fires once, at its first occurrence; one that never happens (the
    spring hour) fires when the clocks have moved past it (02:30 becomes 03:30). So ``30 2 * *
    *`` fires exactly once on every local day. APScheduler's own ``CronTrigger`` can return the
    same repeated-hour fire again and again, and a scheduler or a last-fire search then never
    ends.
    """

    def __init__(self, wall: CronTrigger, timezone: dt.tzinfo) -> None:
        self.wall = wall
        self.timezone = timezone

    def __str__(self) -> str:
        return f"{self.wall} in {self.timezone}"

    def get_next_fire_time(
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime | None:
        """The first fire after ``previous_fire_time`` (missed ones included, as APScheduler
        expects), else the first at or after ``now``."""
        start = now.astimezone(dt.UTC)
        if previous_fire_time is not None:
            start = previous_fire_time.astimezone(dt.UTC) + _TICK
        best: dt.datetime | None = None
        for wall in self._walls(self._wall_of(start) - _SLACK):
            if best is not None and wall > self._wall_of(best) + _SLACK:
                break
            instant = self._instant(wall)
            if instant >= start and (best is None or instant < best):
                best = instant
        return best.astimezone(self.timezone) if best is not None else None

    def fires_on(self, day: dt.date) -> list[dt.datetime]:
        """Every fire whose wall time falls on the local ``day``, in order."""
        midnight = dt.datetime.combine(day, dt.time())
        walls = itertools.takewhile(lambda w: w.date() == day, self._walls(midnight))
        instants = sorted({self._instant(w) for w in walls})
        return [i.astimezone(self.timezone) for i in instants]

    def last_fire_day(self, when: dt.datetime) -> tuple[dt.date, dt.datetime] | None:
        """The newest local day with a fire at or before ``when``, and that fire."""
        end = when.astimezone(dt.UTC)
        day = end.astimezone(self.timezone).date()
        for _ in range(LOOKBACK_DAYS):
            fired = [f for f in self.fires_on(day) if f <= end]
            if fired:
                return day, fired[-1]
            day -= dt.timedelta(days=1)
        return None

    def _walls(self, start: dt.datetime) -> Iterator[dt.datetime]:
        """Matching wall-clock times (naive) from ``start`` on."""
        fire = self.wall.get_next_fire_time(None, start.replace(tzinfo=dt.UTC))
        while fire is not None:
            yield fire.replace(tzinfo=None)
            fire = self.wall.get_next_fire_time(fire, fire + _TICK)

    def _wall_of(self, instant: dt.datetime) -> dt.datetime:
        return instant.astimezone(self.timezone).replace(tzinfo=None)

    def _instant(self, wall: dt.datetime) -> dt.datetime:
        # fold=0: a repeated wall time is its first occurrence, a skipped one lands after the gap
        return wall.replace(tzinfo=self.timezone, fold=0).astimezone(dt.UTC)


def cron_trigger(expr: str, timezone: str | dt.tzinfo) -> LocalCronTrigger:
    """``minute hour day month weekday`` in ``timezone`` (an IANA name or a tzinfo)."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"cron {expr!r} must have 5 fields: minute hour day month weekday")
    tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    minute, hour, day, month, weekday = fields
    wall = CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=aps_weekdays(weekday),
        timezone=dt.UTC,
    )
    return LocalCronTrigger(wall, tz)


def last_fire_before(trigger: LocalCronTrigger, when: dt.datetime) -> dt.datetime | None:
    """The trigger's latest fire time at or before ``when`` (None if none in a year)."""
    found = trigger.last_fire_day(when)
    return found[1] if found is not None else None
