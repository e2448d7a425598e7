"""Assemble the adoption-rate report from its frames: figures, a per-alert fact table, JSON."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import pandas as pd

from bot.report import figures as fig
from scoring.evaluate import METRIC_NAMES
from storage.repositories.feedback import ReportFrames


def alert_facts(frames: ReportFrames) -> pd.DataFrame:
    """One row per alert: what was sent, what the CSM did, how long it took, what happened."""
    a = frames.alerts.rename(columns={"id": "alert_id"})
    acts = frames.actions.drop(columns=["id"])
    m = a.merge(acts, on="alert_id", how="left").merge(
        frames.outcomes[["alert_id", "state"]].rename(columns={"state": "outcome"}),
        on="alert_id",
        how="left",
    )
    m["hours_to_action"] = (
        pd.to_datetime(m["acted_at"], utc=True) - pd.to_datetime(m["posted_at"], utc=True)
    ).dt.total_seconds() / 3600.0
    cols = [
        "alert_id",
        "as_of",
        "account_id",
        "csm_email",
        "status",
        "risk",
        "fallback",
        "kind",
        "playbook_id",
        "dismiss_reason",
        "user_email",
        "hours_to_action",
        "outcome",
    ]
    return m[cols].rename(columns={"kind": "action"}).sort_values(["as_of", "alert_id"])


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]


def build_report(
    frames: ReportFrames,
    *,
    today: dt.date,
    horizon_days: int,
    accuracy_target: float,
    accuracy_floor: float,
    psi_threshold: float,
    metric: str = "roc_auc",
    kill_switch: dict[str, Any] | None = None,
    titles: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every figure of the report as plain data (rendered as HTML, or dumped as JSON).

    Accuracy is the spec's ``metric`` per matured scoring day; ``kill_switch`` is the live
    model's reading the daily job compares with the floor (the same metric, the same function):
    ``model_version``, ``value``, ``n``, ``n_churned`` and ``text``.
    """
    weekly = fig.weekly_adoption(frames.alerts, frames.actions)
    posted = fig.posted_with_actions(frames.alerts, frames.actions)
    hours = (
        (
            pd.to_datetime(posted["acted_at"], utc=True)
            - pd.to_datetime(posted["posted_at"], utc=True)
        ).dt.total_seconds()
        / 3600.0
        if len(posted)
        else pd.Series(dtype=float)
    )
    # The latest week that has ended: this week's alerts have had no time to be acted on yet.
    in_progress = pd.to_datetime(weekly["week"]) + pd.Timedelta(days=7) > pd.Timestamp(today)
    weekly.loc[in_progress, "tier"] = weekly.loc[in_progress, "tier"] + " (week in progress)"
    ended = weekly[~in_progress]
    latest_rate = float(ended["adoption_rate"].iloc[-1]) if len(ended) else None
    retention = fig.retention(frames.outcomes)
    by_group = {g.group: g for g in retention}
    acted, holdout = by_group["acted"], by_group["holdout"]
    lift = (
        acted.rate - holdout.rate if acted.rate is not None and holdout.rate is not None else None
    )
    accuracy = fig.matured_accuracy(frames.scores, frames.accounts, horizon_days, today, metric)
    counts = frames.alerts["status"].value_counts().to_dict() if len(frames.alerts) else {}
    return {
        "generated_on": today.isoformat(),
        "summary": {
            "alerts": len(frames.alerts),
            "alerts_by_status": {str(k): int(v) for k, v in counts.items()},
            "posted": len(posted),
            "acted": int(posted["acted"].sum()) if len(posted) else 0,
            "action_rate": float(posted["acted"].mean()) if len(posted) else None,
            "median_hours_to_action": float(hours.median()) if hours.notna().any() else None,
            "latest_weekly_adoption_rate": latest_rate,
            "latest_tier": fig.tier(latest_rate),
            "retention_lift_acted_vs_holdout": lift,
        },
        "weekly_adoption": _records(weekly),
        "per_csm": _records(fig.per_csm(frames.alerts, frames.actions, frames.team)),
        "per_playbook": _records(fig.per_playbook(frames.actions, frames.outcomes, titles)),
        "dismissals": _records(fig.dismissals(frames.actions)),
        "retention": [asdict(g) for g in retention],
        "accuracy": {
            "metric": metric,
            "metric_name": METRIC_NAMES[metric],
            "kill_switch": kill_switch,
            "target": accuracy_target,
            "floor": accuracy_floor,
            "by_day": _records(accuracy),
        },
        "drift": {
            "threshold": psi_threshold,
            "features": _records(frames.drift.sort_values("psi", ascending=False))
            if len(frames.drift)
            else [],
        },
    }
