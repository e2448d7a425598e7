"""Crontab expressions from ``atrisk.yml`` as APScheduler 3 triggers, with crontab's weekdays.

APScheduler 3 numbers weekdays from Monday (0 = Monday), while crontab (and the spec, e.g.
``retrain_cron: "0 3 * * 0"`` = Sundays) numbers them from Sunday (0 or 7 = Sunday). The
weekday field is therefore translated to names before APScheduler sees it. As in APScheduler,
a restricted day-of-month *and* weekday must both match (crontab would accept either).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

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


def cron_trigger(expr: str, timezone: str | dt.tzinfo) -> CronTrigger:
    """``minute hour day month weekday`` in ``timezone`` (an IANA name or a tzinfo)."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"cron {expr!r} must have 5 fields: minute hour day month weekday")
    tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    minute, hour, day, month, weekday = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=aps_weekdays(weekday),
        timezone=tz,
    )


def last_fire_before(trigger: CronTrigger, when: dt.datetime) -> dt.datetime | None:
    """The trigger's latest fire time at or before ``when`` (None if none in the last 35 days)."""
    for lookback_days in (2, 8, 35):
        previous: dt.datetime | None = None
        fire = trigger.get_next_fire_time(None, when - dt.timedelta(days=lookback_days))
        while fire is not None and fire <= when:
            previous = fire
            fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
        if previous is not None:
            return previous
    return None
