"""Training: the time split, the purge, the baseline, calibration, the gate, and refusals."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from scoring.errors import FeatureSpecError, NotEnoughSignal
from scoring.labels import split_by_time
from scoring.model_metrics import Gate, ModelMetrics
from scoring.predict import model_matrix, risk
from scoring.train import fit, prepare, purge, split_held_out
from tests.scoring.model_frames import CATEGORICAL, FAST, FEATURES, churn_frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return churn_frame()


@pytest.fixture(scope="module")
def trained(frame: pd.DataFrame):
    return fit(frame, FEATURES, CATEGORICAL, FAST, split=split_by_time)


def test_a_difference_within_noise_leaves_the_logistic_model_serving(trained) -> None:
    test, base = trained.metrics.test, trained.metrics.baseline_test
    assert trained.promoted, trained.why
    assert trained.metrics.kind == "logistic" and trained.model.kind == "logistic"
    assert test.roc_auc == base.roc_auc  # the served model is the logistic one
    lgbm = trained.metrics.candidates["lightgbm"]
    assert abs(lgbm["roc_auc"] - base.roc_auc) < 0.02  # its interval includes 0
    assert trained.why.startswith("logistic regression chosen: LightGBM is not clearly better")
    assert "95 % interval" in trained.why and "includes 0" in trained.why
    assert set(trained.metrics.by_segment) == {"Enterprise", "Mid-Market", "SMB"}
    assert trained.metrics.gate == Gate(passed=True, why=trained.why)


def test_on_more_accounts_lightgbm_clearly_beats_the_baseline_on_interacting_signals() -> None:
    frame = churn_frame(n=2500, interacting=True)
    trained = fit(frame, FEATURES, CATEGORICAL, FAST, split=split_by_time)
    assert trained.promoted and trained.model.kind == "lightgbm", trained.why
    assert trained.metrics.test.roc_auc > trained.metrics.baseline_test.roc_auc
    assert trained.why.startswith("LightGBM chosen: clearly better than the logistic model")


def test_stored_metrics_read_back_as_training_wrote_them(trained) -> None:
    stored = json.loads(json.dumps(trained.metrics.to_json()))
    assert ModelMetrics.from_json(stored) == trained.metrics
    assert stored["test"]["roc_auc"] == trained.metrics.metric("roc_auc")


def test_calibrated_risk_matches_the_churn_rate_of_later_snapshots(trained, frame) -> None:
    test = trained.metrics.test
    rows = frame[frame["as_of"] == frame["as_of"].max()]
    x = model_matrix(rows, trained.model.features, trained.model.categories)
    assert abs(risk(trained.model, x).mean() - rows["label"].mean()) < 0.03
    assert (
        test.ece is not None and test.ece < 0.1
    )  # 600 rows; the quality test holds the 0.05 target on more


def test_every_metric_comes_from_snapshots_after_those_that_trained_and_calibrated(
    trained,
    frame: pd.DataFrame,
) -> None:
    rows = trained.metrics.rows
    assert rows["test"] == 600 and rows["calibration"] == 600
    assert rows["train"] + rows["purged"] == 6 * 600
    assert rows["purged"] == 4 * 600  # label windows of 30 days reach 4 weekly snapshots ahead
    assert "trained on 6 snapshots" in trained.split_sentence
    assert "tested on the 1 from then on" in trained.split_sentence
    # the metrics come from the split; the served model is then refitted on every labelled row
    assert rows["refit"] == len(frame) == 8 * 600
    assert "refitted on all 4800 labelled rows" in trained.split_sentence
    assert trained.train_start == frame["as_of"].min()
    assert trained.train_end == frame["as_of"].max()


def test_the_purge_drops_training_rows_whose_label_window_reaches_the_held_out_period() -> None:
    days = pd.to_datetime(["2025-01-01", "2025-01-20", "2025-02-05", "2025-02-10"])
    train = pd.DataFrame({"as_of": days[:3]})
    held = pd.DataFrame({"as_of": days[3:]})
    kept, dropped = purge(train, held, horizon_days=30)
    assert list(kept["as_of"]) == [days[0]] and dropped == 2


def test_held_out_rows_of_one_date_are_halved_at_random_keeping_both_classes() -> None:
    held = pd.DataFrame({"as_of": pd.Timestamp("2025-03-01"), "label": [0] * 40 + [1] * 10})
    calib, test, sentence = split_held_out(held, seed=1)
    assert (len(calib), len(test)) == (25, 25)
    assert calib["label"].sum() == 5 and test["label"].sum() == 5
    assert "one snapshot date" in sentence


def test_too_few_churned_snapshots_is_refused_with_the_numbers(frame: pd.DataFrame) -> None:
    with pytest.raises(
        NotEnoughSignal, match=r"only \d+ churned account-snapshots .* at least 5000"
    ):
        fit(frame, FEATURES, CATEGORICAL, replace(FAST, min_positives=5000), split=split_by_time)


def test_no_churn_in_the_held_out_period_names_the_as_of_or_the_validation_share(
    frame: pd.DataFrame,
) -> None:
    days = sorted(frame["as_of"].unique())
    quiet = frame["as_of"].isin(days[-2:])  # the held-out snapshots (20 % of 8)
    no_late_churn = frame.assign(label=frame["label"].where(~quiet, 0))
    with pytest.raises(NotEnoughSignal) as refused:
        prepare(no_late_churn, FEATURES, CATEGORICAL, FAST, split=split_by_time)
    message = str(refused.value)
    assert message.startswith("no churned account in the calibration rows")
    assert "train --as-of a day whose last weeks held churn" in message
    assert "raise training.validation_share (now 0.2)" in message
    assert "longer history" not in message


def test_a_single_class_is_refused(frame: pd.DataFrame) -> None:
    with pytest.raises(NotEnoughSignal, match="no churned account in the training rows"):
        fit(frame.assign(label=0), FEATURES, CATEGORICAL, FAST, split=split_by_time)


def test_a_feature_the_data_lacks_is_named(frame: pd.DataFrame) -> None:
    with pytest.raises(FeatureSpecError, match=r"feature\(s\) nps are not in the training data"):
        fit(frame, [*FEATURES, "nps"], CATEGORICAL, FAST, split=split_by_time)


def test_a_column_lightgbm_cannot_name_is_refused(frame: pd.DataFrame) -> None:
    bad = frame.rename(columns={"usage_trend": "usage trend"})
    features = [f if f != "usage_trend" else "usage trend" for f in FEATURES]
    with pytest.raises(FeatureSpecError, match="'usage trend' cannot be model inputs"):
        fit(bad, features, CATEGORICAL, FAST, split=split_by_time)


def test_an_empty_built_in_feature_is_left_out_but_an_empty_own_column_is_refused(
    frame: pd.DataFrame,
) -> None:
    empty = frame.assign(csat_mean=np.nan)
    result = fit(empty, [*FEATURES, "csat_mean"], CATEGORICAL, FAST, split=split_by_time)
    assert "csat_mean" not in result.model.features
    assert result.warnings == ["feature(s) csat_mean empty in every row: left out"]
    strict = replace(FAST, drop_empty_features=False)
    with pytest.raises(FeatureSpecError, match="csat_mean are empty in every row"):
        fit(empty, [*FEATURES, "csat_mean"], CATEGORICAL, strict, split=split_by_time)
