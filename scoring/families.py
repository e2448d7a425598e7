"""The model families, fitted and packaged as artifacts: the logistic model, LightGBM, the rules.

A logistic model (``scoring.baseline``) is its own probability (identity calibration) and is
explained exactly by coefficient × standardised value. LightGBM is boosted with early stopping
on the calibration rows, Platt- or isotonic-calibrated there, and explained by TreeSHAP. Either
is packaged with its drift references and training medians (``ModelArtifact``), and the one
the gate chooses is fitted again on every labelled row (``refit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from scoring.baseline import Baseline, fit_baseline
from scoring.calibration import Calibration
from scoring.drift import reference_of
from scoring.predict import as_category
from scoring.registry import Kind, ModelArtifact
from scoring.rules import fit_rules, rules_calibration

LABEL = "label"
IDENTITY = Calibration("platt", a=1.0, b=0.0)  # a logistic model's probability is its own
SAMPLE_ROWS = 200_000  # rows kept for the drift references


def model_matrix(
    frame: pd.DataFrame, features: list[str], cats: dict[str, list[str]]
) -> pd.DataFrame:
    """Categoricals on their training levels, everything else as float."""
    cols: dict[str, Any] = {}
    for f in features:
        if f in cats:
            cols[f] = as_category(frame[f], cats[f])
        else:
            cols[f] = pd.to_numeric(frame[f], errors="coerce").astype(float)
    return pd.DataFrame(cols, index=frame.index)


def boost(
    params: dict[str, Any],
    x: pd.DataFrame,
    rows: pd.DataFrame,
    *,
    valid: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    rounds: int = 1,
    early_stopping_rounds: int = 100,
) -> lgb.Booster:
    """LightGBM with early stopping on ``valid`` (at most ``rounds`` rounds), or exactly
    ``rounds`` rounds without it."""
    dtrain = lgb.Dataset(x, label=rows[LABEL].to_numpy(int), free_raw_data=False)
    if valid is None:
        return lgb.train(params, dtrain, num_boost_round=max(1, rounds))
    dvalid = lgb.Dataset(valid[0], label=valid[1][LABEL].to_numpy(int), reference=dtrain)
    booster = lgb.train(
        params,
        dtrain,
        num_boost_round=rounds,
        valid_sets=[dvalid],
        valid_names=["calibration"],
        callbacks=[lgb.early_stopping(early_stopping_rounds, verbose=False)],
    )
    return lgb.Booster(model_str=booster.model_to_string(num_iteration=booster.best_iteration))


def artifact(
    booster: lgb.Booster | None,
    kind: Kind,
    used: list[str],
    cats: dict[str, list[str]],
    calibration: Calibration,
    baseline: Baseline,
    rows: pd.DataFrame,
    *,
    seed: int,
) -> ModelArtifact:
    """A fitted model with its drift references and training medians, not yet registered."""
    sample = rows.sample(min(len(rows), SAMPLE_ROWS), random_state=seed)
    x = model_matrix(rows, used, cats)
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


def fit_logistic(
    rows: pd.DataFrame,
    used: list[str],
    cats: dict[str, list[str]],
    *,
    seed: int,
    directions: Mapping[str, bool | None] | None = None,
) -> ModelArtifact:
    """The logistic model on ``rows`` (numeric features standardised, categoricals one-hot);
    ``directions`` (feature → higher is riskier) bound its coefficient signs
    (``scoring.baseline.fit_baseline``)."""
    numeric = [f for f in used if f not in cats]
    linear = fit_baseline(
        rows, rows[LABEL].to_numpy(int), numeric, list(cats), directions=directions
    )
    return artifact(None, "logistic", used, cats, IDENTITY, linear, rows, seed=seed)


def refit(
    kind: str,
    frame: pd.DataFrame,
    used: list[str],
    cats: dict[str, list[str]],
    calibration: Calibration,
    params: dict[str, Any],
    rounds: int,
    *,
    seed: int,
    directions: Mapping[str, bool | None] | None = None,
) -> ModelArtifact:
    """The chosen model fitted again on every labelled row (LightGBM: the rounds it kept, and
    the calibration fitted on the held-out rows)."""
    if kind == "logistic":
        return fit_logistic(frame, used, cats, seed=seed, directions=directions)
    numeric = [f for f in used if f not in cats]
    baseline = fit_baseline(
        frame, frame[LABEL].to_numpy(int), numeric, list(cats), directions=directions
    )
    booster = boost(params, model_matrix(frame, used, cats), frame, rounds=rounds)
    return artifact(booster, "lightgbm", used, cats, calibration, baseline, frame, seed=seed)


def rules_artifact(
    rows: pd.DataFrame,
    weights: dict[str, float],
    directions: dict[str, bool | None],
    *,
    seed: int,
) -> ModelArtifact:
    """The rules score on ``rows``' population, its sum scaled to a probability on the
    labelled rows (``scoring.rules``); ``ValueError`` when no feature carries a rule."""
    rules = fit_rules(rows, weights, directions)
    used = list(rules.features)
    labelled = rows.dropna(subset=[LABEL]) if LABEL in rows else rows.iloc[0:0]
    y = labelled[LABEL].to_numpy(int) if len(labelled) else None
    calibration = rules_calibration(rules.margin(model_matrix(labelled, used, {})), y)
    sample = rows.sample(min(len(rows), SAMPLE_ROWS), random_state=seed)
    return ModelArtifact(
        version="(unregistered)",
        booster=None,
        features=used,
        categories={},
        calibration=calibration,
        baseline=None,
        references={f: reference_of(f, sample[f]) for f in used},
        typical=dict(zip(used, rules.medians, strict=True)),
        kind="rules",
        rules=rules,
    )
