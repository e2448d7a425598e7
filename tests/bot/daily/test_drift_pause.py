"""The daily job pauses for drift only when it matters and persists (SQLite and PostgreSQL).

The scorer stands in for the model (``FakeScorer``); the drift rows it returns carry each
feature's weight, as the real run's do (``scoring.drift_reading``).
"""

from __future__ import annotations

import datetime as dt

from bot.bootstrap import Context
from bot.daily.job import run_daily
from tests.bot.daily.factories import (
    AS_OF,
    FakePoster,
    FakeScorer,
    OpsRecorder,
    add_model,
    add_run,
    risks_for,
    seed_world,
)

MOVED = {f"f{i}": 0.4 for i in range(4)}  # every input of the model moved: weighted PSI 0.40


def test_drift_that_persists_warns_on_the_first_run_and_pauses_on_the_second(
    ctx: Context, ops: OpsRecorder
) -> None:
    ids = seed_world(ctx)
    add_run(ctx, AS_OF - dt.timedelta(days=7), add_model(ctx), risks_for(ids))
    first = run_daily(ctx, AS_OF, scorer=FakeScorer(drift=MOVED), poster=FakePoster())
    second = run_daily(
        ctx, AS_OF + dt.timedelta(days=1), scorer=FakeScorer(drift=MOVED), poster=FakePoster()
    )
    assert not first.fallback and first.status == "succeeded"
    assert second.fallback and (second.fallback_cause or "").startswith(
        "drift: importance-weighted PSI 0.40 over drift.pause_weighted_psi 0.1 on 2 "
        "consecutive runs (before: 0.40)"
    )
    assert ops.keys("drift-warning") == ["drift-warning:2025-01-01.1:2025-W03"]
    assert "the model pauses if it stays over" in ops.messages[ops.keys("drift-warning")[0]]
    assert ops.keys("fallback") == ["fallback:2025-01-16:drift"]


def test_drift_on_alternate_days_never_pauses_and_warns_once_a_week(
    ctx: Context, ops: OpsRecorder
) -> None:
    ids = seed_world(ctx)
    add_run(ctx, AS_OF - dt.timedelta(days=7), add_model(ctx), risks_for(ids))
    reports = [
        run_daily(
            ctx,
            AS_OF + dt.timedelta(days=i),
            scorer=FakeScorer(drift=MOVED if i % 2 == 0 else {"f1": 0.05}),
            poster=FakePoster(),
        )
        for i in range(8)  # Wednesday 15 to Wednesday 22 January
    ]
    assert [r.fallback for r in reports] == [False] * 8
    assert ops.keys("drift-warning") == [
        "drift-warning:2025-01-01.1:2025-W03",
        "drift-warning:2025-01-01.1:2025-W04",
    ]
    assert ops.keys("fallback") == []


def test_the_model_comes_back_when_drift_falls_below_the_level(
    ctx: Context, ops: OpsRecorder
) -> None:
    ids = seed_world(ctx)
    add_run(ctx, AS_OF - dt.timedelta(days=7), add_model(ctx), risks_for(ids))
    days = [AS_OF + dt.timedelta(days=i) for i in range(3)]
    drifts = [MOVED, MOVED, {"f1": 0.05}]
    reports = [
        run_daily(ctx, d, scorer=FakeScorer(drift=x), poster=FakePoster())
        for d, x in zip(days, drifts, strict=True)
    ]
    assert [r.fallback for r in reports] == [False, True, False]
    assert "model-state:active:2025-01-17" in ops.messages
