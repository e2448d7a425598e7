"""Assemble the adoption-and-impact report from its frames: figures, a per-alert fact table, JSON.

The headline is the intent-to-treat lift (every posted alert vs every held-out one,
``bot.report.impact``); adoption is ``bot.report.adoption``'s one definition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from bot.report import figures as fig
from bot.report.adoption import adoption_weeks, current, latest_graded
from bot.report.export_tables import playbook_title
from bot.report.impact import dismissal_check, itt_lift, observational
from bot.report.text import reason_text
from playbooks import dismissal_label
from scoring.evaluate import METRIC_NAMES
from storage.repositories.feedback import ReportFrames

FACT_COLUMNS = [
    "alert_id",
    "as_of",
    "account_id",
    "account_name",
    "arr",
    "segment",
    "csm_email",
    "csm_name",
    "manager_email",
    "status",
    "risk",
    "fallback",
    "reasons",
    "action",
    "playbook_id",
    "playbook_title",
    "dismiss_reason",
    "user_email",
    "acted_at",
    "hours_to_action",
    "outcome",
    "outcome_date",
    "arr_before",
    "arr_after",
]


def alert_facts(frames: ReportFrames) -> pd.DataFrame:
    """One row per alert with what an analyst joins on: account (id, name, ARR, segment), CSM
    and manager, reasons, the action and playbook title, the outcome and its date."""
    a = frames.alerts.rename(columns={"id": "alert_id"})
    acts = frames.actions.drop(columns=["id"])
    outcomes = frames.outcomes.rename(columns={"state": "outcome", "observed_on": "outcome_date"})
    accounts = frames.accounts.rename(columns={"name": "account_name"})[
        ["account_id", "account_name", "segment"]
    ]
    team = frames.team.rename(columns={"email": "csm_email", "name": "csm_name"})
    m = (
        a.merge(acts, on="alert_id", how="left")
        .merge(
            outcomes[["alert_id", "outcome", "outcome_date", "arr_before", "arr_after"]],
            on="alert_id",
            how="left",
        )
        .merge(accounts, on="account_id", how="left")
        .merge(team[["csm_email", "csm_name", "manager_email"]], on="csm_email", how="left")
    )
    m["hours_to_action"] = (
        pd.to_datetime(m["acted_at"], utc=True) - pd.to_datetime(m["posted_at"], utc=True)
    ).dt.total_seconds() / 3600.0
    m["reasons"] = m["reasons"].map(reason_text)
    m["playbook_title"] = [
        playbook_title(p, pid) for p, pid in zip(m["playbooks"], m["playbook_id"], strict=True)
    ]
    m = m.rename(columns={"kind": "action"})
    return m[FACT_COLUMNS].sort_values(["as_of", "alert_id"]).reset_index(drop=True)


def matured_alerts(facts: pd.DataFrame) -> pd.DataFrame:
    """Alerts with a known outcome, in the shape ``bot.report.impact`` reads."""
    m = facts[facts["outcome"].notna() & facts["status"].isin(["posted", "held_out"])]
    return pd.DataFrame(
        {
            "held_out": m["status"] == "held_out",
            "acted": m["action"] == "playbook",
            "dismissed": m["action"] == "dismissal",
            "playbook_id": m["playbook_title"],
            "dismiss_reason": m["dismiss_reason"],
            "csm": m["csm_name"].fillna(m["csm_email"]),
            "retained": m["outcome"] != "churned",
            "arr_before": m["arr_before"],
            "arr_after": m["arr_after"],
        }
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in clean.to_dict(orient="records")]


def _with_titles(obs: dict[str, Any], titles: Mapping[str, str]) -> dict[str, Any]:
    for row in obs.get("per_playbook", []):
        row["playbook"] = titles.get(row["playbook_id"], row["playbook_id"])
    return obs


def _with_labels(check: dict[str, Any]) -> dict[str, Any]:
    for row in check.get("per_reason", []):
        row["reason"] = dismissal_label(row["dismiss_reason"])
    return check


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
    min_effect: float = 0.05,
    holdout_share: float = 0.1,
    titles: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every figure of the report as plain data (rendered as HTML, or dumped as JSON).

    ``lift`` is the intent-to-treat headline with 95 % intervals and the holdout needed for
    ``min_effect`` (retention points as a fraction); ``observational`` and ``dismissals`` are
    the self-selected comparisons, named in words: a playbook by its title (``titles``, else
    its id), a dismissal by its label. Accuracy is the spec's ``metric`` per matured scoring day;
    ``kill_switch`` is the live model's reading the daily job compares with the floor.
    """
    facts = alert_facts(frames)
    posted = facts[facts["status"] == "posted"]
    weeks = adoption_weeks(
        posted.rename(columns={"action": "kind"})[["csm_email", "as_of", "kind"]], today=today
    )
    latest, now = latest_graded(weeks), current(weeks)
    hours = posted["hours_to_action"][posted["action"] == "playbook"]
    matured = matured_alerts(facts)
    lift = itt_lift(matured, min_effect=min_effect, holdout_share=holdout_share)
    accuracy = fig.matured_accuracy(frames.scores, frames.accounts, horizon_days, today, metric)
    counts = facts["status"].value_counts().to_dict() if len(facts) else {}
    return {
        "generated_on": today.isoformat(),
        "summary": {
            # alerts a person could see or was held out from; suppressed ones (the daily cap,
            # the cooldown, an open play) were never meant to reach anyone: named apart
            "alerts": len(facts) - int(counts.get("suppressed", 0)),
            "suppressed": int(counts.get("suppressed", 0)),
            "alerts_by_status": {str(k): int(v) for k, v in counts.items()},
            "posted": len(posted),
            "acted": int((posted["action"] == "playbook").sum()),
            "dismissed": int((posted["action"] == "dismissal").sum()),
            "action_rate": float((posted["action"] == "playbook").mean()) if len(posted) else None,
            "median_hours_to_action": float(hours.median()) if hours.notna().any() else None,
            "adoption": latest.as_dict() if latest else None,
            "adoption_this_week": now.as_dict() if now else None,
            "latest_tier": latest.tier if latest else "no alerts",
            "lift": lift["sentence"],
        },
        "weekly_adoption": [w.as_dict() for w in weeks],
        "lift": lift,
        "observational": _with_titles(observational(matured), titles or {}),
        "dismissals": _with_labels(dismissal_check(matured)),
        "per_csm": _records(fig.per_csm(frames.alerts, frames.actions, frames.team)),
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
