"""The rules score: a transparent, hand-weighted score on the leading indicators.

It serves from day one, when the history is too thin to train a model (too few churned
accounts, no churn in the held-out period, or no trained candidate meeting the accuracy
floor). Each indicator with a direction is put on a common scale around the population's
typical account, then weighted::

    z_f   = clip((x_f − median_f) / scale_f, −3, 3)     scale_f = IQR_f / 1.349 (robust σ)
    c_f   = w_f · d_f · z_f                              d_f = +1 if higher is riskier, else −1
    risk  = sigmoid(a · (Σ c_f) + b)

A missing value sits at the median (``c_f = 0``). The weights ``w_f`` are log-odds per
robust standard deviation; the defaults (``DEFAULT_WEIGHTS``, docs/model.md) are chosen by
hand, never fitted, and ``rules.weights`` in ``atrisk.yml`` overrides them (0 leaves a
feature out). ``a, b`` map the sum to a probability: Platt scaling on the labelled snapshots
when they hold churn and the sum ranks it the right way (``a > 0``), otherwise ``a = 1`` and
``b`` the log-odds of the base churn rate. ``c_f`` are the exact additive contributions, in
the same format as a logistic model's, so reasons are told the same way. The stored artifact
is the canonical JSON of ``RulesModel.to_json``; nothing is pickled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.calibration import Calibration

# How every surface names what scored when the rules score serves.
RULES_NOTE = "hand-set weights on leading indicators, not a trained model yet"
CLIP = 3.0
ROBUST_SIGMA = 1.349  # the interquartile range of a normal distribution in σ units
MIN_CHURNED_FOR_SCALING = 5

# Log-odds per robust standard deviation towards risk (direction from the feature catalog).
DEFAULT_WEIGHTS: dict[str, float] = {
    "unadopted_key_features": 0.5,
    "adoption_breadth_trend": 0.3,
    "users_per_seat": 0.4,
    "users_per_seat_trend": 0.3,
    "usage_trend": 0.5,
    "days_since_last_activity": 0.5,
    "integration_failure_rate_14d": 0.4,
    "consecutive_failures": 0.3,
    "days_since_last_sync": 0.3,
    "broken_integrations": 0.4,
    "open_tickets": 0.2,
    "oldest_unanswered_ticket_days": 0.3,
    "urgent_open_tickets": 0.3,
    "csat_mean": 0.3,
    "days_to_renewal": 0.2,
}
DECLARED_WEIGHT = 0.3  # a team's declared column with a direction and no weight of its own


@dataclass(frozen=True)
class RulesModel:
    """Weights, directions and the typical account's values, as numbers."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    directions: tuple[int, ...]  # +1: higher is riskier; −1: lower is riskier
    medians: tuple[float, ...]
    scales: tuple[float, ...]

    def scaled(self, frame: pd.DataFrame) -> np.ndarray:
        """``z``: each feature in robust standard deviations from its median, clipped to ±3."""
        if not self.features:
            return np.zeros((len(frame), 0))
        raw = frame.loc[:, list(self.features)].to_numpy(dtype=float, na_value=np.nan)
        raw = np.where(np.isnan(raw), np.asarray(self.medians), raw)
        z = (raw - np.asarray(self.medians)) / np.asarray(self.scales)
        return np.clip(z, -CLIP, CLIP)

    def terms(self, frame: pd.DataFrame) -> np.ndarray:
        """``c_f`` for every row and rule feature (log-odds towards churn)."""
        return self.scaled(frame) * (np.asarray(self.weights) * np.asarray(self.directions))

    def margin(self, frame: pd.DataFrame) -> np.ndarray:
        """The rules sum ``Σ c_f`` per row."""
        return np.asarray(self.terms(frame).sum(axis=1), dtype=float)

    def contributions(self, frame: pd.DataFrame, features: list[str]) -> np.ndarray:
        """One column per name of ``features`` (0 for a feature without a rule), then a zero
        bias column: rows sum to ``margin``."""
        terms = self.terms(frame)
        index = {f: j for j, f in enumerate(self.features)}
        zero = np.zeros(len(frame))
        out = [terms[:, index[f]] if f in index else zero for f in features]
        return np.column_stack([*out, zero])

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "weights": list(self.weights),
            "directions": list(self.directions),
            "medians": list(self.medians),
            "scales": list(self.scales),
        }

    def text(self) -> str:
        """The stored artifact: canonical JSON (its SHA-256 guards it)."""
        return json.dumps(self.to_json())

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RulesModel:
        return cls(
            features=tuple(str(f) for f in data["features"]),
            weights=tuple(float(v) for v in data["weights"]),
            directions=tuple(int(v) for v in data["directions"]),
            medians=tuple(float(v) for v in data["medians"]),
            scales=tuple(float(v) for v in data["scales"]),
        )


