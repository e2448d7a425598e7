"""The daily job: a normal day, every fallback cause, reruns, and the kill switch's effect."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.bootstrap import Context
from bot.daily.job import run_daily
from bot.lifecycle import model_state
from storage.errors import ContractViolation
from storage.models import Alert, ModelStateEvent, ScoringRun
from tests.bot.daily.factories import (
    AS_OF,
    Crash,
    FakePoster,
    FakeScorer,
    OpsRecorder,
    add_model,
    add_run,
    risks_for,
    seed_world,
)

LAST_WEEK = AS_OF - dt.timedelta(days=7)


@pytest.fixture
def world(ctx: Context) -> dict:
    """Twelve accounts, a live model, and a good run a week ago that flagged four of them.

    Last week's four alerts were not posted (the CSMs were over their daily cap), so no
    cooldown stands in the way of alerting them today.
    """
    ids = seed_world(ctx)
    model_id = add_model(ctx)
    good = add_run(ctx, LAST_WEEK, model_id, risks_for(ids[::-1]), flagged=4)
    mark_alerts(ctx, LAST_WEEK, "suppressed")
    return {"ids": ids, "model_id": model_id, "good_run": good}


def mark_alerts(ctx: Context, as_of: dt.date, status: str) -> None:
    with ctx.uow() as uow:
        for a in uow.session.scalars(select(Alert).where(Alert.as_of == as_of)):
            a.status = status
            if status == "posted":
                a.posted_at, a.attempts = dt.datetime.now(dt.UTC), 1
        uow.commit()


def day_alerts(ctx: Context, as_of: dt.date = AS_OF) -> list[Alert]:
    with ctx.uow() as uow:
        alerts = list(
            uow.session.scalars(select(Alert).where(Alert.as_of == as_of).order_by(Alert.id))
        )
        uow.session.expunge_all()  # keep the loaded values after the session closes
    return alerts


def test_a_normal_day_scores_posts_and_reports_fresh_output(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    poster = FakePoster()
    report = run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=poster)
    assert report.status == "succeeded" and not report.fallback and report.banner is None
    assert report.n_scored == 12 and report.n_flagged == 4
    assert report.alerts == {"posted": 4}
    assert len(poster.posted) == 4
    assert ops.messages == {}


def test_a_disabled_model_serves_last_weeks_flagged_accounts_with_the_banner(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    model_state.disable(ctx, "bad data since Monday", "jane@example.com")
    scorer = FakeScorer()
    report = run_daily(ctx, AS_OF, scorer=scorer, poster=FakePoster())
    assert scorer.calls == []  # the model was not run
    assert report.fallback and report.fallback_cause.startswith("disabled:")
    assert report.served_from == LAST_WEEK
    assert report.banner == "Model paused — using last week's data (scored 8 Jan 2025)"
    alerts = day_alerts(ctx)
    assert alerts and all(a.fallback for a in alerts)
    assert {a.account_id for a in alerts} == {"A012", "A011", "A010", "A009"}
    assert all(a.reasons and a.playbooks for a in alerts)
    assert model_state.current(ctx).state == "disabled"  # only a person changes that
    assert ops.keys("fallback:") == ["fallback:2025-01-15:disabled"]


def test_input_that_fails_validation_falls_back_with_one_ops_message(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    ctx.spec.contract = ctx.spec.contract.model_copy(update={"source": "in"})

    def refuse(_ctx: Context, source: str) -> None:
        raise ContractViolation(["usage.events: 3 rows are negative (e.g. A001, A002)"])

    report = run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=FakePoster(), ingester=refuse)
    again = run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=FakePoster(), ingester=refuse)
    assert report.fallback and report.fallback_cause.startswith("invalid_input:")
    assert "usage.events" in report.fallback_cause
    assert report.alerts == {"posted": 4} and again.alerts == {"posted": 4}
    assert ops.keys("fallback:") == ["fallback:2025-01-15:invalid_input"]
    assert ops.about["fallback:2025-01-15:invalid_input"] == "data"
    assert model_state.current(ctx).state == "fallback"


def test_stale_input_falls_back(ctx: Context, ops: OpsRecorder) -> None:
    ids = seed_world(ctx, last_event=AS_OF - dt.timedelta(days=10))
    add_run(ctx, AS_OF - dt.timedelta(days=3), add_model(ctx), risks_for(ids))
    report = run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=FakePoster())
    assert report.fallback_cause is not None and report.fallback_cause.startswith("stale_input:")
    assert "2025-01-05" in report.fallback_cause
    assert report.served_from == AS_OF - dt.timedelta(days=3)


def test_a_failed_scoring_run_falls_back_on_the_same_run_row(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    report = run_daily(ctx, AS_OF, scorer=FakeScorer(fail="lightgbm exploded"), poster=FakePoster())
    assert report.status == "failed" and report.fallback
    assert "lightgbm exploded" in (report.fallback_cause or "")
    with ctx.uow() as uow:
        runs = list(uow.session.scalars(select(ScoringRun).where(ScoringRun.as_of == AS_OF)))
        uow.session.expunge_all()
    assert len(runs) == 1 and runs[0].served_from_run_id == world["good_run"]
    assert all(a.fallback and a.run_id == runs[0].id for a in day_alerts(ctx))


def test_drift_that_pauses_replaces_the_fresh_alerts_by_last_good_ones(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    ctx.spec.drift = ctx.spec.drift.model_copy(update={"persist_runs": 1})  # pause at once
    drift = {f"f{i}": 0.4 for i in range(4)}  # the whole model's inputs moved
    report = run_daily(ctx, AS_OF, scorer=FakeScorer(drift=drift), poster=FakePoster())
    assert report.status == "succeeded" and report.fallback
    assert report.fallback_cause.startswith("drift: importance-weighted PSI 0.40")
    alerts = day_alerts(ctx)
    assert len(alerts) == 4 and all(a.fallback for a in alerts)
    assert {a.account_id for a in alerts} == {"A012", "A011", "A010", "A009"}


def test_a_little_drift_does_not_pause_the_model(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    report = run_daily(ctx, AS_OF, scorer=FakeScorer(drift={"f1": 0.9}), poster=FakePoster())
    assert not report.fallback


def test_with_no_good_scores_in_the_window_nothing_new_is_posted(
    ctx: Context, ops: OpsRecorder
) -> None:
    ids = seed_world(ctx)
    add_run(ctx, AS_OF - dt.timedelta(days=20), add_model(ctx), risks_for(ids))
    model_state.disable(ctx, "checking", "omar@example.com")
    report = run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=FakePoster())
    assert report.fallback and report.served_from is None and report.alerts == {}
    assert "no good scores" in (report.banner or "")
    assert "nothing new is posted" in ops.messages["fallback:2025-01-15:disabled"]


def test_a_run_killed_half_way_through_posting_is_finished_by_the_rerun(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    first = FakePoster(crash_after=2)
    with pytest.raises(Crash):
        run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=first)
    scorer, second = FakeScorer(), FakePoster()
    report = run_daily(ctx, AS_OF, scorer=scorer, poster=second)
    assert report.reused and scorer.calls == []
    assert len(first.posted) == 2 and len(second.posted) == 2
    assert set(first.posted).isdisjoint(second.posted)
    assert report.alerts == {"posted": 4}


def test_rerunning_a_day_neither_rescores_nor_adds_alerts(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=FakePoster())
    scorer = FakeScorer()
    run_daily(ctx, AS_OF, scorer=scorer, poster=FakePoster())
    assert scorer.calls == []
    with ctx.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ScoringRun)) == 2
    assert len(day_alerts(ctx)) == 4


def test_a_scheduled_run_skips_a_day_already_done(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=FakePoster())
    report = run_daily(ctx, AS_OF, trigger="scheduler", scorer=FakeScorer(), poster=FakePoster())
    assert report.status == "skipped"


def test_the_model_comes_back_to_active_after_a_good_run(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    run_daily(ctx, AS_OF, scorer=FakeScorer(fail="boom"), poster=FakePoster())
    assert model_state.current(ctx).state == "fallback"
    tomorrow = AS_OF + dt.timedelta(days=1)
    report = run_daily(ctx, tomorrow, scorer=FakeScorer(), poster=FakePoster())
    assert not report.fallback
    assert model_state.current(ctx).state == "active"
    assert "model-state:active:2025-01-16" in ops.messages
    with ctx.uow() as uow:
        events = [e.state for e in uow.session.scalars(select(ModelStateEvent))]
    assert events == ["fallback", "active"]


def test_fallback_alerts_respect_the_cooldown(ctx: Context, world: dict, ops: OpsRecorder) -> None:
    """Last week's flagged accounts were alerted 7 days ago: within a 14-day cooldown."""
    mark_alerts(ctx, LAST_WEEK, "posted")
    model_state.disable(ctx, "checking", "jane@example.com")
    run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=FakePoster())
    statuses = {a.status for a in day_alerts(ctx)}
    assert statuses == {"suppressed"}


