"""The audit predicts training: every refusal ``atrisk train`` can give is reported by
``atrisk audit`` first, in the same words, and each names the fix that works.

Each case changes the spec (or the training day) so that training takes one path; the audit
is run on the same database first, then training, and the two are compared: a refusal's
lines all appear in the audit's problems; a cold start's reasons are the ones training gives
for serving the rules score.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.cli.audit_cmd import run_audit
from bot.lifecycle.training import train_model
from scoring.catalog import MODEL_FEATURES
from scoring.errors import ScoringError
from tests.bot.lifecycle.conftest import END, make_ctx

# (spec changes, training day, the fix the audit's message names)
REFUSALS: dict[str, tuple[dict[str, Any], dt.date | None, str]] = {
    "no matured snapshot before the day": (
        {},
        END - dt.timedelta(days=262),
        "ingest more history",
    ),
    "a rules weight that is not a feature": (
        {"rules": {"weights": {"nps": 1.0}}},
        None,
        "rules.weights names 'nps', not a feature",
    ),
    "every feature left out": (
        {
            "training": {
                "min_positives": 10,
                "history_days": 200,
                "exclude_features": list(MODEL_FEATURES),
            }
        },
        None,
        "training.exclude_features leaves none",
    ),
    "a feature alone separates the labels (two training snapshots)": (
        {"training": {"min_positives": 10, "history_days": 200, "validation_share": 0.97}},
        None,
        "leave the feature out with training.exclude_features",
    ),
}
REFUSALS_BESIDE_A_LIVE_MODEL: dict[str, tuple[dict[str, Any], str]] = {
    "too few churned accounts": (
        {"training": {"min_positives": 5000}},
        "a trained model needs at least 5000 (training.min_positives)",
    ),
    "the held-out period takes the churn": (
        {"training": {"min_positives": 20, "history_days": 200, "validation_share": 0.8}},
        "lower training.validation_share",
    ),
}


def _lines(error: ScoringError) -> list[str]:
    text = str(error).removeprefix("training refused:\n")
    return [line.removeprefix("- ") for line in text.splitlines()]


@pytest.mark.parametrize("case", list(REFUSALS))
def test_every_refusal_of_training_is_reported_by_the_audit_first_in_the_same_words(
    case: str, company_url: str, tmp_path: Path
) -> None:
    changes, day, fix = REFUSALS[case]
    ctx = make_ctx(company_url, tmp_path, changes)
    try:
        audited = run_audit(ctx, day, show_progress=False)
        assert audited.problems, (case, audited.cold_start)
        with pytest.raises(ScoringError) as refused:
            train_model(ctx, as_of=day)
    finally:
        ctx.close()
    for line in _lines(refused.value):
        assert line in audited.problems, (case, line, audited.problems)
    assert any(fix in p for p in audited.problems), (case, audited.problems)


@pytest.mark.parametrize("case", list(REFUSALS_BESIDE_A_LIVE_MODEL))
def test_with_a_trained_model_live_too_little_churn_is_a_refusal_the_audit_reports(
    case: str, trained_url: str, tmp_path: Path
) -> None:
    changes, fix = REFUSALS_BESIDE_A_LIVE_MODEL[case]
    ctx = make_ctx(trained_url, tmp_path, changes)
    try:
        audited = run_audit(ctx, None, show_progress=False)
        with pytest.raises(ScoringError) as refused:
            train_model(ctx)
    finally:
        ctx.close()
    for line in _lines(refused.value):
        assert line in audited.problems, (case, line, audited.problems)
    assert any(fix in p for p in audited.problems), (case, audited.problems)


def test_without_a_live_model_the_same_thin_data_is_a_cold_start_the_audit_announces(
    company_url: str, tmp_path: Path
) -> None:
    changes, fix = REFUSALS_BESIDE_A_LIVE_MODEL["the held-out period takes the churn"]
    ctx = make_ctx(company_url, tmp_path, changes)
    try:
        audited = run_audit(ctx, None, show_progress=False)
        served = train_model(ctx)
    finally:
        ctx.close()
    assert audited.ok and audited.cold_start
    assert served.kind == "rules" and served.state == "live"
    for thin in audited.cold_start:
        assert thin in served.why
    assert any(fix in t for t in audited.cold_start)
