"""Training: a logistic model and LightGBM, judged on later data, the winner refitted.

The rows are point-in-time snapshots (``as_of``, ``account_id``, features…, ``label``). The
latest snapshots are held out by time and split again by time (``scoring.holdout``): the
earlier half picks the number of boosting rounds and fits the calibration, the later half is
the test period every reported metric comes from. The families themselves are fitted in
``scoring.families``. The gate (``scoring.gate``) serves the logistic model unless LightGBM
is clearly better, and the winner must meet the accuracy floor; the winner is then refitted
on every labelled row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scoring.calibration import Method, fit_calibration
from scoring.errors import FeatureSpecError
from scoring.evaluate import budget_flags, metrics, metrics_by_segment
from scoring.families import artifact, boost, fit_logistic, model_matrix, refit
from scoring.gate import Verdict, judge
from scoring.holdout import LABEL, check_labels, purge, split_held_out
from scoring.leakage import find_leaks, refuse_leaks
from scoring.model_metrics import Gate, ModelMetrics, PeriodMetrics
from scoring.predict import risk
from scoring.registry import ModelArtifact, data_fingerprint

__all__ = ["LABEL", "TrainConfig", "TrainResult", "fit", "purge", "split_held_out"]

Split = Callable[[pd.DataFrame, float], tuple[pd.DataFrame, pd.DataFrame, str]]
_BAD_NAME = re.compile(r"[\s,:\[\]{}\"]")


@dataclass(frozen=True)
class TrainConfig:
    """What training needs from the spec, plus LightGBM's knobs (sensible for tabular churn)."""

    horizon_days: int = 30
    validation_share: float = 0.2
    min_positives: int = 50
    threshold: float | None = None
    top_share: float | None = 0.05
    metric: str = "roc_auc"
    floor: float = 0.7
    num_boost_round: int = 2000
    early_stopping_rounds: int = 100
    early_stopping_metric: str = "binary_logloss"
    learning_rate: float = 0.05
    num_leaves: int = 15  # churn signals are mostly additive: shallow trees fit them best
    min_data_in_leaf: int | None = None  # None: from the number of rows
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    lambda_l2: float = 1.0
    calibration: Method = "platt"
    seed: int = 7
    num_threads: int = 1  # one thread: the same data gives the same model on any machine
    drop_empty_features: bool = True
    candidates: tuple[str, ...] = ("logistic", "lightgbm")  # simplest first; one: always it


@dataclass
class TrainResult:
    """A trained, calibrated, evaluated model not yet in the registry."""

    model: ModelArtifact
    metrics: ModelMetrics
    params: dict[str, Any]
    promoted: bool
    why: str
    train_start: Any
    train_end: Any
    fingerprint: str
    split_sentence: str
    warnings: list[str] = field(default_factory=list)


