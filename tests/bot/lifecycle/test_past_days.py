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
    assert early.state == "shadow"  # beside the live model trained up to END
    day = EARLY + dt.timedelta(days=10)
    use_env(monkeypatch, trained_url, tmp_path)
    assert run(["score", "--as-of", day.isoformat(), "--no-post", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model_version"] == early.version
    assert (
        f"{day} is before the live model's training date {END}: scored with {early.version}, "
        f"trained on data up to {EARLY}" in report["warnings"]
    )
    assert report["shadow_version"] is None  # the shadow is the model serving the day


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
