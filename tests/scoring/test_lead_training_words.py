"""Training under a lead spec speaks of converted leads and conversions, never of churn."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from bot.bootstrap import default_spec_path
from bot.lifecycle.training_data import train_config
from bot.spec import parse_spec
from scoring.gate import judge
from scoring.holdout import LABEL, NotEnoughSignal
from scoring.labels import split_by_time
from scoring.train import TrainConfig, _test_warnings, prepare


def _lead_config(**overrides: Any) -> TrainConfig:
    data = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    data["entity"] = {"kind": "lead", "horizon_days": 14}
    del data["contract"]["required_tables"]
    data["contract"]["key_features"] = []
    return train_config(parse_spec(data), **overrides)


def _frame(positives: int, rows: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    days = pd.date_range("2026-01-01", periods=10, freq="7D")
    return pd.DataFrame(
        {
            "lead_id": [f"L-{i}" for i in range(rows)],
            "as_of": [days[i % len(days)] for i in range(rows)],
            "visits": rng.normal(size=rows),
            LABEL: [1 if i < positives else 0 for i in range(rows)],
        }
    )


def test_training_a_lead_model_with_too_few_conversions_says_converted_leads_not_churned() -> None:
    with pytest.raises(NotEnoughSignal) as refused:
        prepare(_frame(3), ["visits"], [], _lead_config(), split=split_by_time)
    said = str(refused.value)
    assert "only 3 converted lead-snapshots in the training rows" in said
    assert "as conversions are recorded" in said and "churn" not in said


def test_a_small_lead_test_period_warns_of_converted_rows_not_churned_rows() -> None:
    [warning] = _test_warnings(_frame(39), _lead_config(min_positives=50))
    assert warning.startswith("the test period holds only 39 converted rows (39 leads)")
    assert "churn" not in warning


def test_a_lead_model_below_the_floor_says_to_wait_for_more_conversions() -> None:
    y = np.array([0, 1] * 20)
    verdict = judge(
        y,
        {"logistic": np.linspace(1, 0, 40)},
        {"logistic": 0.4},
        pd.Series(range(40)),
        metric="roc_auc",
        floor=0.7,
        recorded=_lead_config().words.noun,
    )
    assert not verdict.passed
    assert "once more conversions have been recorded" in verdict.why and "churn" not in verdict.why
