"""A fast randomised trial drawn straight from the effect model: alerts, holdout, clicks, churn.

No event tables are built: each alert gets a driver, a base churn probability within the horizon,
ARR and a CSM; a random ``holdout_share`` is held out; posted alerts are acted on with the
CSM's compliance probability (the driver's best playbook with ``MATCH_SHARE``, else another);
churn is drawn from the treated probability. ``true_itt`` is the expected retention gain of
being alerted, averaged over the alerts (what the intent-to-treat lift estimates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.effects import MATCH_SHARE, PLAYBOOK_EFFECTS, best_playbook, compliance, relative_effect
from synth.hazard import FAMILIES

DRIVER_SHARES = (0.3, 0.25, 0.2, 0.15, 0.1)  # adoption, integrations, support, usage, commercial


@dataclass(frozen=True)
class Trial:
    """``alerts``: one row per alert (held_out, acted, playbook_id, driver, base_churn,
    expected_effect, churned, arr_before, arr_after, csm); ``true_itt`` in retention points."""

    alerts: pd.DataFrame
    true_itt: float
    true_itt_arr: float


def _mean_other_effect(driver: str, scale: float) -> float:
    best = best_playbook(driver)
    others = [relative_effect(p, driver, scale) for p in PLAYBOOK_EFFECTS if p != best]
    return float(np.mean(others))


def simulate_trial(
    seed: int,
    *,
    n_alerts: int = 3000,
    holdout_share: float = 0.2,
    n_csms: int = 12,
    scale: float = 1.0,
) -> Trial:
    """Draw one trial; deterministic for its arguments."""
    rng = np.random.default_rng([seed, 14])
    playbooks = list(PLAYBOOK_EFFECTS)
    driver = rng.choice(np.array(FAMILIES), size=n_alerts, p=DRIVER_SHARES)
    base = rng.uniform(0.05, 0.45, n_alerts)
    arr = np.round(rng.lognormal(10, 0.8, n_alerts), 0)
    csm = rng.integers(0, n_csms, n_alerts)
    act_p = compliance(rng, n_csms)[csm]
    held = rng.random(n_alerts) < holdout_share
    acted = ~held & (rng.random(n_alerts) < act_p)
    match = rng.random(n_alerts) < MATCH_SHARE
    other = rng.integers(0, len(playbooks), n_alerts)
    chosen = [
        (best_playbook(d) if m else playbooks[o]) if a else None
        for d, m, o, a in zip(driver, match, other, acted, strict=True)
    ]
    e = np.array([relative_effect(p, d, scale) for p, d in zip(chosen, driver, strict=True)])
    churned = rng.random(n_alerts) < base * (1 - e)
    best_e = np.array([relative_effect(best_playbook(d), d, scale) for d in driver])
    other_e = np.array([_mean_other_effect(d, scale) for d in driver])
    expected = act_p * base * (MATCH_SHARE * best_e + (1 - MATCH_SHARE) * other_e)
    alerts = pd.DataFrame(
        {
            "alert_id": np.arange(1, n_alerts + 1),
            "csm": [f"csm{c:02d}" for c in csm],
            "held_out": held,
            "acted": acted,
            "playbook_id": chosen,
            "driver": driver,
            "base_churn": base,
            "expected_effect": expected,
            "churned": churned,
            "arr_before": arr,
            "arr_after": np.where(churned, 0.0, arr),
        }
    )
    true_arr = float((expected * arr).sum() / arr.sum())
    return Trial(alerts, float(expected.mean()), true_arr)
