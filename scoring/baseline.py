"""The baseline every model must beat: logistic regression on the same rows and features.

Numeric features are median-imputed and standardised, categoricals one-hot encoded on the
levels seen in training. The fitted numbers (medians, means, scales, levels, coefficients)
are plain JSON, and prediction is a dot product: nothing is pickled.

A numeric feature with a declared direction (the catalog's ``higher_is_riskier``) gets a
coefficient of that sign or zero: L2-penalised logistic regression with bounds (L-BFGS-B),
the sign-constrained least-squares idea (Lawson & Hanson, "Solving Least Squares Problems",
1974) applied to the logistic loss. Without it, correlated members of one family take
opposite signs (a suppressor effect): "used 2 of 10 features" would *lower* an account's
risk while its unused key features raise it, and the family's reason would say little.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
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
    #: per directed numeric feature: (knot, training share above it) of its step columns
    steps: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def design(self, frame: pd.DataFrame) -> np.ndarray:
        """The model matrix: standardised numerics, one column per categorical level, then
        each step column ``[x > knot] − its training share``."""
        x = _design(frame, self.numeric, self.medians, self.means, self.scales, self.categorical)
        return np.hstack([x, _step_block(frame, self.numeric, self.medians, self.steps)])

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
        point) plus its step terms ``coef · ([x > knot] − share)`` (zero on average over the
        training rows), the coefficient of the account's level for a categorical. Rows sum to
        ``margin``; for a numeric without steps this is what ``shap.LinearExplainer`` gives
        for independent features."""
        terms = self.design(frame) * np.asarray(self.coef)
        columns: dict[str, np.ndarray] = {}
        at = len(self.numeric)
        for j, name in enumerate(self.numeric):
            columns[name] = terms[:, j]
        for name, levels in self.categorical.items():
            columns[name] = terms[:, at : at + len(levels)].sum(axis=1)
            at += len(levels)
        for name, knots in self.steps.items():
            columns[name] = columns[name] + terms[:, at : at + len(knots)].sum(axis=1)
            at += len(knots)
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
            "steps": {k: [list(kv) for kv in v] for k, v in self.steps.items()},
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
            steps={
                k: [(float(a), float(b)) for a, b in v]
                for k, v in (data.get("steps") or {}).items()
            },
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


STEPS = 4  # knots per directed feature, equally spaced over its range


def _step_block(
    frame: pd.DataFrame,
    numeric: tuple[str, ...],
    medians: tuple[float, ...],
    steps: dict[str, list[tuple[float, float]]],
) -> np.ndarray:
    cols: list[np.ndarray] = []
    for name, knots in steps.items():
        raw = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        raw = np.where(np.isnan(raw), medians[numeric.index(name)], raw)
        cols += [(raw > knot).astype(float) - share for knot, share in knots]
    return np.column_stack(cols) if cols else np.zeros((len(frame), 0))


def _knots(filled: np.ndarray) -> list[tuple[float, float]]:
    """``STEPS`` knots equally spaced between the feature's minimum and its 99th percentile
    (distinct, strictly inside its range), each with the training share above it. Equal
    spacing, not quantiles: a mostly-zero count would otherwise get a step at 0, an "any
    failure at all" jump no reason should rest on."""
    lo, top, hi = float(filled.min()), float(np.quantile(filled, 0.99)), float(filled.max())
    points = sorted({float(k) for k in np.linspace(lo, top, STEPS + 2)[1:-1] if lo <= k < hi})
    return [(k, float((filled > k).mean())) for k in points]


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
    directions: Mapping[str, bool | None] | None = None,
) -> Baseline:
    """Fit the baseline on ``frame[numeric + categorical]`` and labels ``y`` (0/1).

    ``directions``: per numeric feature, True when a higher value is riskier (coefficient
    ≥ 0), False when lower is (≤ 0); features not named, or None, are unconstrained.
    ``c`` is the inverse L2 strength, as in scikit-learn's ``LogisticRegression``.
    """
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
    wanted = directions or {}
    steps = {f: _knots(filled[:, j]) for j, f in enumerate(num) if wanted.get(f) is not None}
    steps = {f: k for f, k in steps.items() if k}
    x = np.hstack([x, _step_block(frame, num, med_t, steps)])
    target = np.asarray(y, dtype=int)
    signs = [wanted.get(f) for f in num] + [None] * (x.shape[1] - len(num))
    at = x.shape[1] - sum(len(k) for k in steps.values())
    for f, knots in steps.items():
        signs[at : at + len(knots)] = [wanted[f]] * len(knots)
        at += len(knots)
    if any(s is not None for s in signs):
        coef, intercept = _fit_signed(x, target, c, signs)
    else:
        lr = LogisticRegression(C=c, max_iter=2000)
        lr.fit(x, target)
        coef, intercept = lr.coef_[0], float(lr.intercept_[0])
    return Baseline(
        numeric=num,
        medians=med_t,
        means=mean_t,
        scales=scale_t,
        categorical=levels,
        coef=tuple(float(v) for v in coef),
        intercept=float(intercept),
        steps=steps,
    )


def _fit_signed(
    x: np.ndarray, y: np.ndarray, c: float, signs: list[bool | None]
) -> tuple[np.ndarray, float]:
    """Minimise Σ log(1 + e^z) − y·z + ‖w‖² ÷ 2c (z = x·w + b; scikit-learn's objective) with
    w_j ≥ 0 where ``signs[j]`` is True and ≤ 0 where it is False."""
    yf = y.astype(float)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        z = x @ w + b
        value = float(np.sum(np.logaddexp(0.0, z) - yf * z) + w @ w / (2 * c))
        residual = 1.0 / (1.0 + np.exp(-z)) - yf
        return value, np.append(x.T @ residual + w / c, residual.sum())

    bounds = [
        (0.0, None) if s is True else (None, 0.0) if s is False else (None, None) for s in signs
    ]
    start = np.zeros(x.shape[1] + 1)
    start[-1] = np.log(max(yf.mean(), 1e-6) / max(1 - yf.mean(), 1e-6))
    fitted = minimize(
        loss,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[*bounds, (None, None)],
        options={"maxiter": 2000},
    )
    return np.asarray(fitted.x[:-1]), float(fitted.x[-1])
