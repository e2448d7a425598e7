"""Probability calibration of a model's raw score, stored as plain JSON numbers.

LightGBM's raw margin ranks accounts well, but a CSM reads "risk 42 %" literally, so the
margin is mapped to a probability fitted on held-out rows. Platt scaling (two numbers) keeps
the ranking exactly; isotonic (a step curve) is kept for when there are many held-out rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from scoring.errors import NotEnoughSignal

Method = Literal["platt", "isotonic"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0))), dtype=float)


@dataclass(frozen=True)
class Calibration:
    """A monotone map from raw margin to probability: ``sigmoid(a·m + b)`` or a step curve."""

    method: Method
    a: float = 1.0
    b: float = 0.0
    x: tuple[float, ...] = field(default=())
    y: tuple[float, ...] = field(default=())

    def apply(self, margin: np.ndarray) -> np.ndarray:
        m = np.asarray(margin, dtype=float)
        if self.method == "platt":
            return _sigmoid(self.a * m + self.b)
        return np.interp(m, np.asarray(self.x), np.asarray(self.y))

    def to_json(self) -> dict[str, Any]:
        if self.method == "platt":
            return {"method": "platt", "a": float(self.a), "b": float(self.b)}
        return {"method": "isotonic", "x": [float(v) for v in self.x], "y": list(self.y)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        method = data.get("method")
        if method == "platt":
            return cls("platt", a=float(data["a"]), b=float(data["b"]))
        if method == "isotonic":
            return cls(
                "isotonic",
                x=tuple(float(v) for v in data["x"]),
                y=tuple(float(v) for v in data["y"]),
            )
        raise ValueError(f"unknown calibration method {method!r} (expected platt or isotonic)")


def _check(margin: np.ndarray, y: np.ndarray) -> None:
    if len(margin) != len(y):
        raise ValueError("margin and labels differ in length")
    positives = int(np.sum(y))
    if positives == 0 or positives == len(y):
        raise NotEnoughSignal(
            f"cannot calibrate on {len(y)} held-out rows with {positives} churned: both "
            "churned and retained accounts are needed; train on a longer history"
        )


def fit_platt(margin: np.ndarray, y: np.ndarray) -> Calibration:
    """Platt scaling: a one-feature logistic regression on the margin (almost unregularised)."""
    m, t = np.asarray(margin, dtype=float), np.asarray(y, dtype=int)
    _check(m, t)
    lr = LogisticRegression(C=1e6, max_iter=1000)
    lr.fit(m.reshape(-1, 1), t)
    return Calibration("platt", a=float(lr.coef_[0, 0]), b=float(lr.intercept_[0]))


def fit_isotonic(margin: np.ndarray, y: np.ndarray) -> Calibration:
    """Isotonic regression on the margin, kept as its breakpoints (interpolated between)."""
    m, t = np.asarray(margin, dtype=float), np.asarray(y, dtype=int)
    _check(m, t)
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit(m, t)
    return Calibration(
        "isotonic",
        x=tuple(float(v) for v in iso.X_thresholds_),
        y=tuple(float(v) for v in iso.y_thresholds_),
    )


def fit_calibration(margin: np.ndarray, y: np.ndarray, method: Method = "platt") -> Calibration:
    """Fit the named calibration on held-out margins and labels."""
    if method == "platt":
        return fit_platt(margin, y)
    if method == "isotonic":
        return fit_isotonic(margin, y)
    raise ValueError(f"unknown calibration method {method!r} (expected platt or isotonic)")
