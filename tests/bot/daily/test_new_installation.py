"""A new installation: ``atrisk score`` before any ingest or training says what to run first,
and ``atrisk status`` follows the newest run."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from bot import cli
from bot.bootstrap import Context
from bot.daily.job import run_daily
from bot.daily.score_day import NothingToScore, score_day
from storage.models import ScoringRun
from tests.bot.daily.factories import (
    AS_OF,
    FakePoster,
    FakeScorer,
    OpsRecorder,
    add_model,
    seed_world,
)


def _runs(ctx: Context) -> int:
    with ctx.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(ScoringRun)) or 0)


def test_score_before_any_ingest_says_no_data_yet_and_exits_2(
    env: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(["score", "--as-of", AS_OF.isoformat()]) == 2
    captured = capsys.readouterr()
    err = " ".join(captured.err.split())
    assert "No data ingested yet, and no model: run `atrisk ingest SOURCE`" in err
    assert "then `atrisk train`, then `atrisk score`" in err
    assert "Model paused" not in captured.out + captured.err
    assert _runs(env) == 0  # nothing written: status has no stale run to show later


def test_score_with_data_but_no_model_says_train_first(ctx: Context) -> None:
    seed_world(ctx)
    with pytest.raises(NothingToScore, match=r"No model yet .*run `atrisk train`"):
        score_day(ctx, AS_OF)
    assert _runs(ctx) == 0


def test_score_with_a_live_model_is_not_refused(ctx: Context, ops: OpsRecorder) -> None:
    seed_world(ctx)
    add_model(ctx)
    day = score_day(ctx, AS_OF, post=False).day  # the real scorer fails on the fake model
    assert day.run_id is not None


def test_status_follows_a_fresh_run_made_after_a_run_that_served_nothing(
    env: Context, ops: OpsRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    """Today was run before the data reached it (paused, nothing to serve); then the day
    after the data scored fresh: status shows that run, not the paused one."""
    seed_world(env, last_event=AS_OF - dt.timedelta(days=20))
    add_model(env)
    data_day = AS_OF - dt.timedelta(days=19)
    paused = run_daily(env, AS_OF, scorer=FakeScorer(), poster=FakePoster())
    assert paused.fallback_cause is not None and paused.fallback_cause.startswith("stale_input")
    assert not run_daily(env, data_day, scorer=FakeScorer(), poster=FakePoster()).fallback
    assert cli.run(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["last_run"]["as_of"] == data_day.isoformat()
    assert status["model_state"] == "active"
    assert status["serving"]["paused"] is False
    assert status["serving"]["scored_on"] == data_day.isoformat()


def test_status_before_any_ingest_says_nothing_scored_yet(
    env: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.run(["status"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Serving: nothing scored yet" in out
    assert "fresh scores of none" not in out
