"""The scheduler fires the daily job at the configured local time, once per day."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import scheduler as sched_mod
from bot.bootstrap import Context
from bot.daily.cron import aps_weekdays, cron_trigger
from bot.scheduler import build_scheduler

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_six_in_berlin_is_five_utc_in_winter_and_four_in_summer() -> None:
    trigger = cron_trigger("0 6 * * *", "Europe/Berlin")
    winter = trigger.get_next_fire_time(None, utc(2025, 1, 14, 12).astimezone(BERLIN))
    summer = trigger.get_next_fire_time(None, utc(2025, 7, 14, 12).astimezone(BERLIN))
    assert winter.astimezone(dt.UTC) == utc(2025, 1, 15, 5)
    assert summer.astimezone(dt.UTC) == utc(2025, 7, 15, 4)


def test_the_day_the_clocks_change_still_runs_once_at_six_local() -> None:
    trigger = cron_trigger("0 6 * * *", "Europe/Berlin")
    fire = trigger.get_next_fire_time(None, utc(2025, 3, 29, 12).astimezone(BERLIN))
    assert fire.astimezone(dt.UTC) == utc(2025, 3, 30, 4)  # summer time began at 01:00 UTC


def test_crontab_weekdays_count_from_sunday() -> None:
    """``0 3 * * 0`` is Sunday in crontab; APScheduler 3 alone would read Monday."""
    trigger = cron_trigger("0 3 * * 0", "Europe/Berlin")
    fire = trigger.get_next_fire_time(None, utc(2025, 1, 14, 12).astimezone(BERLIN))
    assert fire.strftime("%A %H:%M") == "Sunday 03:00"
    assert aps_weekdays("1-5") == "mon,tue,wed,thu,fri"
    assert aps_weekdays("5-7") == "fri,sat,sun"
    assert aps_weekdays("*/2") == "tue,thu,sat,sun"  # 0, 2, 4, 6 = Sun, Tue, Thu, Sat


def test_the_digest_is_checked_every_quarter_hour_so_any_zones_six_is_on_time(
    sqlite_ctx: Context,
) -> None:
    scheduler = build_scheduler(sqlite_ctx)
    scheduler.start(paused=True)
    digest = scheduler.get_job("digest")
    scheduler.shutdown()
    # Monday 06:00 in Asia/Kolkata is 00:30 UTC; in Europe/Berlin 05:00 UTC
    fire = digest.trigger.get_next_fire_time(None, utc(2026, 3, 16, 0, 16).astimezone(BERLIN))
    assert fire.astimezone(dt.UTC) == utc(2026, 3, 16, 0, 30)
    fire = digest.trigger.get_next_fire_time(None, utc(2026, 3, 16, 4, 46).astimezone(BERLIN))
    assert fire.astimezone(dt.UTC) == utc(2026, 3, 16, 5, 0)


def test_jobs_coalesce_allow_an_hour_late_and_never_overlap(sqlite_ctx: Context) -> None:
    scheduler = build_scheduler(sqlite_ctx)
    scheduler.start(paused=True)  # job defaults apply when the jobs are scheduled
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown()
    assert set(jobs) == {"daily", "retrain", "health", "plays", "digest"}
    for job in jobs.values():
        assert job.coalesce is True
        assert job.misfire_grace_time == 3600
        assert job.max_instances == 1
    assert str(jobs["daily"].trigger.timezone) == "Europe/Berlin"


class FakeClock:
    """A clock the test moves; APScheduler's own ``datetime.now`` reads it too."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    fake = FakeClock(utc(2025, 1, 15, 4, 59, 30))

    class FrozenDatetime(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> dt.datetime:  # type: ignore[override]
            return fake.now.astimezone(tz) if tz else fake.now.replace(tzinfo=None)

    monkeypatch.setattr("apscheduler.schedulers.base.datetime", FrozenDatetime)
    monkeypatch.setattr("apscheduler.executors.base.datetime", FrozenDatetime)
    yield fake


def test_the_daily_job_runs_at_six_berlin_time_for_that_day(
    sqlite_ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[tuple[dt.date, str, dt.datetime]] = []
    fired = threading.Event()

    def fake_run_daily(ctx: Context, as_of: dt.date, *, trigger: str) -> Any:
        ran.append((as_of, trigger, clock.now))
        fired.set()
        return SimpleNamespace(status="skipped")

    monkeypatch.setattr(sched_mod, "run_daily", fake_run_daily)
    scheduler = build_scheduler(sqlite_ctx, clock=clock)
    for job_id in ("retrain", "health"):
        scheduler.remove_job(job_id)
    scheduler.start()
    try:
        daily = scheduler.get_job("daily")
        assert daily.next_run_time.astimezone(dt.UTC) == utc(2025, 1, 15, 5)
        scheduler.wakeup()
        assert not fired.wait(0.5)  # 04:59:30 UTC: not yet
        clock.now = utc(2025, 1, 15, 5, 0, 1)
        scheduler.wakeup()
        assert fired.wait(5)
    finally:
        scheduler.shutdown(wait=True)
    assert ran == [(dt.date(2025, 1, 15), "scheduler", utc(2025, 1, 15, 5, 0, 1))]


def test_a_scheduler_down_for_hours_does_not_run_the_missed_day_late(
    sqlite_ctx: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the hour of grace the missed run is skipped (the health check reports the gap)."""
    ran: list[dt.date] = []
    monkeypatch.setattr(sched_mod, "run_daily", lambda ctx, as_of, *, trigger: ran.append(as_of))
    scheduler = build_scheduler(sqlite_ctx, clock=clock)
    for job_id in ("retrain", "health"):
        scheduler.remove_job(job_id)
    scheduler.start(paused=True)
    try:
        clock.now = utc(2025, 1, 15, 7, 30)  # 08:30 in Berlin: 2.5 h late
        scheduler.resume()
        scheduler.wakeup()
        threading.Event().wait(0.5)
        next_run = scheduler.get_job("daily").next_run_time
    finally:
        scheduler.shutdown(wait=True)
    assert ran == []
    assert next_run.astimezone(dt.UTC) == utc(2025, 1, 16, 5)
