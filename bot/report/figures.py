"""Report figures, pure: per-CSM use of the loop, the adoption grade, and whether the model is
still good (accuracy on matured outcomes). Adoption weeks are ``bot.report.adoption``; the lift
and its intervals are ``bot.report.impact`` and ``bot.report.lift``.

Every function takes frames and values; the report service loads them from the database.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from bot.report.lift import wilson
from scoring.evaluate import matured_metric

__all__ = ["matured_accuracy", "per_csm", "posted_with_actions", "tier", "wilson"]

TIERS = (  # (lower bound, name) for the weekly adoption rate, best first
    (0.70, "best-in-class"),
    (0.40, "healthy"),
    (0.20, "at risk"),
    (0.0, "failing"),
)


def tier(rate: float | None) -> str:
    """Grade an adoption rate: best-in-class > 70 %, healthy 40–70 %, at risk 20–40 %, failing
    < 20 % (a rate on a boundary takes the better band below 70 %)."""
    if rate is None or math.isnan(rate):
        return "no alerts"
    if rate > TIERS[0][0]:
        return TIERS[0][1]
    return next(name for bound, name in TIERS[1:] if rate >= bound)


def _week(d: pd.Series) -> pd.Series:
    dates = pd.to_datetime(d)
    return (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.date


def posted_with_actions(alerts: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """Posted alerts joined to their (at most one) action."""
    posted = alerts[alerts["status"] == "posted"].copy()
    acts = actions.rename(columns={"id": "action_id"})
    merged = posted.merge(acts, left_on="id", right_on="alert_id", how="left")
    merged["acted"] = merged["kind"] == "playbook"
    merged["week"] = _week(merged["as_of"]) if len(merged) else pd.Series(dtype="object")
    return merged


def _hours(start: pd.Series, end: pd.Series) -> pd.Series:
    s = pd.to_datetime(start, utc=True)
    e = pd.to_datetime(end, utc=True)
    return (e - s).dt.total_seconds() / 3600.0


def per_csm(alerts: pd.DataFrame, actions: pd.DataFrame, team: pd.DataFrame) -> pd.DataFrame:
    """Per CSM: alerts, playbooks chosen, dismissed, action rate, median hours to action."""
    m = posted_with_actions(alerts, actions)
    cols = ["csm", "alerts", "acted", "dismissed", "action_rate", "median_hours_to_action"]
    if m.empty:
        return pd.DataFrame(columns=cols)
    m["hours"] = _hours(m["posted_at"], m["acted_at"])
    names = dict(zip(team["email"], team["name"], strict=False)) if len(team) else {}
    g = m.groupby("csm_email")
    out = pd.DataFrame(
        {
            "alerts": g.size(),
            "acted": g["acted"].sum(),
            "dismissed": g["kind"].apply(lambda k: int((k == "dismissal").sum())),
            "median_hours_to_action": g["hours"].median(),
        }
    ).reset_index()
    out["action_rate"] = out["acted"] / out["alerts"]
    out["csm"] = out["csm_email"].map(lambda e: names.get(e, e))
    return out.sort_values(["action_rate", "alerts"], ascending=False)[cols]


def matured_accuracy(
    scores: pd.DataFrame,
    accounts: pd.DataFrame,
    horizon_days: int,
    today: Any,
    metric: str = "roc_auc",
) -> pd.DataFrame:
    """Per scoring day whose horizon has matured: the spec's metric of risk against real churn.

    The column ``value`` holds ``metric`` (``roc_auc`` or ``pr_auc``), computed as the kill
    switch computes it (``scoring.evaluate.matured_metric``); None with a single class.
    """
    cols = ["as_of", "accounts", "churned", "value"]
    if scores.empty:
        return pd.DataFrame(columns=cols)
    s = scores.merge(accounts[["account_id", "churned_at"]], on="account_id", how="left")
    as_of = pd.to_datetime(s["as_of"])
    churned = pd.to_datetime(s["churned_at"])
    end = as_of + pd.Timedelta(days=horizon_days)
    s = s[end <= pd.Timestamp(today)]
    if s.empty:
        return pd.DataFrame(columns=cols)
    s = s.assign(label=((churned > as_of) & (churned <= end)).loc[s.index].astype(int))
    rows = [
        {
            "as_of": day,
            "accounts": len(g),
            "churned": int(g["label"].sum()),
            "value": matured_metric(g["label"], g["risk"], metric).value,
        }
        for day, g in s.groupby("as_of")
    ]
    return pd.DataFrame(rows, columns=cols)
