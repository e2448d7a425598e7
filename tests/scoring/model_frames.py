"""Tiny training frames for model tests: weekly snapshots whose churn follows thresholds.

The thresholds (a broken integration, three or more unused key features, an urgent ticket)
are what a tree draws at once; the logistic model draws them with its monotone steps.
``interacting=True`` makes signals matter only together (failing syncs on an account that
never adopted its key features, an urgent ticket while usage falls) and usage that swings
either way (a surge before a migration, or a fall): a monotone additive model cannot draw
that, so LightGBM clearly beats the logistic model there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd

from scoring.train import TrainConfig

FIRST = dt.date(2025, 1, 3)
FEATURES = [
    "unadopted_key_features",
    "integration_failures_14d",
    "urgent_open_tickets",
    "usage_trend",
    "days_to_renewal",
    "segment",
    "plan",
]
CATEGORICAL = ["segment", "plan"]
FAST = TrainConfig(
    num_boost_round=60, early_stopping_rounds=15, min_positives=5, min_data_in_leaf=20
)
TREES = replace(FAST, candidates=("lightgbm",))  # a LightGBM model whatever the gate prefers
LINEAR = replace(FAST, candidates=("logistic",))


def churn_frame(
    n: int = 600, snapshots: int = 8, seed: int = 0, *, interacting: bool = False
) -> pd.DataFrame:
    """``as_of, account_id, features…, label`` for ``snapshots`` weekly dates."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(snapshots):
        unused = rng.integers(0, 6, n)
        fails = rng.poisson(rng.choice([0.2, 6.0], n, p=[0.85, 0.15]))
        urgent = rng.poisson(0.25, n)
        trend = rng.normal(0, 0.3, n)
        segment = rng.choice(["SMB", "Mid-Market", "Enterprise"], n)
        logit = (
            -4.2
            + 2.4 * (unused >= 3)
            + 2.6 * (fails >= 4)
            + 2.0 * (urgent >= 1)
            - 1.5 * trend
            + 0.4 * (segment == "SMB")
        )
        if interacting:
            logit = (
                -4.2
                + 3.5 * ((fails >= 4) & (unused >= 3))
                + 2.5 * (urgent >= 1) * (trend < 0)
                + 3.0 * (np.abs(trend) > 0.45)
                + 0.4 * (segment == "SMB")
            )
        label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
        frames.append(
            pd.DataFrame(
                {
                    "as_of": pd.Timestamp(FIRST + dt.timedelta(days=7 * k)),
                    "account_id": [f"acc-{i:04d}" for i in range(n)],
                    "unadopted_key_features": unused.astype(float),
                    "integration_failures_14d": fails.astype(float),
                    "urgent_open_tickets": urgent.astype(float),
                    "usage_trend": trend,
                    "days_to_renewal": rng.integers(0, 365, n).astype(float),
                    "segment": pd.Categorical(segment),
                    "plan": pd.Categorical(rng.choice(["Growth", "Business"], n)),
                    "label": label,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["as_of"] = out["as_of"].astype("datetime64[s]")
    return out