def lgb_params(config: TrainConfig, n_rows: int) -> dict[str, Any]:
    leaf = config.min_data_in_leaf or max(20, min(100, n_rows // 1000))
    return {
        "objective": "binary",
        "metric": config.early_stopping_metric,
        "learning_rate": config.learning_rate,
        "num_leaves": config.num_leaves,
        "min_data_in_leaf": leaf,
        "feature_fraction": config.feature_fraction,
        "bagging_fraction": config.bagging_fraction,
        "bagging_freq": 1,
        "lambda_l2": config.lambda_l2,
        "cat_smooth": 10.0,
        "max_cat_to_onehot": 8,
        "seed": config.seed,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": config.num_threads,
        "verbose": -1,
    }


def usable_features(
    frame: pd.DataFrame, features: list[str], *, drop_empty: bool
) -> tuple[list[str], list[str]]:
    """The features to train on and warnings; missing, badly named or all-empty ones are refused."""
    absent = [f for f in features if f not in frame.columns]
    if absent:
        raise FeatureSpecError(f"feature(s) {', '.join(absent)} are not in the training data")
    bad = [f for f in features if _BAD_NAME.search(f)]
    if bad:
        raise FeatureSpecError(
            f"feature column(s) {', '.join(map(repr, bad))} cannot be model inputs: rename them "
            'without spaces or any of , : [ ] { } "'
        )
    empty = [f for f in features if frame[f].isna().all()]
    if empty and not drop_empty:
        raise FeatureSpecError(f"feature column(s) {', '.join(empty)} are empty in every row")
    if len(empty) == len(features):
        raise FeatureSpecError("every feature column is empty: there is nothing to learn from")
    warnings = [f"feature(s) {', '.join(empty)} empty in every row: left out"] if empty else []
    return [f for f in features if f not in empty], warnings


def fit(
    frame: pd.DataFrame,
    features: list[str],
    categorical: list[str],
    config: TrainConfig,
    *,
    split: Split,
    groups: dict[str, str] | None = None,
    one_hot: dict[str, str] | None = None,
    feature_source: str = "builtin",
) -> TrainResult:
    """Train both candidates, judge them on later data, refit the winner on every labelled row.

    ``split`` holds the latest rows out by time. Raises ``NotEnoughSignal`` (too few churned
    rows, one class) and ``LeakSuspected`` (a feature alone nearly separates the labels).
    """
    used, warnings = usable_features(frame, features, drop_empty=config.drop_empty_features)
    frame = frame.dropna(subset=[LABEL])
    check_labels(frame, config.min_positives, "training")
    train, held, sentence = split(frame, config.validation_share)
    train, purged = purge(train, held, config.horizon_days)
    check_labels(train, max(1, config.min_positives // 2), "training (before the held-out)")
    refuse_leaks(find_leaks(train, [f for f in used if f not in categorical], LABEL))
    calib, test, held_sentence = split_held_out(held, config.seed)
    check_labels(calib, 1, "calibration")
    check_labels(test, 1, "test")
    cats = {
        c: sorted(str(v) for v in train[c].dropna().astype("str").unique())
        for c in categorical
        if c in used
    }
    x_train, x_calib, x_test = (model_matrix(f, used, cats) for f in (train, calib, test))
    params = lgb_params(config, len(train))
    booster = boost(
        params,
        x_train,
        train,
        valid=(x_calib, calib),
        rounds=config.num_boost_round,
        early_stopping_rounds=config.early_stopping_rounds,
    )
    margin = np.asarray(booster.predict(x_calib, raw_score=True))
    calibration = fit_calibration(margin, calib[LABEL].to_numpy(int), config.calibration)
    linear = fit_logistic(train, used, cats, seed=config.seed)
    assert linear.linear is not None
    trees = artifact(
        booster, "lightgbm", used, cats, calibration, linear.linear, train, seed=config.seed
    )
    evaluated, verdict = _judge(trees, linear, test, x_test, config)
    chosen_rounds = int(booster.num_trees())
    model = refit(
        verdict.chosen,
        frame,
        used,
        cats,
        calibration,
        lgb_params(config, len(frame)),
        chosen_rounds,
        seed=config.seed,
    )
    model.groups = {k: v for k, v in (groups or {}).items() if k in used}
    model.one_hot = {k: v for k, v in (one_hot or {}).items() if k in used}
    model.feature_source = feature_source
    warnings += _test_warnings(test, config)
    report = replace(
        evaluated,
        best_iteration=chosen_rounds if verdict.chosen == "lightgbm" else None,
        rows={
            "train": len(train),
            "purged": purged,
            "calibration": len(calib),
            "test": len(test),
            "refit": len(frame),
        },
        split=f"{sentence}; {held_sentence}; the chosen model was then refitted on all "
        f"{len(frame)} labelled rows",
        gate=Gate(verdict.passed, verdict.why),
    )
    params = {"kind": verdict.chosen, **params, "num_boost_round": chosen_rounds}
    return TrainResult(
        model=model,
        metrics=report,
        params=params,
        promoted=verdict.passed,
        why=verdict.why,
        train_start=frame["as_of"].min() if "as_of" in frame else None,
        train_end=frame["as_of"].max() if "as_of" in frame else None,
        fingerprint=data_fingerprint(frame[["account_id", "as_of", *used, LABEL]]),
        split_sentence=report.split,
        warnings=warnings,
    )


def _test_warnings(test: pd.DataFrame, config: TrainConfig) -> list[str]:
    churned = test.loc[test[LABEL] == 1]
    accounts = churned["account_id"].nunique() if "account_id" in test else len(churned)
    if len(churned) >= config.min_positives:
        return []
    return [
        f"the test period holds only {len(churned)} churned rows ({accounts} accounts), fewer "
        f"than training.min_positives ({config.min_positives}): its metrics are uncertain (see "
        "the intervals); a longer history or a larger training.validation_share tests on more"
    ]


def _judge(
    trees: ModelArtifact,
    linear: ModelArtifact,
    test: pd.DataFrame,
    x_test: pd.DataFrame,
    config: TrainConfig,
) -> tuple[ModelMetrics, Verdict]:
    """Test-period metrics of both candidates, the gate's verdict, and the chosen one's."""
    y = test[LABEL].to_numpy(int)
    days = test["as_of"] if "as_of" in test else pd.Series(0, index=test.index)
    scores = {"logistic": risk(linear, x_test), "lightgbm": risk(trees, x_test)}
    flags = {
        k: budget_flags(p, days, config.threshold, config.top_share) for k, p in scores.items()
    }
    readings = {k: metrics(y, p, flagged=flags[k]) for k, p in scores.items()}
    accounts = test["account_id"] if "account_id" in test else pd.Series(test.index)
    verdict = judge(
        y,
        {k: p for k, p in scores.items() if k in config.candidates},
        {k: r.get(config.metric) for k, r in readings.items()},
        accounts,
        metric=config.metric,
        floor=config.floor,
        seed=config.seed,
    )
    chosen = verdict.chosen
    by_segment = (
        metrics_by_segment(y, scores[chosen], test["segment"], flagged=flags[chosen])
        if "segment" in test.columns
        else {}
    )
    return (
        ModelMetrics(
            test=PeriodMetrics.from_json(readings[chosen]),
            baseline_test=PeriodMetrics.from_json(readings["logistic"]),
            by_segment={k: PeriodMetrics.from_json(v) for k, v in by_segment.items()},
            kind=chosen,
            candidates={k: c.to_json() for k, c in verdict.candidates.items()},
        ),
        verdict,
    )