def test_replaying_an_old_day_leaves_todays_state_alone(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    run_daily(ctx, AS_OF, scorer=FakeScorer(fail="boom"), poster=FakePoster())
    run_daily(ctx, AS_OF - dt.timedelta(days=3), scorer=FakeScorer(), poster=FakePoster())
    assert model_state.current(ctx).state == "fallback"


def test_a_failed_day_is_scored_again_by_the_next_run_without_duplicate_alerts(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    failed = run_daily(ctx, AS_OF, scorer=FakeScorer(fail="source timed out"), poster=FakePoster())
    assert failed.status == "failed" and failed.fallback
    served = {a.account_id for a in day_alerts(ctx)}
    scorer = FakeScorer()
    report = run_daily(ctx, AS_OF, scorer=scorer, poster=FakePoster())
    assert scorer.calls == [AS_OF] and not report.reused
    assert report.status == "succeeded" and not report.fallback
    alerts = day_alerts(ctx)
    assert len(alerts) == len({a.account_id for a in alerts})  # one alert per account
    assert {a.account_id for a in alerts} >= served
    assert model_state.current(ctx).state == "active"
    again = FakeScorer()
    assert run_daily(ctx, AS_OF, scorer=again, poster=FakePoster()).reused
    assert again.calls == []  # a day that succeeded is not scored a third time


def test_the_scheduler_retries_a_day_whose_run_failed(
    ctx: Context, world: dict, ops: OpsRecorder
) -> None:
    run_daily(ctx, AS_OF, trigger="scheduler", scorer=FakeScorer(fail="boom"), poster=FakePoster())
    scorer = FakeScorer()
    report = run_daily(ctx, AS_OF, trigger="scheduler", scorer=scorer, poster=FakePoster())
    assert report.status == "succeeded" and scorer.calls == [AS_OF]
