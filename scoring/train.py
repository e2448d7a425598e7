"""Training: a logistic model and LightGBM, judged on later data, the winner refitted.

The rows are point-in-time snapshots (``as_of``, ``account_id``, features…, ``label``). The
latest snapshots are held out by time and split again by time: the earlier half picks the
number of boosting rounds and fits the calibration, the later half is the test period every
reported metric comes from. Training rows whose label window reaches into the held-out
period are dropped (the "purge"), so no churn is seen twice. The gate (``scoring.gate``)
serves the logistic model unless LightGBM is clearly better, and the winner must meet the
accuracy floor; the winner is then refitted on every labelled row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from scoring.baseline import Baseline, fit_baseline
from scoring.calibration import Calibration, Method, fit_calibration
from scoring.catalog import FEATURES
from scoring.drift import reference_of
from scoring.errors import FeatureSpecError, NotEnoughSignal
from scoring.evaluate import budget_flags, metrics, metrics_by_segment
from scoring.gate import Verdict, judge
from scoring.leakage import find_leaks, refuse_leaks
from scoring.model_metrics import Gate, ModelMetrics, PeriodMetrics
from scoring.predict import as_category, risk
from scoring.registry import Kind, ModelArtifact, data_fingerprint

LABEL = "label"
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


def purge(train: pd.DataFrame, held: pd.DataFrame, horizon_days: int) -> tuple[pd.DataFrame, int]:
    """Drop training rows whose label window ends after the first held-out snapshot."""
    if "as_of" not in train or train.empty or held.empty:
        return train, 0
    first_held = pd.Timestamp(held["as_of"].min())
    ends = pd.to_datetime(train["as_of"]) + pd.Timedelta(days=horizon_days)
    keep = (ends <= first_held).to_numpy()
    if pd.Timestamp(train["as_of"].max()) >= first_held or not keep.any():
        return train, 0  # one snapshot date split by rows: there is no time order to protect
    return train[keep], int((~keep).sum())


def split_held_out(held: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Earlier half of the held-out snapshots → calibration, later half → test.

    With a single snapshot date there is no time order: the rows are split in half,
    stratified by label, and the sentence says so.
    """
    days = sorted(pd.unique(held["as_of"])) if "as_of" in held else []
    if len(days) >= 2:
        per_day = held.groupby("as_of").size().reindex(days).cumsum().to_numpy()
        cut = int(np.searchsorted(per_day, per_day[-1] / 2))
        cut = min(max(cut, 0), len(days) - 2)
        calib_days = set(days[: cut + 1])
        in_calib = held["as_of"].isin(calib_days).to_numpy()
        test_from = days[cut + 1]
        return (
            held[in_calib],
            held[~in_calib],
            (
                f"calibrated on the held-out snapshots before {pd.Timestamp(test_from).date()}, "
                f"tested on the {len(days) - cut - 1} from then on"
            ),
        )
    rng = np.random.default_rng(seed)
    in_calib = np.zeros(len(held), dtype=bool)
    for label in (0, 1):
        idx = np.flatnonzero(held[LABEL].to_numpy() == label)
        rng.shuffle(idx)
        in_calib[idx[: len(idx) // 2]] = True
    return (
        held[in_calib],
        held[~in_calib],
        (
            "the held-out rows share one snapshot date, so they were split in half at random "
            "(stratified by label) into calibration and test rows"
        ),
    )


def _check_labels(frame: pd.DataFrame, min_positives: int, where: str) -> None:
    positives, rows = int(frame[LABEL].sum()), len(frame)
    if positives == 0 or positives == rows:
        only = "churned" if positives else "retained"
        raise NotEnoughSignal(
            f"every {where} row is {only} ({rows} rows): a model needs both churned and "
            "retained accounts; train over a longer history or check the churn dates"
        )
    if positives < min_positives:
        raise NotEnoughSignal(
            f"only {positives} churned account-snapshots in the {where} rows; at least "
            f"{min_positives} are needed (training.min_positives) for a model worth trusting"
        )


def _matrix(frame: pd.DataFrame, features: list[str], cats: dict[str, list[str]]) -> pd.DataFrame:
    cols: dict[str, Any] = {}
    for f in features:
        if f in cats:
            cols[f] = as_category(frame[f], cats[f])
        else:
            cols[f] = pd.to_numeric(frame[f], errors="coerce").astype(float)
    return pd.DataFrame(cols, index=frame.index)


def catalog_directions() -> dict[str, bool | None]:
    """Each built-in feature's declared direction (True: higher is riskier)."""
    return {name: info.higher_is_riskier for name, info in FEATURES.items() if info.model_input}


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
    directions: Mapping[str, bool | None] | None = None,
) -> TrainResult:
    """Train both candidates, judge them on later data, refit the winner on every labelled row.

    ``split`` holds the latest rows out by time. ``directions`` (feature → higher is riskier)
    bounds the logistic model's coefficient signs and gives it monotone steps; by default the
    built-in catalog's. Raises ``NotEnoughSignal`` (too few churned rows, one class) and
    ``LeakSuspected`` (a feature alone nearly separates the labels).
    """
    used, warnings = usable_features(frame, features, drop_empty=config.drop_empty_features)
    frame = frame.dropna(subset=[LABEL])
    _check_labels(frame, config.min_positives, "training")
    train, held, sentence = split(frame, config.validation_share)
    train, purged = purge(train, held, config.horizon_days)
    _check_labels(train, max(1, config.min_positives // 2), "training (before the held-out)")
    refuse_leaks(find_leaks(train, [f for f in used if f not in categorical], LABEL))
    calib, test, held_sentence = split_held_out(held, config.seed)
    _check_labels(calib, 1, "calibration")
    _check_labels(test, 1, "test")
    cats = {
        c: sorted(str(v) for v in train[c].dropna().astype("str").unique())
        for c in categorical
        if c in used
    }
    x_train, x_calib, x_test = (_matrix(f, used, cats) for f in (train, calib, test))
    params = lgb_params(config, len(train))
    booster = _boost(params, x_train, train, config, valid=(x_calib, calib))
    margin = np.asarray(booster.predict(x_calib, raw_score=True))
    calibration = fit_calibration(margin, calib[LABEL].to_numpy(int), config.calibration)
    numeric = [f for f in used if f not in cats]
    signs = catalog_directions() if directions is None else dict(directions)
    baseline = fit_baseline(
        train, train[LABEL].to_numpy(int), numeric, list(cats), directions=signs
    )
    trees = _artifact(booster, "lightgbm", used, cats, calibration, baseline, train, config)
    linear = _artifact(None, "logistic", used, cats, IDENTITY, baseline, train, config)
    evaluated, verdict = _judge(trees, linear, test, x_test, config)
    chosen_rounds = int(booster.num_trees())
    model = _refit(verdict.chosen, frame, used, cats, calibration, config, chosen_rounds, signs)
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


IDENTITY = Calibration("platt", a=1.0, b=0.0)  # a logistic model's probability is its own


def _boost(
    params: dict[str, Any],
    x: pd.DataFrame,
    rows: pd.DataFrame,
    config: TrainConfig,
    *,
    valid: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    rounds: int | None = None,
) -> lgb.Booster:
    """LightGBM with early stopping on ``valid``, or exactly ``rounds`` rounds without it."""
    dtrain = lgb.Dataset(x, label=rows[LABEL].to_numpy(int), free_raw_data=False)
    if valid is None:
        return lgb.train(params, dtrain, num_boost_round=max(1, rounds or 1))
    dvalid = lgb.Dataset(valid[0], label=valid[1][LABEL].to_numpy(int), reference=dtrain)
    booster = lgb.train(
        params,
        dtrain,
        num_boost_round=config.num_boost_round,
        valid_sets=[dvalid],
        valid_names=["calibration"],
        callbacks=[lgb.early_stopping(config.early_stopping_rounds, verbose=False)],
    )
    return lgb.Booster(model_str=booster.model_to_string(num_iteration=booster.best_iteration))


def _artifact(
    booster: lgb.Booster | None,
    kind: Kind,
    used: list[str],
    cats: dict[str, list[str]],
    calibration: Calibration,
    baseline: Baseline,
    rows: pd.DataFrame,
    config: TrainConfig,
) -> ModelArtifact:
    sample = rows.sample(min(len(rows), 200_000), random_state=config.seed)
    x = _matrix(rows, used, cats)
    return ModelArtifact(
        version="(unregistered)",
        booster=booster,
        features=used,
        categories=cats,
        calibration=calibration,
        baseline=baseline,
        references={f: reference_of(f, sample[f]) for f in used},
        typical={
            f: float(np.nanmedian(x[f].to_numpy(dtype=float)))
            for f in used
            if f not in cats and x[f].notna().any()
        },
        kind=kind,
        linear=baseline if kind == "logistic" else None,
    )


def _refit(
    kind: str,
    frame: pd.DataFrame,
    used: list[str],
    cats: dict[str, list[str]],
    calibration: Calibration,
    config: TrainConfig,
    rounds: int,
    directions: Mapping[str, bool | None],
) -> ModelArtifact:
    """The chosen model fitted again on every labelled row (LightGBM: the rounds it kept, and
    the calibration fitted on the held-out rows)."""
    numeric = [f for f in used if f not in cats]
    baseline = fit_baseline(
        frame, frame[LABEL].to_numpy(int), numeric, list(cats), directions=directions
    )
    if kind == "logistic":
        return _artifact(None, "logistic", used, cats, IDENTITY, baseline, frame, config)
    params = lgb_params(config, len(frame))
    booster = _boost(params, _matrix(frame, used, cats), frame, config, rounds=rounds)
    return _artifact(booster, "lightgbm", used, cats, calibration, baseline, frame, config)


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
