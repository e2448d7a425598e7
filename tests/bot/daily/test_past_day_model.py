"""Scoring a past day whose only model failed the accuracy gate names that model, its
metric against the floor, and what to do (not "no model exists")."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import Context
from bot.daily.scoring_run import compute_scoring
from bot.lifecycle.model_registry import BACKFILL, NoModelForDate
from storage.models import ModelVersion
from tests.bot.daily.factories import add_model

PAST = dt.date(2024, 12, 10)


def test_scoring_a_past_day_whose_model_failed_the_gate_names_it_its_metric_and_the_floor(
    ctx: Context,
) -> None:
    add_model(ctx)  # live, trained on data up to 1 Jan 2025
    with ctx.uow() as uow:
        uow.session.add(
            ModelVersion(
                version="2024-12-01.1",
                state="candidate",
                trained_as_of=dt.date(2024, 12, 1),
                artifact="tree",
                artifact_sha256="0" * 64,
                params={BACKFILL: "2025-01-01"},
                metrics={"test": {"roc_auc": 0.62}, "gate": {"passed": False, "why": "below"}},
            )
        )
        uow.commit()
    with pytest.raises(NoModelForDate) as refused:
        compute_scoring(ctx, PAST)
    said = str(refused.value)
    assert "no model trained on or before" not in said
    assert (
        "the model trained for it, 2024-12-01.1 (data up to 2024-12-01), failed the accuracy "
        "gate: its roc_auc 0.620 is below accuracy.floor 0.70" in said
    )
    assert "`atrisk train --as-of 2024-12-10`" in said and "lower accuracy.floor" in said
