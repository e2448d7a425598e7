"""The live model's accuracy on matured outcomes, and the fallback when it is below the floor."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score
from sqlalchemy import select, update

from bot.bootstrap import Context
from bot.daily.job import run_daily
from bot.feedback.report import report_of
from bot.lifecycle.accuracy import live_accuracy, pick_runs
from bot.report.html import render_html
from scoring.evaluate import matured_metric
from storage.models import Account, ModelVersion
from tests.bot.daily.factories import (
    AS_OF,
    FakePoster,
    FakeScorer,
    OpsRecorder,
    add_model,
    add_run,
    make_ctx,
    risks_for,
    seed_world,
)

MATURED = AS_OF - dt.timedelta(days=35)  # horizon 30: a run 35 days ago has matured


def test_matured_accuracy_is_scikit_learns_roc_auc_or_average_precision() -> None:
    rng = np.random.default_rng(7)
    labels = rng.integers(0, 2, 300)
    scores = np.round(rng.random(300), 1)  # many ties
    roc = matured_metric(labels, scores, "roc_auc")
    pr = matured_metric(labels, scores, "pr_auc")
    assert roc.value == pytest.approx(roc_auc_score(labels, scores)) and roc.name == "ROC AUC"
    assert pr.value == pytest.approx(average_precision_score(labels, scores))
    assert pr.name == "PR AUC"


def test_too_few_churned_accounts_say_why_there_is_no_accuracy() -> None:
    reading = matured_metric([0, 0, 1, 0], [0.1, 0.2, 0.9, 0.3], "roc_auc", min_class=2)
    assert reading.value is None and reading.why_not is not None
    assert "1 churned of 4 scored" in reading.why_not


def test_matured_runs_are_picked_a_week_apart_newest_first() -> None:
    days = [(i, dt.date(2025, 1, 1) + dt.timedelta(days=i)) for i in range(28)]
    picked = [d.day for _, d in pick_runs(days)]
    assert picked == [28, 21, 14, 7]


def churn(ctx: Context, ids: list[str], on: dt.date) -> None:
    with ctx.uow() as uow:
        uow.session.execute(
            update(Account).where(Account.account_id.in_(ids)).values(churned_at=on)
        )
        uow.commit()


def seed_matured(ctx: Context, *, good: bool) -> list[str]:
    """40 accounts scored 35 days ago; the 12 that churned since were scored high (or low)."""
    ids = seed_world(ctx, n=40)
    model_id = add_model(ctx)
    risks = risks_for(ids, top=0.99)
    risks = {a: r / 2 for a, r in risks.items()}  # 0.495 … 0.1
    order = list(risks) if good else list(risks)[::-1]
    churned = order[:12]
    add_run(ctx, MATURED, model_id, risks, alerts=False)
    churn(ctx, churned, MATURED + dt.timedelta(days=10))
    return [a for a in ids if a not in churned]


def test_a_model_that_ranks_churners_first_is_accurate(ctx: Context) -> None:
    seed_matured(ctx, good=True)
    with ctx.uow() as uow:
        reading = live_accuracy(uow.session, ctx.spec, AS_OF)
    assert reading.value == pytest.approx(1.0) and reading.n == 40 and reading.n_churned == 12
    assert not reading.below_floor


def test_too_few_matured_outcomes_give_no_reading(ctx: Context) -> None:
    ids = seed_world(ctx, n=12)
    add_run(ctx, MATURED, add_model(ctx), risks_for(ids), alerts=False)
    with ctx.uow() as uow:
        reading = live_accuracy(uow.session, ctx.spec, AS_OF)
    assert reading.value is None and not reading.below_floor
    assert "not enough matured outcomes" in reading.describe()


def test_accuracy_below_the_floor_serves_last_good_scores(ctx: Context, ops: OpsRecorder) -> None:
    still_active = seed_matured(ctx, good=False)
    with ctx.uow() as uow:
        model_id = uow.session.scalar(select(ModelVersion.id))
    add_run(ctx, AS_OF - dt.timedelta(days=2), model_id, risks_for(still_active), alerts=False)
    scorer = FakeScorer()
    report = run_daily(ctx, AS_OF, scorer=scorer, poster=FakePoster())
    assert scorer.calls == []
    assert report.fallback and (report.fallback_cause or "").startswith("accuracy_below_floor:")
    assert "ROC AUC 0.000" in (report.fallback_cause or "")
    assert report.served_from == AS_OF - dt.timedelta(days=2)
    assert ops.keys("fallback:") == ["fallback:2025-01-15:accuracy_below_floor"]
    assert ops.about["fallback:2025-01-15:accuracy_below_floor"] == "model"


def test_the_report_shows_the_specs_metric_and_the_kill_switchs_number(
    db_url: str, tmp_path: Path
) -> None:
    ctx = make_ctx(db_url, tmp_path, accuracy={"metric": "pr_auc"})
    try:
        seed_matured(ctx, good=True)
        report = report_of(ctx, today=AS_OF)
        with ctx.uow() as uow:
            reading = live_accuracy(uow.session, ctx.spec, AS_OF)
    finally:
        ctx.close()
    acc = report["accuracy"]
    assert reading.metric == "pr_auc" and reading.value is not None
    assert acc["metric_name"] == "PR AUC" and acc["kill_switch"]["value"] == reading.value
    html = render_html(report)
    assert "PR AUC per scoring day" in html and "ROC AUC" not in html
    assert f"PR AUC {reading.value:.3f}" in html
