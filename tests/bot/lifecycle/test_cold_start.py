"""Cold start: below what a model needs the rules score serves, registered and labelled; the
first trained model that meets the floor and beats it replaces it through the gate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import run
from bot.daily.status import read_status
from bot.lifecycle.model_registry import artifact_of
from bot.lifecycle.training import train_model
from bot.slack import views
from scoring.errors import NotEnoughSignal
from scoring.model_metrics import ModelMetrics
from scoring.registry import sha256_text
from storage.models import ModelVersion
from tests.bot.lifecycle.conftest import END, make_ctx, use_env

THIN = {"training": {"min_positives": 5000}}


def _states(url: str, folder: Path) -> list[tuple[str, str, str]]:
    ctx = make_ctx(url, folder)
    with ctx.uow() as uow:
        rows = uow.session.scalars(select(ModelVersion).order_by(ModelVersion.id))
        out = [(r.version, r.state, str((r.extras or {}).get("kind"))) for r in rows]
    ctx.close()
    return out


def test_too_few_churned_accounts_put_the_rules_score_live_stored_as_hashed_json(
    company_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_env(monkeypatch, company_url, tmp_path, **THIN)
    assert run(["train"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert f"Rules score {END.isoformat()}.1 is live" in out
    assert "a trained model needs at least 5000 (training.min_positives)" in out
    assert _states(company_url, tmp_path) == [(f"{END.isoformat()}.1", "live", "rules")]
    ctx = make_ctx(company_url, tmp_path, THIN)
    with ctx.uow() as uow:
        row = uow.session.scalars(select(ModelVersion)).one()
        assert row.artifact_sha256 == sha256_text(row.artifact)
        stored = json.loads(row.artifact)  # text, not a pickle
        assert stored["weights"] and len(stored["weights"]) == len(row.features)
        assert artifact_of(row).kind == "rules"
        metrics = ModelMetrics.from_json(row.metrics)
    assert metrics.gate.passed and metrics.kind == "rules"
    assert metrics.test.roc_auc is not None and "labelled snapshot rows" in metrics.split
    answer = read_status(ctx, dt.datetime.combine(END, dt.time(9), tzinfo=dt.UTC))
    ctx.close()
    text = json.dumps(views.status(answer))
    assert "the rules score" in text and "not a trained model yet" in text
    assert "on the labelled history" in text


def test_the_spec_overrides_the_rules_weights_and_refuses_a_name_that_is_not_a_feature(
    company_url: str, tmp_path: Path
) -> None:
    weights = {"usage_trend": 2.0, "open_tickets": 0.0}
    ctx = make_ctx(company_url, tmp_path, {**THIN, "rules": {"weights": weights}})
    report = train_model(ctx)
    ctx.close()
    assert report.kind == "rules"
    used = dict(zip(*_weights(company_url, tmp_path), strict=True))
    assert used["usage_trend"] == 2.0 and "open_tickets" not in used
    assert used["unadopted_key_features"] == 0.5  # the documented default
    bad = make_ctx(company_url, tmp_path, {**THIN, "rules": {"weights": {"nps": 1.0}}})
    with pytest.raises(NotEnoughSignal, match=r"rules\.weights names 'nps', not a feature"):
        train_model(bad)
    bad.close()


def _weights(url: str, folder: Path) -> tuple[list[str], list[float]]:
    ctx = make_ctx(url, folder)
    with ctx.uow() as uow:
        row = uow.session.scalars(select(ModelVersion).where(ModelVersion.state == "live")).one()
        stored = json.loads(row.artifact)
    ctx.close()
    return stored["features"], stored["weights"]


def test_with_a_trained_model_live_too_little_churn_is_refused_and_the_model_stays(
    trained_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _states(trained_url, tmp_path)
    use_env(monkeypatch, trained_url, tmp_path, **THIN)
    assert run(["train"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "training refused" in err and "a trained model needs at least 5000" in err
    assert _states(trained_url, tmp_path) == before


def test_below_the_floor_the_trained_model_stays_a_candidate_and_the_rules_score_serves(
    company_url: str, tmp_path: Path
) -> None:
    ctx = make_ctx(company_url, tmp_path, {"accuracy": {"target": 0.99, "floor": 0.99}})
    report = train_model(ctx)
    ctx.close()
    assert report.kind == "rules" and report.state == "live"
    assert "below the accuracy floor 0.99" in report.why
    day = END.isoformat()
    assert _states(company_url, tmp_path) == [
        (
            f"{day}.1",
            "candidate",
            report.candidate_metrics.kind if report.candidate_metrics else "",
        ),
        (f"{day}.2", "live", "rules"),
    ]


def test_a_trained_model_that_meets_the_floor_and_beats_the_rules_replaces_them(
    company_url: str, tmp_path: Path
) -> None:
    thin = make_ctx(company_url, tmp_path, THIN)
    first = train_model(thin)
    thin.close()
    assert first.kind == "rules" and first.state == "live"
    ctx = make_ctx(company_url, tmp_path)
    second = train_model(ctx)
    ctx.close()
    assert second.kind in ("logistic", "lightgbm")
    assert "rules" in second.metrics.candidates  # judged against the live rules score
    assert second.state == "live", second.why
    assert "it beats the live rules score ROC AUC" in second.why
    states = _states(company_url, tmp_path)
    assert [s for _, s, _ in states] == ["retired", "live"]
