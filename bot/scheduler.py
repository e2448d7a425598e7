"""The scheduler inside ``atrisk serve``: the daily run, the weekly retrain, an hourly health
check, the plays' reminders and outcome checks every morning, and the managers' Monday
digest (checked every quarter hour, sent from 06:00 on Monday in each manager's time zone).

APScheduler 3's ``BackgroundScheduler`` with in-memory jobs, rebuilt from ``atrisk.yml`` at
start. Times are in ``freshness.timezone``, so ``0 6 * * *`` in Europe/Berlin is 05:00 UTC in
winter and 04:00 UTC in summer. Every job has ``coalesce=True`` (runs the running process
missed, e.g. while the machine slept, run once, not once per miss), ``misfire_grace_time`` of
an hour (a run more than an hour late is skipped; the health check reports the gap) and
``max_instances=1``. The jobs live in memory: a run due while no process was serving (a
restart, a serve worker replaced) is not caught up at start; the hourly health check reports
the late scores, and ``atrisk run`` scores the day by hand.

One scheduler process is the default. Several replicas on one PostgreSQL are safe: each job
claims its key (the day, the week, the hour) in ``job_runs`` first and only one replica wins
(``storage.job_lock``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from bot.daily.cron import cron_trigger
from bot.daily.health import health_check
from bot.daily.job import run_daily, today_in
from bot.errors import AtriskError
from bot.feedback.digest import send_digests
from bot.feedback.follow_ups import run_follow_ups
from bot.lifecycle import model_state
from bot.lifecycle.training import train_model
from scoring.errors import ScoringError
from storage import job_lock
from storage.connection import brief
from storage.errors import StorageError

if TYPE_CHECKING:
    from bot.bootstrap import Context

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
MISFIRE_GRACE_SECONDS = 3600
PLAYS_CRON = "0 9 * * *"  # reminders and checks at 09:00 in freshness.timezone
DIGEST_CRON = "*/15 * * * *"  # each manager's 06:00 falls on a quarter hour in any zone
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1}


def utc_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def daily_job(ctx: Context, clock: Clock) -> None:
    """Score today (in the spec's time zone); another replica's run of the day is skipped."""
    as_of = today_in(ctx.spec, clock())
    try:
        report = run_daily(ctx, as_of, trigger="scheduler")
    except Exception as e:
        log.exception("daily run for %s crashed", as_of)
        model_state.announce(
            ctx,
            f"daily-crash:{as_of.isoformat()}",
            f":x: The daily run for {as_of.isoformat()} crashed: {_why(e)} "
            "Pending alerts stay in the outbox; `atrisk run` retries the day.",
            "bot",
        )
        return
    if report.status == "skipped":
        log.info("daily run for %s skipped: another process ran it", as_of)
        return
    log.info(
        "daily run for %s: %s, %d alerts%s",
        as_of,
        report.status,
        report.n_alerts,
        f", fallback ({report.fallback_cause})" if report.fallback else "",
    )


def _why(e: BaseException) -> str:
    """An expected error's own message; any other error's first line, never its SQL."""
    expected = isinstance(e, AtriskError | ScoringError | StorageError)
    text = str(e) if expected else brief(e)
    return text if text.endswith(".") else text + "."


def retrain_job(ctx: Context, clock: Clock) -> None:
    """Train on data up to today; the promotion gate decides live, shadow or candidate."""
    as_of = today_in(ctx.spec, clock())
    stale = job_lock.default_stale_after(ctx.spec.freshness.latency_budget_seconds) * 4
    with job_lock.run_once(
        ctx.engine, ctx.spec.job_name("retrain"), as_of.isoformat(), stale_after=stale
    ) as held:
        if held is None:
            return
        try:
            report = train_model(ctx, as_of=as_of)
        except (AtriskError, ScoringError, StorageError) as e:
            model_state.announce(
                ctx,
                f"retrain:{as_of.isoformat()}",
                f":x: The weekly retrain for {as_of.isoformat()} trained no model: {e}",
                "model",
            )
            return
        model_state.announce(
            ctx,
            f"retrain:{as_of.isoformat()}",
            f":gear: Weekly retrain: model {report.version} is {report.state} — {report.why}",
            "model",
        )


def health_job(ctx: Context, clock: Clock) -> None:
    """Late scores, early drift, accuracy under target: told once each to the owners."""
    now = clock()
    key = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
    with job_lock.run_once(ctx.engine, ctx.spec.job_name("health"), key) as held:
        if held is not None:
            health_check(ctx, now)


def plays_job(ctx: Context, clock: Clock) -> None:
    """The plays' reminders, outcome checks and expiries for today, once across replicas."""
    now = clock()
    today = today_in(ctx.spec, now)
    with job_lock.run_once(
        ctx.engine, ctx.spec.job_name("plays"), today.isoformat(), rerun=True
    ) as held:
        if held is None:
            return
        report = run_follow_ups(ctx, today=today, now=now)
        log.info(
            "plays for %s: %d reminded, %d checked, %d expired%s",
            today,
            report.reminded,
            report.checked,
            report.expired,
            f", {len(report.errors)} left for later" if report.errors else "",
        )


def digest_job(ctx: Context, clock: Clock) -> None:
    """Every quarter hour (zones such as Asia/Kolkata are half an hour off UTC): each manager
    whose Monday 06:00 has come in their time zone gets the digest, once."""
    report = send_digests(ctx, now=clock())
    if report.sent or report.failed:
        log.info(
            "digest for %s: %d sent, %d failed", report.monday, len(report.sent), len(report.failed)
        )


def build_scheduler(ctx: Context, *, clock: Clock | None = None) -> BackgroundScheduler:
    """The scheduler with its five jobs, not started (``start`` starts it); every job reads
    the time from ``clock`` (default: the context's)."""
    spec = ctx.spec
    clock = clock or ctx.clock
    tz = ZoneInfo(spec.freshness.timezone)
    scheduler = BackgroundScheduler(timezone=tz, job_defaults=dict(JOB_DEFAULTS))
    scheduler.add_job(
        daily_job,
        cron_trigger(spec.freshness.cron, tz),
        args=(ctx, clock),
        id="daily",
        name="daily scoring run",
    )
    scheduler.add_job(
        retrain_job,
        cron_trigger(spec.training.retrain_cron, tz),
        args=(ctx, clock),
        id="retrain",
        name="weekly retrain",
    )
    scheduler.add_job(
        health_job,
        cron_trigger("30 * * * *", tz),
        args=(ctx, clock),
        id="health",
        name="freshness, drift and accuracy check",
    )
    scheduler.add_job(
        plays_job,
        cron_trigger(PLAYS_CRON, tz),
        args=(ctx, clock),
        id="plays",
        name="play reminders and outcome checks",
    )
    scheduler.add_job(
        digest_job,
        cron_trigger(DIGEST_CRON, tz),
        args=(ctx, clock),
        id="digest",
        name="the managers' Monday digest",
    )
    return scheduler


def start(ctx: Context) -> BackgroundScheduler:
    """Start the jobs in a background thread; ``scheduler.shutdown()`` stops them."""
    ctx.require_schema()
    scheduler = build_scheduler(ctx)
    scheduler.start()
    for job in scheduler.get_jobs():
        log.info("scheduled %s: next at %s", job.name, job.next_run_time)
    return scheduler
