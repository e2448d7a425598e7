"""The true conversion process of the synthetic funnel, and the true effect of acting quickly.

Every ``DECISION_DAYS`` (14) days each open lead's chance of converting in the next 14 days is

    p = sigmoid(BASE + segment + noise_lead + Σ_f WEIGHTS_f · intensity_f)

with one intensity in [0, 1] per driver family, read from what ``lead_activity`` shows before
the decision day (docs/synth.md, "The lead funnel"), so a model that sees only the tables can
learn it. The family with the largest contribution is the lead's driver (none when they sum
to less than ``NONE_BELOW``).

Acting quickly helps: a first touch by the owner within ``QUICK_DAYS`` of the alert adds
``QUICK_TOUCH_LOGODDS`` to the lead's log-odds of converting, a touch within ``SLOW_DAYS`` adds
``SLOW_TOUCH_LOGODDS``, a later one nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.truth import dominant_driver, sigmoid

DRIVERS = ("intent", "engagement", "trial", "buying_group")
WEIGHTS = np.array([3.2, 2.4, 3.0, 2.8])  # log-odds of a fully active driver
BASE = -5.0  # a cold Mid-Market lead: about 0.7 % in 14 days
SEGMENT_BASE = {"SMB": 0.3, "Mid-Market": 0.0, "Enterprise": -0.4}
NOISE_SD = 0.2  # what no table shows
NONE_BELOW = 0.5
DECISION_DAYS = 14
QUICK_DAYS = 1
SLOW_DAYS = 3
QUICK_TOUCH_LOGODDS = 0.9
SLOW_TOUCH_LOGODDS = 0.4


@dataclass(frozen=True)
class Signals:
    """What each open lead's activity shows before a decision day (arrays aligned by lead)."""

    demos_14d: np.ndarray
    pricing_7d: np.ndarray
    replies_14d: np.ndarray
    trial_events_7d: np.ndarray
    company_people_7d: np.ndarray  # distinct people of the lead's company active, lead included


def intensities(s: Signals) -> np.ndarray:
    """``[n, 4]`` intensities in [0, 1], one column per driver in ``DRIVERS`` order."""
    intent = np.maximum(np.where(s.demos_14d > 0, 1.0, 0.0), 0.7 * np.clip(s.pricing_7d / 3, 0, 1))
    engagement = np.clip(s.replies_14d / 2, 0, 1)
    trial = np.clip((s.trial_events_7d - 1) / 8, 0, 1)
    buying_group = np.clip((s.company_people_7d - 1) / 3, 0, 1)
    return np.column_stack([intent, engagement, trial, buying_group])


@dataclass(frozen=True)
class Conversion:
    """The true 14-day conversion probability per lead and how it breaks down."""

    probability: np.ndarray
    contributions: np.ndarray  # [n, 4] log-odds added by each driver
    driver: np.ndarray  # index into DRIVERS, or -1 for none
    driver_share: np.ndarray  # the driver's share of the summed contributions


def conversion(intensity: np.ndarray, baseline: np.ndarray) -> Conversion:
    """Combine intensities with each lead's baseline log-odds; name the dominant driver."""
    d = dominant_driver(intensity, WEIGHTS, NONE_BELOW)
    return Conversion(
        probability=sigmoid(baseline + d.total),
        contributions=d.contributions,
        driver=d.driver,
        driver_share=d.driver_share,
    )


def touch_logodds(days_to_first_touch: np.ndarray) -> np.ndarray:
    """The true effect (log-odds) of the owner's first touch that many days after the alert;
    NaN (never touched) and late touches add nothing."""
    d = np.asarray(days_to_first_touch, dtype=float)
    out = np.where(
        d <= QUICK_DAYS, QUICK_TOUCH_LOGODDS, np.where(d <= SLOW_DAYS, SLOW_TOUCH_LOGODDS, 0.0)
    )
    return np.where(np.isnan(d), 0.0, out)


def touched_probability(p: np.ndarray, days_to_first_touch: np.ndarray) -> np.ndarray:
    """The conversion probability of leads touched that many days after their alert."""
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    return sigmoid(np.log(p / (1 - p)) + touch_logodds(days_to_first_touch))


def convert_touched(
    rng: np.random.Generator, p: np.ndarray, converted: np.ndarray, days_to_first_touch: np.ndarray
) -> np.ndarray:
    """Which leads convert once touched, given whether they converted untouched (``converted``).

    A lead that converted anyway still does; one that did not converts with probability
    ``(p_touched − p) / (1 − p)``, so conversion is drawn from ``p_touched`` exactly.
    """
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    extra = (touched_probability(p, days_to_first_touch) - p) / (1 - p)
    out: np.ndarray = converted | (rng.random(len(p)) < extra)
    return out
