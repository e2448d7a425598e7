"""The baseline every model must beat: logistic regression on the same rows and features.

Numeric features are median-imputed and standardised, categoricals one-hot encoded on the
levels seen in training. The fitted numbers (medians, means, scales, levels, coefficients)
are plain JSON, and prediction is a dot product: nothing is pickled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression


@dataclass(frozen=True)
class Baseline:
    """A fitted logistic regression with its own preprocessing, as numbers."""

    numeric: tuple[str, ...]
    medians: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    categorical: dict[str, list[str]]
    coef: tuple[float, ...]
    intercept: float

    def design(self, frame: pd.DataFrame) -> np.ndarray:
        """The model matrix: standardised numerics, then one column per categorical level."""
        return _design(frame, self.numeric, self.medians, self.means, self.scales, self.categorical)

    def margin(self, frame: pd.DataFrame) -> np.ndarray:
        """The log-odds of churn for each row."""
        return np.asarray(self.design(frame) @ np.asarray(self.coef) + self.intercept, dtype=float)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability of churn within the horizon for each row."""
        z = self.margin(frame)
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0))))

    def contributions(self, frame: pd.DataFrame, features: list[str]) -> np.ndarray:
        """Exact additive contributions in log-odds, one column per name of ``features``, then
        the intercept: ``coef · z`` for a standardised numeric (its training mean is the zero
        point), the coefficient of the account's level for a categorical. Rows sum to
        ``margin``; this is what ``shap.LinearExplainer`` gives for independent features."""
        terms = self.design(frame) * np.asarray(self.coef)
        columns: dict[str, np.ndarray] = {}
        at = len(self.numeric)
        for j, name in enumerate(self.numeric):
            columns[name] = terms[:, j]
        for name, levels in self.categorical.items():
            columns[name] = terms[:, at : at + len(levels)].sum(axis=1)
            at += len(levels)
        zero = np.zeros(len(frame))
        out = [columns.get(f, zero) for f in features]
        return np.column_stack([*out, np.full(len(frame), self.intercept)])

    def to_json(self) -> dict[str, Any]:
        return {
            "numeric": list(self.numeric),
            "medians": list(self.medians),
            "means": list(self.means),
            "scales": list(self.scales),
            "categorical": {k: list(v) for k, v in self.categorical.items()},
            "coef": list(self.coef),
            "intercept": self.intercept,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Baseline:
        return cls(
            numeric=tuple(data["numeric"]),
            medians=tuple(float(v) for v in data["medians"]),
            means=tuple(float(v) for v in data["means"]),
            scales=tuple(float(v) for v in data["scales"]),
            categorical={k: [str(x) for x in v] for k, v in data["categorical"].items()},
            coef=tuple(float(v) for v in data["coef"]),
            intercept=float(data["intercept"]),
        )


def _numeric_block(
    frame: pd.DataFrame,
    numeric: tuple[str, ...],
    medians: tuple[float, ...],
    means: tuple[float, ...],
    scales: tuple[float, ...],
) -> np.ndarray:
    if not numeric:
        return np.zeros((len(frame), 0))
    raw = frame.loc[:, list(numeric)].to_numpy(dtype=float, na_value=np.nan)
    raw = np.where(np.isnan(raw), np.asarray(medians), raw)
    # Clip to ±5 standard deviations so one extreme value cannot dominate a linear model.
    return np.clip((raw - np.asarray(means)) / np.asarray(scales), -5.0, 5.0)


def _design(
    frame: pd.DataFrame,
    numeric: tuple[str, ...],
    medians: tuple[float, ...],
    means: tuple[float, ...],
    scales: tuple[float, ...],
    categorical: dict[str, list[str]],
) -> np.ndarray:
    blocks = [_numeric_block(frame, numeric, medians, means, scales)]
    for col, levels in categorical.items():
        values = frame[col].astype("string").fillna("").to_numpy()
        blocks.append(np.column_stack([values == lvl for lvl in levels]).astype(float))
    return np.hstack(blocks) if blocks else np.zeros((len(frame), 0))


def fit_baseline(
    frame: pd.DataFrame,
    y: np.ndarray,
    numeric: list[str],
    categorical: list[str],
    *,
    c: float = 1.0,
) -> Baseline:
    """Fit the baseline on ``frame[numeric + categorical]`` and labels ``y``."""
    num = tuple(numeric)
    raw = frame.loc[:, numeric].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(all="ignore"):
        medians = np.nan_to_num(np.nanmedian(raw, axis=0)) if num else np.zeros(0)
        filled = np.where(np.isnan(raw), medians, raw)
        means = filled.mean(axis=0) if num else np.zeros(0)
        scales = filled.std(axis=0) if num else np.zeros(0)
    scales = np.where(scales > 1e-12, scales, 1.0)
    levels = {
        col: sorted(str(v) for v in frame[col].dropna().astype("string").unique())
        for col in categorical
    }
    med_t = tuple(float(v) for v in medians)
    mean_t = tuple(float(v) for v in means)
    scale_t = tuple(float(v) for v in scales)
    x = _design(frame, num, med_t, mean_t, scale_t, levels)
    lr = LogisticRegression(C=c, max_iter=2000)
    lr.fit(x, np.asarray(y, dtype=int))
    return Baseline(
        numeric=num,
        medians=med_t,
        means=mean_t,
        scales=scale_t,
        categorical=levels,
        coef=tuple(float(v) for v in lr.coef_[0]),
        intercept=float(lr.intercept_[0]),
    )
