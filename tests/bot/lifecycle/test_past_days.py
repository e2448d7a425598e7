"""Scoring a past day never uses a model trained after it: an older model, or a refusal."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.cli import run
from bot.lifecycle.training import train_model
from tests.bot.lifecycle.conftest import EARLY, END, make_ctx, use_env


@pytest.mark.slow
def test_a_day_before_the_live_models_training_date_is_scored_by_a_model_trained_before_it(
    trained_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ctx = make_ctx(trained_url, tmp_path)
    early = train_model(ctx, as_of=EARLY)
    ctx.close()
    assert early.state == "candidate" and early.backfill_until == END - dt.timedelta(days=1)
    day = EARLY + dt.timedelta(days=10)
    use_env(monkeypatch, trained_url, tmp_path)
    assert run(["score", "--as-of", day.isoformat(), "--no-post", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model_version"] == early.version
    assert (
        f"{day} is before the live model's training date {END}: scored with {early.version}, "
        f"trained on data up to {EARLY}" in report["warnings"]
    )
    assert report["shadow_version"] is None


@pytest.mark.slow
def test_training_for_a_past_day_keeps_the_newer_live_model_live_and_says_so(
    trained_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_env(monkeypatch, trained_url, tmp_path)
    assert run(["model", "list", "--json"]) == 0
    [live] = json.loads(capsys.readouterr().out)["models"]
    assert run(["train", "--as-of", EARLY.isoformat()]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert f"{live['version']} stays live" in said
    assert f"scores past days from {EARLY} to {END - dt.timedelta(days=1)}" in said
    assert run(["model", "list", "--json"]) == 0
    states = {v["version"]: v["state"] for v in json.loads(capsys.readouterr().out)["models"]}
    assert states[live["version"]] == "live"
    assert sorted(states.values()) == ["candidate", "live"]
    assert run(["score", "--no-post", "--json"]) == 0  # today is still the live model's
    assert json.loads(capsys.readouterr().out)["model_version"] == live["version"]


def test_a_day_before_every_model_is_refused_with_what_to_do(
    trained_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_env(monkeypatch, trained_url, tmp_path)
    day = (EARLY - dt.timedelta(days=1)).isoformat()
    assert run(["run", "--as-of", day]) == 1
    assert run(["score", "--as-of", day, "--no-post"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "would know the future" in err and f"atrisk train --as-of {day}" in err


def test_training_for_a_past_day_never_retires_a_newer_live_rules_score(
    company_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_env(monkeypatch, company_url, tmp_path, training={"min_positives": 5000})
    assert run(["train"]) == 0  # too few churned accounts: the rules score is live
    capsys.readouterr()
    assert run(["train", "--as-of", EARLY.isoformat()]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert f"{END.isoformat()}.1 stays live" in said
    assert run(["model", "list", "--json"]) == 0
    states = {m["version"]: m["state"] for m in json.loads(capsys.readouterr().out)["models"]}
    assert states == {f"{END.isoformat()}.1": "live", f"{EARLY.isoformat()}.1": "candidate"}
    day = EARLY + dt.timedelta(days=3)
    assert run(["score", "--as-of", day.isoformat(), "--no-post", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["model_version"] == f"{EARLY.isoformat()}.1"
