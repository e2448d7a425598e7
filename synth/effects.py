"""The true effect of a playbook on churn, by the driver behind the account's risk (pure).

A playbook run on an alerted account multiplies its chance of churning within the horizon by
``1 − e``, where ``e = PLAYBOOK_EFFECTS[playbook][driver] · scale`` (0 when the playbook does
not address that driver: an integration health check helps integration-driven risk, not
adoption-driven risk). ``scale=0`` switches every effect off (the null world).

Treatment is applied to a company that has already been simulated by *thinning*: an account
that churned inside the treated window keeps churning with probability ``1 − e`` and is saved
otherwise, so its churn is drawn from the treated hazard ``h · (1 − e)`` exactly.
docs/synth.md describes the model and its numbers.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from synth.hazard import FAMILIES

# Relative reduction of the churn probability within the horizon, by playbook and driver.
PLAYBOOK_EFFECTS: dict[str, dict[str, float]] = {
    "integration-health-check": {"integrations": 0.50},
    "escalate-broken-integration": {"integrations": 0.60},
    "adoption-workshop": {"adoption": 0.45, "usage": 0.15},
    "onboarding-refresh": {"adoption": 0.35, "usage": 0.25},
    "escalate-stale-ticket": {"support": 0.50},
    "support-experience-call": {"support": 0.40},
    "re-engage-champion": {"usage": 0.40, "adoption": 0.10},
    "seat-right-sizing": {"usage": 0.20, "commercial": 0.20},
    "renewal-preparation": {"commercial": 0.40},
    "executive-sponsor-call": {"commercial": 0.30, "support": 0.10},
    "success-review": dict.fromkeys(FAMILIES, 0.10),
}
# CSM compliance: each CSM acts on an alert with their own probability ~ Beta(a, b) (mean 0.5),
# and picks the playbook that addresses the account's driver with MATCH_SHARE, else another.
COMPLIANCE_BETA = (2.0, 2.0)
MATCH_SHARE = 0.6
EFFECT_COLUMNS = [
    "alert_id",
    "account_id",
    "as_of",
    "playbook_id",
    "driver",
    "hazard",
    "relative_effect",
    "true_effect",
    "saved",
]


def relative_effect(playbook_id: str | None, driver: str, scale: float = 1.0) -> float:
    """``e`` in [0, 1]: the share of churn a playbook prevents for an account with ``driver``."""
    e = PLAYBOOK_EFFECTS.get(playbook_id or "", {}).get(driver, 0.0) * scale
    return float(min(max(e, 0.0), 1.0))


def best_playbook(driver: str) -> str:
    """The playbook with the largest true effect on ``driver`` (the one a good CSM picks)."""
    return max(PLAYBOOK_EFFECTS, key=lambda p: PLAYBOOK_EFFECTS[p].get(driver, 0.0))


def unit(key: str) -> float:
    """A stable pseudo-random number in [0, 1) from a key (same on every run and machine)."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) / float(16**12)


def driver_at(ground_truth: pd.DataFrame, account_id: str, day: pd.Timestamp) -> tuple[str, float]:
    """The account's driver and monthly hazard in the month holding ``day`` (none, 0 if absent)."""
    rows = ground_truth[
        (ground_truth["account_id"] == account_id) & (pd.to_datetime(ground_truth["month"]) <= day)
    ]
    if rows.empty:
        return "none", 0.0
    last = rows.loc[pd.to_datetime(rows["month"]).idxmax()]
    return str(last["driver"]), float(last["hazard"])


def apply_treatment(
    accounts: pd.DataFrame,
    ground_truth: pd.DataFrame,
    treated: pd.DataFrame,
    *,
    horizon_days: int = 30,
    seed: int = 7,
    scale: float = 1.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Redraw churn of treated accounts from the treated hazard; return (accounts, effects).

    ``treated`` has one row per alert acted on: ``alert_id``, ``account_id``, ``as_of`` (date),
    ``playbook_id``. An account that churned in ``(as_of, as_of + horizon_days]`` is saved
    (``churned_at`` emptied) with probability ``e``. ``effects`` has EFFECT_COLUMNS:
    ``true_effect = hazard · e`` is the absolute drop in the month's churn probability.
    """
    out = accounts.copy()
    churned = pd.to_datetime(out["churned_at"])
    index = {a: i for i, a in enumerate(out["account_id"])}
    rows = []
    for t in treated.itertuples(index=False):
        day = pd.Timestamp(t.as_of)
        driver, hazard = driver_at(ground_truth, t.account_id, day)
        e = relative_effect(t.playbook_id, driver, scale)
        i = index.get(t.account_id)
        inside = (
            i is not None
            and pd.notna(churned.iloc[i])
            and day < churned.iloc[i] <= day + pd.Timedelta(days=horizon_days)
        )
        saved = bool(inside and unit(f"{seed}:save:{t.alert_id}") < e)
        if saved and i is not None:
            churned.iloc[i] = pd.NaT
        rows.append(
            (
                t.alert_id,
                t.account_id,
                day.date(),
                t.playbook_id,
                driver,
                hazard,
                e,
                hazard * e,
                saved,
            )
        )
    out["churned_at"] = churned.astype(accounts["churned_at"].dtype)
    return out, pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def compliance(rng: np.random.Generator, n_csms: int) -> np.ndarray:
    """Each CSM's probability of acting on one of their alerts, ~ Beta(COMPLIANCE_BETA)."""
    out: np.ndarray = rng.beta(*COMPLIANCE_BETA, size=n_csms)
    return out
