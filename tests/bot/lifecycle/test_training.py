"""``atrisk train`` on a small company: what is registered, and what is refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import Context
from bot.cli import run
from bot.daily.status import read_status
from bot.lifecycle.model_registry import artifact_of
from bot.lifecycle.training import train_model
from bot.slack import views
from scoring.model_metrics import ModelMetrics
from scoring.registry import sha256_text
from storage.models import ModelVersion
from tests.bot.lifecycle.conftest import END, make_ctx, use_env


def _versions(url: str, folder: Path) -> list[ModelVersion]:
    ctx = make_ctx(url, folder)
    with ctx.uow() as uow:
        rows = list(uow.session.scalars(select(ModelVersion).order_by(ModelVersion.id)))
    ctx.close()
    return rows


def test_the_first_model_that_passes_the_gate_goes_live_with_everything_recorded(
    company_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_env(monkeypatch, company_url, tmp_path)
    assert run(["train"]) == 0
    out = capsys.readouterr().out
    assert "roc_auc" in out and "baseline" in out and "By segment (bias audit)" in out
    assert f"Model {END.isoformat()}.1: promoted: it is now the live model" in out
    (row,) = _versions(company_url, tmp_path)
    assert row.state == "live" and row.feature_source == "builtin"
    assert row.version == f"{END.isoformat()}.1" and row.trained_as_of == END
    # 400 accounts: LightGBM's lead is within noise, so the logistic model serves, as JSON text
    assert row.params["kind"] == "logistic"
    assert json.loads(row.artifact)["intercept"] is not None
    assert row.artifact_sha256 == sha256_text(row.artifact)
    assert len(row.data_fingerprint or "") == 64
    assert row.train_start is not None and row.train_end is not None
    assert row.train_start < row.train_end < row.trained_as_of
    metrics = ModelMetrics.from_json(row.metrics)
    test, base = metrics.test, metrics.baseline_test
    for key in ("roc_auc", "pr_auc", "precision_at_budget", "recall_at_budget", "brier", "ece"):
        assert test.get(key) is not None and base.get(key) is not None
    assert test.roc_auc is not None and base.roc_auc is not None
    assert test.roc_auc == base.roc_auc and metrics.gate.passed  # the baseline is the model
    assert set(metrics.candidates) == {"logistic", "lightgbm"}
    assert "not clearly better" in metrics.gate.why and "95 % interval" in metrics.gate.why
    assert set(metrics.by_segment) == {"Enterprise", "Mid-Market", "SMB"}
    assert row.params["num_boost_round"] >= 1  # the rounds LightGBM kept, had it been chosen
    json.dumps(row.extras, allow_nan=False)  # plain JSON numbers only
    assert row.extras["calibration"]["method"] == "platt"
    assert set(row.extras["categories"]) == {"segment", "plan"}
    assert set(row.extras["references"]) == set(row.features)
    loaded = artifact_of(row)
    assert loaded.kind == "logistic" and loaded.booster is None and loaded.features == row.features


def test_later_passing_models_run_in_shadow_and_the_same_data_gives_the_same_model(
    trained_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_env(monkeypatch, trained_url, tmp_path)
    assert run(["train", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["state"] == "shadow" and data["version"] == f"{END.isoformat()}.2"
    assert data["metrics"]["gate"]["passed"] and data["metrics"]["kind"] == "logistic"
    assert data["split"].startswith("time split") and "tested on the" in data["split"]
    live, shadow = _versions(trained_url, tmp_path)
    assert (live.state, shadow.state) == ("live", "shadow")
    assert shadow.data_fingerprint == live.data_fingerprint
    assert shadow.artifact_sha256 == live.artifact_sha256

    third = train_model(make_ctx(trained_url, tmp_path))
    assert third.state == "shadow" and third.version == f"{END.isoformat()}.3"
    assert [v.state for v in _versions(trained_url, tmp_path)] == ["live", "retired", "shadow"]


def test_a_day_that_is_not_a_date_is_refused_with_exit_2_and_nothing_is_written(
    company_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_env(monkeypatch, company_url, tmp_path)
    assert run(["train", "--as-of", "2026-13-01"]) == 2
    assert "not a date: use YYYY-MM-DD" in capsys.readouterr().err
    assert _versions(company_url, tmp_path) == []


def test_slack_status_shows_the_live_models_metric_as_training_wrote_it(
    trained_ctx: Context,
) -> None:
    with trained_ctx.uow() as uow:
        written = uow.session.scalars(select(ModelVersion.metrics)).one()
    stored = ModelMetrics.from_json(written).metric("roc_auc")
    assert stored is not None
    answer = read_status(trained_ctx, dt.datetime.combine(END, dt.time(9), tzinfo=dt.UTC))
    assert answer.model_metric == ("roc_auc", stored)
    text = json.dumps(views.status(answer))
    assert f"ROC AUC {stored:.3f} on the test period" in text
