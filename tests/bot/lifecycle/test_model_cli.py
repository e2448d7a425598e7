"""``atrisk model list|promote|retire``: the registry as the model owner sees it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.cli import run
from bot.daily.scoring_run import run_scoring
from bot.lifecycle.training import train_model
from storage.models import ModelVersion
from tests.bot.lifecycle.conftest import EARLY, END, make_ctx, use_env


def _states(url: str, folder: Path) -> dict[str, str]:
    ctx = make_ctx(url, folder)
    with ctx.uow() as uow:
        out = {v.version: v.state for v in uow.session.scalars(select(ModelVersion))}
    ctx.close()
    return out


def test_list_compares_shadow_and_live_on_matured_outcomes_then_promote_swaps_them(
    shadowed_early_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shadow = f"{EARLY.isoformat()}.2"
    ctx = make_ctx(shadowed_early_url, tmp_path)
    scored = run_scoring(ctx, as_of=EARLY, post=False)
    ctx.close()
    use_env(monkeypatch, shadowed_early_url, tmp_path)

    assert run(["model", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [m["state"] for m in data["models"]] == ["shadow", "live"]
    live_row = data["models"][1]
    assert live_row["roc_auc"] == live_row["baseline_roc_auc"]  # the logistic model serves
    comparison = data["shadow_vs_live"]
    assert comparison["shadow"] == shadow and comparison["rows"] == scored.n_scored
    assert comparison["churned"] > 0 and 0 < comparison["live_value"] <= 1
    assert comparison["metric"] == "roc_auc"

    assert run(["model", "list"]) == 0
    out = capsys.readouterr().out
    assert f"Shadow {shadow} vs live" in out and "matured scores" in out

    live = f"{EARLY.isoformat()}.1"
    assert run(["model", "promote", shadow]) == 0
    assert f"is live; {live} is retired" in capsys.readouterr().out
    assert _states(shadowed_early_url, tmp_path) == {live: "retired", shadow: "live"}

    assert run(["model", "retire", shadow]) == 0
    assert "there is no live model now" in capsys.readouterr().out


def test_a_model_below_the_floor_stays_a_candidate_promoted_only_when_forced(
    trained_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ctx = make_ctx(trained_url, tmp_path, {"accuracy": {"target": 0.99, "floor": 0.99}})
    report = train_model(ctx)
    ctx.close()
    candidate = report.version
    assert report.state == "candidate" and not report.promoted
    assert "is below the accuracy floor 0.99" in report.why
    use_env(monkeypatch, trained_url, tmp_path)
    assert run(["model", "promote", candidate]) == 2
    assert "did not pass the promotion gate" in capsys.readouterr().err
    assert run(["model", "promote", candidate, "--force"]) == 0
    assert _states(trained_url, tmp_path)[candidate] == "live"
    assert run(["model", "promote", "1999-01-01.1"]) == 2
    assert "no model version '1999-01-01.1'" in capsys.readouterr().err


def test_promoting_a_tampered_model_is_refused(
    shadowed_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shadow = f"{END.isoformat()}.2"
    ctx = make_ctx(shadowed_url, tmp_path)
    with ctx.uow() as uow:
        uow.session.execute(
            update(ModelVersion)
            .where(ModelVersion.version == shadow)
            .values(artifact=ModelVersion.artifact + " ")
        )
        uow.commit()
    ctx.close()
    use_env(monkeypatch, shadowed_url, tmp_path)
    assert run(["model", "promote", shadow]) == 2
    assert f"model {shadow} does not match its SHA-256" in capsys.readouterr().err
    assert _states(shadowed_url, tmp_path)[shadow] == "shadow"
