"""Cron across daylight-saving changes: once per local day, and the due day is always known.

Property-style: several zones (hour and half-hour shifts, a 2-hour shift, changes at
midnight) and crons (daily, weekly, hourly, every 20 minutes) across both transitions of a year.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.daily.cron import cron_trigger
from bot.daily.health import health_check
from bot.daily.status import read_status
from bot.scheduler import build_scheduler
from tests.bot.daily.factories import OpsRecorder, make_ctx

ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",  # a 30-minute shift
    "America/Santiago",  # midnight skipped in spring, 23:xx repeated in autumn
    "America/Havana",  # midnight skipped, and repeated
    "Pacific/Chatham",  # +12:45 / +13:45
    "Antarctica/Troll",  # a 2-hour shift
    "Africa/Cairo",
    "Asia/Kolkata",
    "UTC",
]
HOUR = dt.timedelta(hours=1)


def transitions(zone: str, year: int) -> list[dt.datetime]:
    """The UTC instants in ``year`` where the zone's offset changes."""
    tz, out = ZoneInfo(zone), []
    t = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    before = t.astimezone(tz).utcoffset()
    while t.year == year:
        t += dt.timedelta(minutes=15)
        now = t.astimezone(tz).utcoffset()
        if now != before:
            out.append(t)
            before = now
    return out or [dt.datetime(year, 3, 28, 1, tzinfo=dt.UTC)]


def fires(expr: str, zone: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every fire in [start, end) by stepping the trigger as the scheduler does."""
    trigger = cron_trigger(expr, zone)
    out: list[dt.datetime] = []
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire < end:
        out.append(fire)
        assert len(out) < 5000, "the trigger does not advance"
        fire = trigger.get_next_fire_time(fire, fire)
    return out


daily = st.tuples(st.integers(0, 59), st.integers(0, 23)).map(lambda mh: f"{mh[0]} {mh[1]} * * *")


@pytest.mark.timeout(120)
@settings(max_examples=80, deadline=None)
@given(zone=st.sampled_from(ZONES), expr=daily, year=st.integers(2025, 2030))
def test_a_daily_cron_fires_once_on_every_local_day_across_both_changes(
    zone: str, expr: str, year: int
) -> None:
    tz = ZoneInfo(zone)
    minute, hour = (int(x) for x in expr.split()[:2])
    for change in transitions(zone, year):
        start, end = change - dt.timedelta(days=3), change + dt.timedelta(days=3)
        got = fires(expr, zone, start, end)
        utc = [f.astimezone(dt.UTC) for f in got]
        assert all(a < b for a, b in itertools.pairwise(utc))
        days = Counter(f.astimezone(tz).date() for f in got)
        first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
        inner = [first + dt.timedelta(days=i) for i in range(1, (last - first).days)]
        assert all(days[d] == 1 for d in inner), (zone, expr, days)
        for f in got:
            local = f.astimezone(tz)
            wall = dt.datetime.combine(local.date(), dt.time(hour, minute))
            if (
                wall.replace(tzinfo=tz).astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
                == wall
            ):  # the wall time exists: it fires then, at its first occurrence
                assert (local.hour, local.minute) == (hour, minute)
                assert f.astimezone(dt.UTC) == wall.replace(tzinfo=tz, fold=0).astimezone(dt.UTC)
            else:  # skipped by the clocks: it fires just after the gap, the same day
                assert local.replace(tzinfo=None) > wall
                assert local.replace(tzinfo=None) - wall <= 2 * HOUR


@pytest.mark.timeout(120)
@settings(max_examples=30, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    expr=st.one_of(
        daily,
        st.sampled_from(["30 * * * *", "*/20 * * * *", "0 */6 * * *", "30 2 * * 0", "0 0 * * *"]),
    ),
    year=st.integers(2025, 2030),
    step_minutes=st.integers(13, 90),
)
def test_the_due_day_is_the_day_of_the_newest_fire_at_any_moment(
    zone: str, expr: str, year: int, step_minutes: int
) -> None:
    trigger = cron_trigger(expr, zone)
    tz = ZoneInfo(zone)
    for change in transitions(zone, year):
        start, end = change - dt.timedelta(hours=30), change + dt.timedelta(hours=30)
        got = fires(expr, zone, start - dt.timedelta(days=8), end)
        now = start
        while now < end:
            before = [f for f in got if f.astimezone(dt.UTC) <= now]
            found = trigger.last_fire_day(now)
            assert found is not None
            day, fire = found
            assert fire.astimezone(dt.UTC) == before[-1].astimezone(dt.UTC)
            assert day == fire.astimezone(tz).date()
            now += dt.timedelta(minutes=step_minutes)


@pytest.mark.timeout(60)
def test_the_scheduler_computes_its_run_times_through_the_repeated_hour() -> None:
    """APScheduler asks for every fire between the last run and now: that list must end."""
    from apscheduler.job import Job

    trigger = cron_trigger("30 2 * * *", "Europe/Berlin")
    job = Job.__new__(Job)
    job.trigger = trigger
    job.next_run_time = trigger.get_next_fire_time(None, dt.datetime(2027, 10, 30, tzinfo=dt.UTC))
    late = dt.datetime(2027, 11, 2, 12, tzinfo=dt.UTC)
    runs = job._get_run_times(late)
    assert [r.astimezone(dt.UTC).isoformat() for r in runs] == [
        "2027-10-30T00:30:00+00:00",
        "2027-10-31T00:30:00+00:00",  # 02:30 CEST, once: not again at 02:30 CET
        "2027-11-01T01:30:00+00:00",
        "2027-11-02T01:30:00+00:00",
    ]


BERLIN_0230 = {"freshness": {"cron": "30 2 * * *", "timezone": "Europe/Berlin"}}


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("now", "due"),
    [
        (dt.datetime(2027, 10, 31, 0, 0, tzinfo=dt.UTC), "2027-10-30"),  # 02:00 CEST
        (dt.datetime(2027, 10, 31, 0, 50, tzinfo=dt.UTC), "2027-10-31"),  # 02:50 CEST
        (dt.datetime(2027, 10, 31, 1, 50, tzinfo=dt.UTC), "2027-10-31"),  # 02:50 CET, again
        (dt.datetime(2027, 3, 28, 1, 10, tzinfo=dt.UTC), "2027-03-27"),  # 03:10 CEST
        (dt.datetime(2027, 3, 28, 1, 50, tzinfo=dt.UTC), "2027-03-28"),  # 03:50 CEST
    ],
)
def test_status_and_the_health_check_return_on_the_days_the_clocks_change(
    db_url: str, tmp_path, ops: OpsRecorder, now: dt.datetime, due: str
) -> None:
    ctx = make_ctx(db_url, tmp_path, **BERLIN_0230)
    try:
        report = read_status(ctx, now=now)
        assert str(report.freshness.due_as_of) == due
        assert report.next_daily_run is not None and report.next_daily_run > now
        assert f"late:{due}" in health_check(ctx, now=now)
        scheduler = build_scheduler(ctx)
        scheduler.start(paused=True)
        scheduler.shutdown()
    finally:
        ctx.close()
