"""The accounts' fixed traits: segment, plan, ARR, seats, age, CSM, integrations, health."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.calendar import Window

SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
SEGMENT_SHARE = (0.62, 0.29, 0.09)
PLANS = ("Starter", "Growth", "Business", "Enterprise")
PLAN_BY_SEGMENT = ((0.55, 0.40, 0.05, 0.0), (0.0, 0.35, 0.55, 0.10), (0.0, 0.0, 0.2, 0.8))
SEAT_PRICE = np.array([360.0, 540.0, 780.0, 1080.0])  # list price per seat and year, by plan
# ARR is log-normal per segment: median, sigma, and the band it is kept in.
ARR_MEDIAN = np.array([8_000.0, 50_000.0, 280_000.0])
ARR_SIGMA = np.array([0.45, 0.45, 0.55])
ARR_LOW = np.array([2_500.0, 18_000.0, 90_000.0])
ARR_HIGH = np.array([25_000.0, 140_000.0, 1_200_000.0])
INTEGRATIONS = ("Salesforce", "HubSpot", "Slack", "Zendesk", "Jira")
# How many integrations an account connects (0–3), by segment, and which ones it prefers.
INTEGRATION_COUNT = ((0.55, 0.30, 0.12, 0.03), (0.25, 0.35, 0.28, 0.12), (0.10, 0.30, 0.35, 0.25))
INTEGRATION_WEIGHT = (
    (0.15, 0.35, 0.30, 0.10, 0.10),
    (0.30, 0.25, 0.25, 0.10, 0.10),
    (0.40, 0.05, 0.25, 0.15, 0.15),
)
SLOTS = 3


@dataclass(frozen=True)
class Accounts:
    """One entry per account; arrays are aligned by account index."""

    segment: np.ndarray  # 0 SMB, 1 Mid-Market, 2 Enterprise
    plan: np.ndarray  # index into PLANS
    arr: np.ndarray
    seats: np.ndarray
    created: np.ndarray  # int day
    health_mean: np.ndarray  # latent: the level an account's health returns to
    noise: np.ndarray  # latent: the account's own log-odds of churning, beyond any driver
    integration: np.ndarray  # [n, SLOTS] index into INTEGRATIONS, -1 for an empty slot
    sync_minute: np.ndarray  # [n, SLOTS] minute of the day its scheduled sync starts

    @property
    def n(self) -> int:
        return int(self.segment.size)


def _rows_choice(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a matrix of probabilities."""
    u = rng.random(size=(probs.shape[0], 1))
    out: np.ndarray = np.minimum((u > probs.cumsum(axis=1)).sum(axis=1), probs.shape[1] - 1)
    return out


def make_accounts(rng: np.random.Generator, n: int, window: Window) -> Accounts:
    """Draw ``n`` accounts; a share proportional to the window's length signs up inside it."""
    segment = rng.choice(3, size=n, p=SEGMENT_SHARE)
    plan = _rows_choice(rng, np.asarray(PLAN_BY_SEGMENT)[segment])
    arr = np.exp(np.log(ARR_MEDIAN[segment]) + ARR_SIGMA[segment] * rng.standard_normal(n))
    arr = np.round(np.clip(arr, ARR_LOW[segment], ARR_HIGH[segment]), -1)
    seats = np.maximum(2, np.round(arr / SEAT_PRICE[plan] * rng.lognormal(0, 0.15, n))).astype(int)

    new_share = min(0.45, 0.025 * window.months)  # sign-ups roughly replace the churned
    is_new = rng.random(n) < new_share
    tenure = 30 + np.minimum(rng.exponential(700, n), 9 * 365)
    created = (window.start - tenure).astype(np.int64)
    latest = max(window.start + 1, window.end - 14)
    created[is_new] = rng.integers(window.start, latest, size=int(is_new.sum()))

    # Long-standing customers are survivors: a little healthier than this month's sign-ups.
    years = np.clip((window.start - created) / 365.0, 0, 4)
    health_mean = rng.standard_normal(n) + 0.2 * (segment == 2) + 0.12 * years
    noise = 0.35 * rng.standard_normal(n)

    count = _rows_choice(rng, np.asarray(INTEGRATION_COUNT)[segment])
    weights = np.asarray(INTEGRATION_WEIGHT)[segment]
    keys = np.log(weights) + rng.gumbel(size=weights.shape)  # weighted order without repeats
    order = np.argsort(-keys, axis=1)[:, :SLOTS]
    integration = np.where(np.arange(SLOTS)[None, :] < count[:, None], order, -1)
    sync_minute = rng.integers(0, 24 * 60, size=(n, SLOTS))
    return Accounts(
        segment=segment,
        plan=plan,
        arr=arr,
        seats=seats,
        created=created,
        health_mean=health_mean,
        noise=noise,
        integration=integration,
        sync_minute=sync_minute,
    )
