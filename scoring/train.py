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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scoring.calibration import Method, fit_calibration
from scoring.catalog import FEATURES
from scoring.errors import FeatureSpecError
from scoring.evaluate import budget_flags, metrics, metrics_by_segment
from scoring.families import artifact, boost, fit_logistic, model_matrix, refit
from scoring.gate import Verdict, against_rules, judge
from scoring.holdout import LABEL, check_labels, purge, split_held_out
from scoring.leakage import find_leaks, refuse_leaks
from scoring.model_metrics import Gate, ModelMetrics, PeriodMetrics
from scoring.outcome_words import CHURN_WORDS, OutcomeWords
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
    words: OutcomeWords = CHURN_WORDS  # how messages name the outcome (churn, conversion)


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
    if not features:
        raise FeatureSpecError(
            "no feature columns to train on: training.exclude_features leaves none out of the "
            "feature source's columns"
        )
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


@dataclass(frozen=True)
class Prepared:
    """Labelled rows that passed every check training makes before fitting, split by time."""

    used: list[str]
    warnings: list[str]
    frame: pd.DataFrame  # every labelled row (the refit)
    train: pd.DataFrame
    purged: int
    calib: pd.DataFrame
    test: pd.DataFrame
    split_sentence: str
    held_sentence: str


def prepare(
    frame: pd.DataFrame,
    features: list[str],
    categorical: list[str],
    config: TrainConfig,
    *,
    split: Split,
) -> Prepared:
    """Every check training makes before fitting, in order, and the split it fits on.

    ``atrisk audit`` runs exactly this, so each refusal of ``atrisk train`` is reported by
    the audit first with the same words. Raises ``FeatureSpecError`` (unusable columns),
    ``NotEnoughSignal`` (too few churned rows overall or in a part of the split, each naming
    the fix that works) and ``LeakSuspected`` (a feature alone nearly separates the labels).
    """
    used, warnings = usable_features(frame, features, drop_empty=config.drop_empty_features)
    frame = frame.dropna(subset=[LABEL])
    w = config.words
    more = MORE_HISTORY.replace("churn is", f"{w.noun} {w.agree('is', 'are')}")
    check_labels(frame, config.min_positives, "training", fix=more, words=w)
    train, held, sentence = split(frame, config.validation_share)
    train, purged = purge(train, held, config.horizon_days)
    share = config.validation_share
    check_labels(
        train,
        max(1, config.min_positives // 2),
        "training (before the held-out)",
        fix=(
            f"the held-out period takes most of the {w.noun}: lower training.validation_share "
            f"(now {share:g}), or train --as-of a later day so more {w.noun} "
            f"{w.agree('falls', 'fall')} before it"
        ),
        words=w,
    )
    refuse_leaks(find_leaks(train, [f for f in used if f not in categorical], LABEL))
    calib, test, held_sentence = split_held_out(held, config.seed)
    where = _period_words(held)
    held_fix = (
        f"the held-out period ({where}) holds too few {w.noun}: train --as-of a day whose "
        f"last weeks held {w.noun}, or raise training.validation_share (now {share:g}) so the "
        "held-out period covers more snapshots"
    )
    check_labels(calib, 1, "calibration", fix=held_fix, words=w)
    check_labels(test, 1, "test", fix=held_fix, words=w)
    return Prepared(used, warnings, frame, train, purged, calib, test, sentence, held_sentence)


MORE_HISTORY = (
    "ingest more history (training.history_days) as churn is recorded, or lower "
    "training.min_positives"
)


def _period_words(held: pd.DataFrame) -> str:
    if "as_of" not in held or held.empty:
        return "one snapshot"
    first, last = pd.Timestamp(held["as_of"].min()).date(), pd.Timestamp(held["as_of"].max()).date()
    return f"snapshots {first} … {last}"


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
    incumbent: ModelArtifact | None = None,
    directions: Mapping[str, bool | None] | None = None,
) -> TrainResult:
    """Train both candidates, judge them on later data, refit the winner on every labelled row.

    ``split`` holds the latest rows out by time. Raises what ``prepare`` raises. With a live
    rules score as ``incumbent``, the winner is promoted only when it also beats the rules on
    the same test rows (``scoring.gate.against_rules``). ``directions`` (feature → higher is
    riskier) bounds the logistic model's coefficient signs and gives it monotone steps; by
    default the built-in catalog's.
    """
    ready = prepare(frame, features, categorical, config, split=split)
    used, warnings, frame = ready.used, ready.warnings, ready.frame
    train, calib, test = ready.train, ready.calib, ready.test
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
    signs = catalog_directions() if directions is None else dict(directions)
    linear = fit_logistic(train, used, cats, seed=config.seed, directions=signs)
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
        directions=signs,
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
            "purged": ready.purged,
            "calibration": len(calib),
            "test": len(test),
            "refit": len(frame),
        },
        split=f"{ready.split_sentence}; {ready.held_sentence}; the chosen model was then "
        f"refitted on all {len(frame)} labelled rows",
        gate=Gate(verdict.passed, verdict.why),
    )
    params = {"kind": verdict.chosen, **params, "num_boost_round": chosen_rounds}
    promoted, why = verdict.passed, verdict.why
    if incumbent is not None and incumbent.kind == "rules" and promoted:
        promoted, why, report = _against_rules(verdict, incumbent, trees, linear, test, report)
    return TrainResult(
        model=model,
        metrics=report,
        params=params,
        promoted=promoted,
        why=why,
        train_start=frame["as_of"].min() if "as_of" in frame else None,
        train_end=frame["as_of"].max() if "as_of" in frame else None,
        fingerprint=data_fingerprint(frame[["account_id", "as_of", *used, LABEL]]),
        split_sentence=report.split,
        warnings=warnings,
    )


def _against_rules(
    verdict: Verdict,
    rules: ModelArtifact,
    trees: ModelArtifact,
    linear: ModelArtifact,
    test: pd.DataFrame,
    report: ModelMetrics,
) -> tuple[bool, str, ModelMetrics]:
    """The gate's winner against the live rules score on the same test rows."""
    chosen = trees if verdict.chosen == "lightgbm" else linear
    p_model = risk(chosen, model_matrix(test, chosen.features, chosen.categories))
    p_rules = risk(rules, model_matrix(test, rules.features, {}))
    accounts = test["account_id"] if "account_id" in test else pd.Series(test.index)
    beats, sentence, reading = against_rules(
        test[LABEL].to_numpy(int), verdict.chosen, p_model, p_rules, accounts
    )
    candidates = {**report.candidates, "rules": reading.to_json()}
    why = f"{verdict.why}; {sentence}"
    return beats, why, replace(report, candidates=candidates, gate=Gate(beats, why))


def _test_warnings(test: pd.DataFrame, config: TrainConfig) -> list[str]:
    positive = test.loc[test[LABEL] == 1]
    key = "lead_id" if "lead_id" in test else "account_id"
    entities = positive[key].nunique() if key in test else len(positive)
    if len(positive) >= config.min_positives:
        return []
    w = config.words
    return [
        f"the test period holds only {len(positive)} {w.positive} rows ({entities} {w.unit}s), "
        "fewer "
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
        recorded=config.words.noun,
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