def rule_weights(
    available: list[str],
    directions: Mapping[str, bool | None],
    overrides: Mapping[str, float] | None = None,
    *,
    defaults: Mapping[str, float] = DEFAULT_WEIGHTS,
    declared_weight: float = 0.0,
) -> dict[str, float]:
    """The weight of every usable rule feature: the defaults, then ``overrides`` (0 drops one).

    Only features in ``available`` with a direction (``directions[f]`` True: higher is
    riskier, False: lower is riskier) can carry a rule. ``declared_weight`` is given to
    directed features with no default (a team's declared columns).
    """
    out: dict[str, float] = {}
    for f in available:
        if directions.get(f) is None:
            continue
        w = (overrides or {}).get(f, defaults.get(f, declared_weight))
        if w > 0:
            out[f] = float(w)
    return out


def _robust_scale(values: np.ndarray) -> float:
    ok = values[~np.isnan(values)]
    if len(ok) == 0:
        return 1.0
    q1, q3 = np.quantile(ok, [0.25, 0.75])
    scale = (q3 - q1) / ROBUST_SIGMA
    if scale <= 1e-12:
        scale = float(np.std(ok))
    return float(scale) if scale > 1e-12 else 1.0


def fit_rules(
    frame: pd.DataFrame, weights: Mapping[str, float], directions: Mapping[str, bool | None]
) -> RulesModel:
    """The rules on ``frame``'s population: medians and robust scales of each rule feature.

    Raises ``ValueError`` when no feature carries a rule (nothing to score on).
    """
    features = [f for f in weights if f in frame.columns and directions.get(f) is not None]
    if not features:
        raise ValueError("no leading indicator with a weight and a direction to score on")
    raw = frame.loc[:, features].to_numpy(dtype=float, na_value=np.nan)
    medians, scales = [], []
    for j in range(len(features)):
        col = raw[:, j]
        medians.append(float(np.nanmedian(col)) if (~np.isnan(col)).any() else 0.0)
        scales.append(_robust_scale(col))
    return RulesModel(
        features=tuple(features),
        weights=tuple(float(weights[f]) for f in features),
        directions=tuple(1 if directions[f] else -1 for f in features),
        medians=tuple(medians),
        scales=tuple(scales),
    )


def rules_calibration(margin: np.ndarray, y: np.ndarray | None) -> Calibration:
    """Platt scaling of the rules sum on labelled rows when it ranks churn the right way;
    otherwise the base churn rate at the typical account (``a = 1``)."""
    from sklearn.linear_model import LogisticRegression

    if y is None or len(y) == 0:
        return Calibration("platt", a=1.0, b=float(np.log(0.02 / 0.98)))
    y = np.asarray(y, dtype=int)
    positives = int(y.sum())
    rate = (positives + 0.5) / (len(y) + 1.0)
    fallback = Calibration("platt", a=1.0, b=float(np.log(rate / (1 - rate))))
    if positives < MIN_CHURNED_FOR_SCALING or positives == len(y):
        return fallback
    lr = LogisticRegression(C=1e6, max_iter=1000)
    lr.fit(np.asarray(margin, dtype=float).reshape(-1, 1), y)
    a, b = float(lr.coef_[0][0]), float(lr.intercept_[0])
    return Calibration("platt", a=a, b=b) if a > 0 else fallback
