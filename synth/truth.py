"""What the churn and the lead truths share: the logistic link and the dominant-driver rule.

Both synthetic worlds add one log-odds contribution per driver family (``weight_f ·
intensity_f``) to a baseline and pass the sum through the logistic function. The driver a
reason should name is the family with the largest contribution, unless all of them together
add less than a threshold, in which case no driver is named.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + e^-x)``, elementwise; same shape as ``x``."""
    out: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return out


@dataclass(frozen=True)
class Drivers:
    """Per-row driver contributions and the dominant one (arrays aligned by row)."""

    total: np.ndarray  # [n] summed log-odds of all families
    contributions: np.ndarray  # [n, k] log-odds added by each family
    driver: np.ndarray  # [n] index of the dominant family, or -1 for none
    driver_share: np.ndarray  # [n] the dominant family's share of the summed contributions


def dominant_driver(intensity: np.ndarray, weights: np.ndarray, none_below: float) -> Drivers:
    """Weight ``[n, k]`` intensities by ``[k]`` weights and name each row's dominant family.

    A row whose contributions sum to less than ``none_below`` log-odds names no driver
    (``driver == -1``, ``driver_share == 0``).
    """
    contributions = intensity * weights[None, :]
    total = contributions.sum(axis=1)
    named = total >= none_below
    share = np.where(named, contributions.max(axis=1) / np.maximum(total, 1e-12), 0.0)
    return Drivers(
        total=total,
        contributions=contributions,
        driver=np.where(named, contributions.argmax(axis=1), -1),
        driver_share=share,
    )
