"""Report frames for a few weeks of alerts drawn from synth's randomised trial (no database)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from storage.repositories.feedback import ReportFrames
from synth.trial import simulate_trial

FIRST = dt.date(2026, 3, 2)  # a Monday
WEEKS = (0, 1, 3, 4)  # week 2 has no alerts: a gap the chart must show


def demo_frames(seed: int = 3, n_alerts: int = 400) -> ReportFrames:
    t = simulate_trial(seed, n_alerts=n_alerts).alerts
    n = len(t)
    as_of = [FIRST + dt.timedelta(weeks=WEEKS[i % len(WEEKS)]) for i in range(n)]
    posted_at = [dt.datetime.combine(d, dt.time(6), dt.UTC) for d in as_of]
    csm = [f"{c}@x.io" for c in t["csm"]]
    alerts = pd.DataFrame(
        {
            "id": t["alert_id"],
            "as_of": as_of,
            "account_id": [f"acct-{i:04d}" for i in t["alert_id"]],
            "csm_email": csm,
            "status": np.where(t["held_out"], "held_out", "posted"),
            "risk": t["base_churn"],
            "created_at": posted_at,
            "posted_at": [None if h else p for h, p in zip(t["held_out"], posted_at, strict=True)],
            "fallback": False,
            "arr": t["arr_before"],
            "reasons": [[{"text": f"{d} trouble", "feature": d}] for d in t["driver"]],
            "playbooks": [
                [{"id": p, "title": str(p).replace("-", " ").title()}] for p in t["playbook_id"]
            ],
        }
    )
    rng = np.random.default_rng(seed)
    dismiss = ~t["held_out"] & ~t["acted"] & (rng.random(n) < 0.2)
    acted = t[t["acted"]]
    dis = t[dismiss]
    actions = pd.DataFrame(
        {
            "id": range(1, len(acted) + len(dis) + 1),
            "alert_id": list(acted["alert_id"]) + list(dis["alert_id"]),
            "kind": ["playbook"] * len(acted) + ["dismissal"] * len(dis),
            "playbook_id": list(acted["playbook_id"]) + [None] * len(dis),
            "dismiss_reason": [None] * len(acted) + ["customer_healthy"] * len(dis),
            "user_email": [csm[i - 1] for i in list(acted["alert_id"]) + list(dis["alert_id"])],
            "acted_at": [
                posted_at[i - 1] + dt.timedelta(hours=3)
                for i in list(acted["alert_id"]) + list(dis["alert_id"])
            ],
        }
    )
    outcomes = pd.DataFrame(
        {
            "alert_id": t["alert_id"],
            "state": np.where(t["churned"], "churned", "retained"),
            "acted": t["acted"],
            "held_out": t["held_out"],
            "arr_before": t["arr_before"],
            "arr_after": t["arr_after"],
            "observed_on": [d + dt.timedelta(days=30) for d in as_of],
        }
    )
    emails = sorted(set(csm))
    team = pd.DataFrame(
        {
            "email": emails,
            "name": [e.split("@")[0].title() for e in emails],
            "role": "csm",
            "manager_email": "boss@x.io",
        }
    )
    accounts = pd.DataFrame(
        {
            "account_id": alerts["account_id"],
            "name": [f"Company {i}" for i in t["alert_id"]],
            "segment": "Mid-Market",
            "churned_at": [
                d + dt.timedelta(days=10) if c else None
                for d, c in zip(as_of, t["churned"], strict=True)
            ],
        }
    )
    scores = pd.DataFrame(
        {"account_id": alerts["account_id"], "as_of": as_of, "risk": t["base_churn"]}
    )
    drift = pd.DataFrame({"feature": ["usage_trend"], "psi": [0.04], "drifted": [False]})
    return ReportFrames(alerts, actions, outcomes, team, accounts, scores, drift)
