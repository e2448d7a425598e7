"""Intervals and sample sizes for comparing two groups' retention (pure, no I/O).

- ``newcombe_difference``: the 95 % interval of a difference of two proportions by Newcombe's
  hybrid score method (method 10 of R. G. Newcombe, "Interval estimation for the difference
  between independent proportions: comparison of eleven methods", Statistics in Medicine 17,
  873–890, 1998), built from the two Wilson score intervals.
- ``bootstrap_ratio_difference``: a percentile bootstrap interval (B. Efron and R. Tibshirani,
  "An Introduction to the Bootstrap", 1993, ch. 13) for the difference of two ARR-retained
  ratios, Σ ARR after / Σ ARR before, resampling accounts within each group.
- ``holdout_needed``: the holdout size that detects a difference ``min_effect`` with a two-sided
  test of two proportions at level ``alpha`` and ``power``, for ``ratio`` alerted accounts per
  held-out one (J. L. Fleiss, B. Levin, M. C. Paik, "Statistical Methods for Rates and
  Proportions", 3rd ed., 2003, eq. 4.14, without the continuity correction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np


@dataclass(frozen=True)
class Difference:
    """``a − b`` with its 95 % interval (all None when a group is empty)."""

    value: float | None
    low: float | None
    high: float | None

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of zero."""
        if self.low is None or self.high is None:
            return False
        return self.low > 0 or self.high < 0


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float | None, float | None]:
    """The Wilson score interval of a proportion (95 % by default); (None, None) when n = 0."""
    if n == 0:
        return None, None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = 1.96) -> Difference:
    """``x1/n1 − x2/n2`` with Newcombe's hybrid score interval (see the module docstring)."""
    if n1 == 0 or n2 == 0:
        return Difference(None, None, None)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    assert l1 is not None and u1 is not None and l2 is not None and u2 is not None
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Difference(d, low, high)


def _ratio(before: np.ndarray, after: np.ndarray) -> float | None:
    total = float(before.sum())
    return float(after.sum()) / total if total > 0 else None


def bootstrap_ratio_difference(
    a_before: np.ndarray,
    a_after: np.ndarray,
    b_before: np.ndarray,
    b_after: np.ndarray,
    *,
    reps: int = 2000,
    seed: int = 14,
) -> Difference:
    """``Σa_after/Σa_before − Σb_after/Σb_before`` with a 95 % percentile bootstrap interval."""
    ra, rb = _ratio(a_before, a_after), _ratio(b_before, b_after)
    if ra is None or rb is None:
        return Difference(None, None, None)
    rng = np.random.default_rng(seed)
    diffs = np.empty(reps)
    for i in range(reps):
        ia = rng.integers(0, len(a_before), len(a_before))
        ib = rng.integers(0, len(b_before), len(b_before))
        sa, sb = a_before[ia].sum(), b_before[ib].sum()
        diffs[i] = (a_after[ia].sum() / sa if sa else ra) - (b_after[ib].sum() / sb if sb else rb)
    low, high = np.quantile(diffs, [0.025, 0.975])
    return Difference(ra - rb, float(low), float(high))


def holdout_needed(
    p_holdout: float,
    min_effect: float,
    ratio: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> int:
    """Held-out accounts needed to detect ``p_holdout + min_effect`` (Fleiss et al. eq. 4.14).

    ``ratio`` is alerted accounts per held-out one (``(1 − holdout_share) / holdout_share``).
    Raises ValueError when ``min_effect`` is not positive or ``ratio`` is not positive.
    """
    if min_effect <= 0 or ratio <= 0:
        raise ValueError("min_effect and ratio must be positive")
    p2 = min(max(p_holdout, 0.0), 1.0 - min_effect)
    p1 = p2 + min_effect
    p_bar = (ratio * p1 + p2) / (1 + ratio)
    za = NormalDist().inv_cdf(1 - alpha / 2)
    zb = NormalDist().inv_cdf(power)
    root = za * math.sqrt((1 + 1 / ratio) * p_bar * (1 - p_bar))
    root += zb * math.sqrt(p1 * (1 - p1) / ratio + p2 * (1 - p2))
    return math.ceil(root**2 / min_effect**2)
