"""Each feature's share of what the model does with the day's accounts.

The importance of feature *j* is the mean absolute contribution ``mean_i |φ_ij|`` over the
scored accounts (TreeSHAP for LightGBM, coefficient × standardised value for a logistic
model; ``scoring.predict.contributions``), divided by the sum over features, so the shares add
up to 1. This is the global SHAP importance of Lundberg et al. (2020), "From local explanations
to global understanding with explainable AI for trees", *Nature Machine Intelligence* 2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.predict import contributions, model_matrix
from scoring.registry import ModelArtifact

SAMPLE = 5_000  # accounts explained to measure it; the shares settle long before


def importance_shares(
    model: ModelArtifact, features: pd.DataFrame, *, sample: int = SAMPLE, seed: int = 0
) -> dict[str, float]:
    """``{feature: share}`` over ``model.features`` (shares sum to 1; all 0 when the model
    gives every account the same score). ``features`` holds one row per account."""
    rows = features.sample(sample, random_state=seed) if len(features) > sample else features
    if rows.empty:
        return {f: 0.0 for f in model.features}
    phi = contributions(model, model_matrix(rows, model.features, model.categories))
    mean_abs = np.abs(phi[:, : len(model.features)]).mean(axis=0)
    total = float(mean_abs.sum())
    return {
        f: (float(v) / total if total > 0 else 0.0)
        for f, v in zip(model.features, mean_abs, strict=True)
    }
