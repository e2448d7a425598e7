"""Freshness against the SLA, and the hourly check that tells the owners about it."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.bootstrap import Context
from bot.cli.ops_cmd import render_status
from bot.daily.health import health_check
from bot.daily.status import due_as_of, read_status
from bot.slack import views
from tests.bot.daily.factories import AS_OF, OpsRecorder, add_model, add_run, risks_for, seed_world


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_a_run_is_due_its_latency_budget_after_the_cron_time(ctx: Context) -> None:
    # 06:00 Berlin = 05:00 UTC in winter; the budget is 900 s
    assert due_as_of(ctx.spec, utc(2025, 1, 15, 5, 10)) == dt.date(2025, 1, 14)
    assert due_as_of(ctx.spec, utc(2025, 1, 15, 5, 20)) == AS_OF


def test_status_is_on_time_with_todays_scores(ctx: Context) -> None:
    ids = seed_world(ctx)
    add_run(ctx, AS_OF, add_model(ctx), risks_for(ids))
    report = read_status(ctx, utc(2025, 1, 15, 9))
    assert report.freshness.on_time and not report.freshness.stale
    assert not report.freshness.input_stale
    assert report.serving.scored_on == AS_OF and not report.serving.paused
    assert report.next_daily_run is not None
    assert report.next_daily_run.astimezone(dt.UTC) == utc(2025, 1, 16, 5)


def test_the_owners_hear_once_when_scores_are_late(ctx: Context, ops: OpsRecorder) -> None:
    ids = seed_world(ctx)
    add_run(ctx, AS_OF - dt.timedelta(days=1), add_model(ctx), risks_for(ids))
    keys = health_check(ctx, utc(2025, 1, 15, 9))
    health_check(ctx, utc(2025, 1, 15, 10))
    assert keys == ["late:2025-01-15"]
    assert list(ops.messages) == ["late:2025-01-15"] and ops.about["late:2025-01-15"] == "data"


def test_some_drift_is_one_early_warning_a_week(ctx: Context, ops: OpsRecorder) -> None:
    ids = seed_world(ctx)
    model = add_model(ctx)
    add_run(ctx, AS_OF - dt.timedelta(days=1), model, risks_for(ids), drift={"seats": 0.6})
    add_run(ctx, AS_OF, model, risks_for(ids), drift={"seats": 0.6, "arr": 0.1})
    key = "drift-warning:2025-01-01.1:2025-W03"
    assert health_check(ctx, utc(2025, 1, 14, 9)) == [key]
    assert health_check(ctx, utc(2025, 1, 15, 9)) == [key]
    assert list(ops.messages) == [key] and "seats (PSI 0.60)" in ops.messages[key]


def test_both_status_surfaces_say_the_same_freshness(
    ctx: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = seed_world(ctx)
    add_run(ctx, AS_OF - dt.timedelta(days=10), add_model(ctx), risks_for(ids))
    status = read_status(ctx, utc(2025, 1, 15, 9))
    said = (
        "stale: scores of 2025-01-05, 10 days old (stale after 8); the run for 2025-01-15 is late"
    )
    slack = json.dumps(views.status(status), ensure_ascii=False)
    assert f"*Freshness* ⚠️ {said}" in slack
    render_status(status)  # what `atrisk status` prints
    assert said in " ".join(capsys.readouterr().out.split())
    fresh = status.to_json()["freshness"]
    assert fresh["text"] == said and fresh["stale"] and not fresh["on_time"]
