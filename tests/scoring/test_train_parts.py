"""The pieces training is judged with: the alert budget, metrics, calibration, the baseline."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scoring.baseline import Baseline, fit_baseline
from scoring.calibration import Calibration, fit_calibration
from scoring.errors import NotEnoughSignal
from scoring.evaluate import (
    budget_flags,
    expected_calibration_error,
    flag_mask,
    metrics,
    metrics_by_segment,
)


def test_the_budget_flags_the_top_share_or_everyone_over_the_threshold() -> None:
    risk = np.array([0.1, 0.9, 0.5, 0.7, 0.2])
    assert flag_mask(risk, threshold=None, top_share=0.4).tolist() == [0, 1, 0, 1, 0]
    assert flag_mask(risk, threshold=0.5, top_share=None).tolist() == [0, 1, 1, 1, 0]
    assert flag_mask(risk, threshold=None, top_share=0.01).sum() == 1  # at least one
    days = pd.Series(["d1", "d1", "d2", "d2", "d2"])
    assert budget_flags(risk, days, None, 0.3).tolist() == [0, 1, 0, 1, 0]


def test_ece_is_the_row_weighted_gap_between_risk_and_churn_rate() -> None:
    y = np.array([0, 0, 1, 1])
    assert expected_calibration_error(y, np.array([0.05, 0.05, 0.95, 0.95])) == pytest.approx(0.05)
    assert expected_calibration_error(y, np.array([0.5, 0.5, 0.5, 0.5])) == pytest.approx(0.0)


def test_metrics_of_a_single_class_leave_ranking_undefined() -> None:
    m = metrics(np.zeros(10), np.linspace(0, 1, 10), top_share=0.2)
    assert m["roc_auc"] is None and m["pr_auc"] is None and m["recall_at_budget"] is None
    assert m["precision_at_budget"] == 0.0 and m["flagged"] == 2


def test_segments_are_read_under_the_budget_of_all_rows() -> None:
    y = np.array([1, 0, 0, 0, 1, 0])
    p = np.array([0.9, 0.8, 0.1, 0.2, 0.3, 0.05])
    seg = pd.Series(["A", "A", "A", "B", "B", "B"])
    out = metrics_by_segment(y, p, seg, top_share=2 / 6)
    assert out["A"]["flagged"] == 2 and out["B"]["flagged"] == 0
    assert out["A"]["precision_at_budget"] == 0.5 and out["B"]["recall_at_budget"] == 0.0


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_a_calibration_survives_json_and_keeps_the_ranking(method: str) -> None:
    rng = np.random.default_rng(0)
    margin = rng.normal(size=2000)
    y = (rng.random(2000) < 1 / (1 + np.exp(-(2 * margin - 3)))).astype(int)
    cal = fit_calibration(margin, y, method)  # type: ignore[arg-type]
    again = Calibration.from_json(json.loads(json.dumps(cal.to_json(), allow_nan=False)))
    grid = np.linspace(-3, 3, 50)
    assert np.allclose(cal.apply(grid), again.apply(grid))
    assert np.all(np.diff(again.apply(grid)) >= 0)
    assert abs(cal.apply(margin).mean() - y.mean()) < 0.01


def test_calibration_refuses_held_out_rows_without_churn() -> None:
    with pytest.raises(NotEnoughSignal, match="both churned and retained"):
        fit_calibration(np.arange(5.0), np.zeros(5, dtype=int))


def test_the_baseline_predicts_the_same_from_its_json_and_copes_with_new_levels() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=500),
            "gap": np.where(rng.random(500) < 0.2, np.nan, rng.normal(size=500)),
            "plan": pd.Categorical(rng.choice(["Growth", "Business"], 500)),
        }
    )
    y = (frame["x"] + rng.normal(size=500) > 1).astype(int).to_numpy()
    base = fit_baseline(frame, y, ["x", "gap"], ["plan"])
    again = Baseline.from_json(json.loads(json.dumps(base.to_json(), allow_nan=False)))
    assert np.allclose(base.predict(frame), again.predict(frame))
    unseen = frame.head(3).assign(plan=pd.Categorical(["Enterprise"] * 3), gap=np.nan)
    assert np.isfinite(again.predict(unseen)).all()


def test_a_directed_baseline_is_monotone_keeps_signs_in_a_family_and_adds_up() -> None:
    rng = np.random.default_rng(3)
    n = 4000
    unused = rng.integers(0, 6, n).astype(float)  # key features never used (0–5)
    breadth = np.clip(1 - unused / 6 + rng.normal(0, 0.05, n), 0, 1)  # mostly its mirror
    logit = -4 + np.array([0, 0, 0, 1.5, 2.5, 3.0])[unused.astype(int)]  # nothing below 3
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({"unused": unused, "breadth": breadth})
    directions = {"unused": True, "breadth": False}
    base = fit_baseline(frame, y, ["unused", "breadth"], [], directions=directions)
    again = Baseline.from_json(json.loads(json.dumps(base.to_json(), allow_nan=False)))
    assert np.allclose(base.predict(frame), again.predict(frame))
    # more unused features never lowers the risk, and the step below 3 is drawn
    grid = pd.DataFrame({"unused": np.arange(6.0), "breadth": 0.5})
    risk = base.predict(grid)
    assert np.all(np.diff(risk) >= -1e-12)
    assert risk[3] - risk[2] > risk[1] - risk[0]
    # narrow use never lowers the risk (no suppressor sign against its unused features)
    phi = base.contributions(frame, ["unused", "breadth"])
    low_breadth = frame["breadth"] < 0.3
    assert (phi[low_breadth.to_numpy(), 1] >= -1e-9).all()
    assert np.allclose(phi.sum(axis=1), base.margin(frame))
