"""Report figures, pure: is the loop used (adoption), does it work (retention vs holdout), is the
model still good (accuracy on matured outcomes), and is the input drifting.

Every function takes frames and values; the report service loads them from the database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from playbooks import dismissal_label
from scoring.evaluate import matured_metric

TIERS = (  # (lower bound, name) for the weekly adoption rate, best first
    (0.70, "best-in-class"),
    (0.40, "healthy"),
    (0.20, "at risk"),
    (0.0, "failing"),
)


def tier(rate: float | None) -> str:
    """Grade an adoption rate: best-in-class > 70 %, healthy 40–70 %, at risk 20–40 %, failing."""
    if rate is None or math.isnan(rate):
        return "no alerts"
    for bound, name in TIERS:
        if rate > bound or (bound == 0.0 and rate >= 0):
            return name
    return "failing"


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float | None, float | None]:
    """The Wilson score interval of a proportion (95 % by default); (None, None) when n = 0."""
    if n == 0:
        return None, None
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _week(d: pd.Series) -> pd.Series:
    dates = pd.to_datetime(d)
    return (dates - pd.to_timedelta(dates.dt.day_of_week, unit="D")).dt.date


def posted_with_actions(alerts: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """Posted alerts joined to their (at most one) action."""
    posted = alerts[alerts["status"] == "posted"].copy()
    acts = actions.rename(columns={"id": "action_id"})
    merged = posted.merge(acts, left_on="id", right_on="alert_id", how="left")
    merged["acted"] = merged["kind"].notna()
    merged["week"] = _week(merged["as_of"]) if len(merged) else pd.Series(dtype="object")
    return merged


def weekly_adoption(alerts: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """Per week: CSMs who received an alert, CSMs who acted on at least one, rate and tier."""
    m = posted_with_actions(alerts, actions)
    cols = ["week", "csms_alerted", "csms_acted", "adoption_rate", "tier", "alerts", "actions"]
    if m.empty:
        return pd.DataFrame(columns=cols)
    g = m.groupby("week")
    out = pd.DataFrame(
        {
            "csms_alerted": g["csm_email"].nunique(),
            "csms_acted": g.apply(lambda x: x.loc[x["acted"], "csm_email"].nunique()),
            "alerts": g.size(),
            "actions": g["acted"].sum(),
        }
    ).reset_index()
    out["adoption_rate"] = out["csms_acted"] / out["csms_alerted"]
    out["tier"] = out["adoption_rate"].map(tier)
    return out[cols]


def _hours(start: pd.Series, end: pd.Series) -> pd.Series:
    s = pd.to_datetime(start, utc=True)
    e = pd.to_datetime(end, utc=True)
    return (e - s).dt.total_seconds() / 3600.0


def per_csm(alerts: pd.DataFrame, actions: pd.DataFrame, team: pd.DataFrame) -> pd.DataFrame:
    """Per CSM: alerts received, acted on, dismissed, action rate, median hours to action."""
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


def per_playbook(
    actions: pd.DataFrame, outcomes: pd.DataFrame, titles: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Per playbook: its title (``titles``, else its id), times chosen, matured outcomes and
    the 30-day retention among them."""
    cols = ["playbook_id", "playbook", "chosen", "matured", "retained", "retention"]
    chosen = actions[actions["kind"] == "playbook"]
    if chosen.empty:
        return pd.DataFrame(columns=cols)
    m = chosen.merge(outcomes[["alert_id", "state"]], on="alert_id", how="left")
    g = m.groupby("playbook_id")
    out = pd.DataFrame(
        {
            "chosen": g.size(),
            "matured": g["state"].apply(lambda s: int(s.notna().sum())),
            "retained": g["state"].apply(lambda s: int((s == "retained").sum())),
        }
    ).reset_index()
    out["retention"] = out["retained"] / out["matured"].where(out["matured"] > 0)
    out["playbook"] = out["playbook_id"].map(lambda i: (titles or {}).get(i, i))
    return out.sort_values("chosen", ascending=False)[cols]


def dismissals(actions: pd.DataFrame) -> pd.DataFrame:
    """Dismissals by reason, most common first (feeds the model's error analysis): the
    reason's id and its label as the modal shows it."""
    d = actions[actions["kind"] == "dismissal"]
    if d.empty:
        return pd.DataFrame(columns=["reason_id", "reason", "count"])
    out = (
        d.groupby("dismiss_reason")
        .size()
        .rename("count")
        .reset_index()
        .rename(columns={"dismiss_reason": "reason_id"})
        .sort_values("count", ascending=False)
    )
    out["reason"] = out["reason_id"].map(lambda r: dismissal_label(str(r)))
    return out[["reason_id", "reason", "count"]]


@dataclass(frozen=True)
class RetentionGroup:
    group: str
    n: int
    retained: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None


def retention(outcomes: pd.DataFrame) -> list[RetentionGroup]:
    """30-day retention for acted / not acted / holdout, with Wilson 95 % intervals."""
    groups = {
        "acted": outcomes[(~outcomes["held_out"].astype(bool)) & outcomes["acted"].astype(bool)],
        "not acted": outcomes[
            (~outcomes["held_out"].astype(bool)) & ~outcomes["acted"].astype(bool)
        ],
        "holdout": outcomes[outcomes["held_out"].astype(bool)],
    }
    out = []
    for name, frame in groups.items():
        n = len(frame)
        kept = int((frame["state"] != "churned").sum())
        lo, hi = wilson(kept, n)
        out.append(RetentionGroup(name, n, kept, kept / n if n else None, lo, hi))
    return out


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
