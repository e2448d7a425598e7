"""The true churn process: indicator states at a month start → driver contributions → hazard.

    hazard = sigmoid(base + segment + noise_account + Σ_f weight_f · intensity_f)

Each intensity is in [0, 1] and is read from what the event tables show before the month
starts (see docs/synth.md), so a model that only sees the tables can learn it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.truth import dominant_driver, sigmoid

FAMILIES = ("adoption", "integrations", "support", "usage", "commercial")
WEIGHTS = np.array([2.8, 3.0, 2.8, 3.0, 2.0])  # log-odds of a fully active driver
BASE = -5.8  # log-odds of a healthy Mid-Market account: about 0.3 % a month
SEGMENT_BASE = np.array([0.25, 0.0, -0.35])  # SMB churns a little more, Enterprise less
NONE_BELOW = 0.5  # contributions summing to less than this name no driver
ADOPTION_GRACE_DAYS = 45  # new accounts are still onboarding
# Intensity of the adoption driver by the number of key features never used (0–5).
UNUSED_INTENSITY = np.array([0.0, 0.0, 0.0, 0.5, 0.85, 1.0])
RENEWAL_WINDOW_DAYS = 45


@dataclass(frozen=True)
class Indicators:
    """What each account's tables show at a month start (arrays aligned by account)."""

    unused_key: np.ndarray  # key features with no usage row ever
    tenure_days: np.ndarray
    failed_days: np.ndarray  # integration-days failing in the 14 days before
    stale_high: np.ndarray  # urgent/high tickets open and unanswered for 3+ days
    stale_other: np.ndarray  # low/normal tickets open and unanswered for 7+ days
    usage_decline: np.ndarray  # 1 − active users (last 14 days) / active users (14 before)
    days_to_renewal: np.ndarray
    month_days: int


def intensities(ind: Indicators) -> np.ndarray:
    """``[n, 5]`` intensities in [0, 1], one column per family in FAMILIES order."""
    unused = UNUSED_INTENSITY[np.clip(ind.unused_key, 0, 5)]
    adoption = np.where(ind.tenure_days >= ADOPTION_GRACE_DAYS, unused, 0.0)
    integrations = np.clip((ind.failed_days - 2) / 6, 0, 1)
    support = np.clip(0.65 * ind.stale_high + 0.3 * ind.stale_other, 0, 1)
    usage = np.clip((ind.usage_decline - 0.12) / 0.28, 0, 1)
    dtr = ind.days_to_renewal
    commercial = np.where(dtr < ind.month_days, 1.0, np.where(dtr < RENEWAL_WINDOW_DAYS, 0.5, 0.0))
    return np.column_stack([adoption, integrations, support, usage, commercial])


@dataclass(frozen=True)
class Hazard:
    """The month's true hazard per account and how it breaks down."""

    hazard: np.ndarray
    contributions: np.ndarray  # [n, 5] log-odds added by each family
    driver: np.ndarray  # index into FAMILIES, or -1 for none
    driver_share: np.ndarray  # dominant family's share of the summed contributions


def monthly_hazard(intensity: np.ndarray, baseline: np.ndarray) -> Hazard:
    """Combine intensities with the account's baseline log-odds; name the dominant driver."""
    d = dominant_driver(intensity, WEIGHTS, NONE_BELOW)
    return Hazard(
        hazard=sigmoid(baseline + d.total),
        contributions=d.contributions,
        driver=d.driver,
        driver_share=d.driver_share,
    )


def baseline_logit(segment: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """An account's log-odds of churning with no driver active."""
    out: np.ndarray = BASE + SEGMENT_BASE[segment] + noise
    return out
