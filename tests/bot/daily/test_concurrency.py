"""Real processes: two replicas racing for one day, and a run killed half-way through posting."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.bootstrap import Context
from bot.daily.job import run_daily
from storage.models import Alert, JobRun, ScoringRun
from tests.bot.daily import racers
from tests.bot.daily.factories import AS_OF, FakePoster, FakeScorer, add_model, seed_world


@pytest.mark.postgres
def test_two_schedulers_on_one_database_run_the_day_once(
    pg_url: str, tmp_path: Path, ctx_pg: Context
) -> None:
    seed_world(ctx_pg)
    add_model(ctx_pg)
    results = racers.run_racers(racers.race_daily, ((pg_url, str(tmp_path)), (AS_OF,)))
    assert sorted(r["status"] for r in results) == ["skipped", "succeeded"]
    assert sum(r["scored"] for r in results) == 1
    with ctx_pg.uow() as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(ScoringRun)) == 1
        assert s.scalar(select(func.count()).select_from(Alert)) == 4
        assert s.scalar(select(func.count()).where(Alert.status == "posted")) == 4
        assert s.scalar(select(JobRun.status)) == "succeeded"


def test_a_killed_run_is_finished_by_the_next_one_without_posting_twice(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    ctx = sqlite_ctx
    seed_world(ctx)
    add_model(ctx)
    url = ctx.settings.database_url
    child = mp.get_context("spawn").Process(
        target=racers.killed_daily, args=(url, str(tmp_path), AS_OF, 2)
    )
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 137  # died after posting two of four alerts
    with ctx.uow() as uow:
        assert uow.session.scalar(select(JobRun.status)) == "running"  # nobody cleaned up
    scorer, poster = FakeScorer(), FakePoster()
    report = run_daily(ctx, AS_OF, scorer=scorer, poster=poster)
    assert report.reused and scorer.calls == []
    assert len(poster.posted) == 2  # only the two still pending
    with ctx.uow() as uow:
        attempts = list(uow.session.scalars(select(Alert.attempts)))
    assert attempts == [1, 1, 1, 1]  # every alert posted exactly once
