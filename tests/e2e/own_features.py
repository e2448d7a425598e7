"""An ``account_features`` table as a team's own pipeline (dbt, a notebook) would build it.

Weekly snapshots per active account with a few numeric columns, a text ``tier`` and the label
``churned_within_horizon``, left empty where the horizon has not passed yet. The headers are
written the way people name columns ("Failed Syncs 14d"); the contract normalizes them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from tests.e2e.company import Company

HEADERS = {
    "failed_syncs_14d": "Failed Syncs 14d",
    "unanswered_tickets": "Unanswered Tickets",
    "events_14d": "events_14d",
    "features_used_14d": "Features used (14d)",
    "plan": "Plan",
    "tier": "Tier",
}


def _count_before(events: pd.DataFrame, col: str, day: pd.Timestamp, days: int) -> pd.Series:
    window = events[(events[col] < day) & (events[col] >= day - pd.Timedelta(days=days))]
    return window.groupby("account_id").size()


def account_features(
    company: Company, *, every_days: int = 7, horizon_days: int = 30, weeks: int = 40
) -> pd.DataFrame:
    """Snapshots at ``as_of`` = end + 1 − k·every_days for k = 0 … weeks − 1."""
    acc = company.accounts
    created = pd.to_datetime(pd.Series(acc["created_at"], dtype="object"))
    churned = pd.to_datetime(pd.Series(acc["churned_at"], dtype="object"))
    runs = company.integration_runs.assign(day=company.integration_runs["ts"].dt.tz_localize(None))
    failed = runs[runs["status"] == "failure"]
    tickets = company.tickets.assign(
        day=company.tickets["opened_at"].dt.tz_localize(None),
        reply=company.tickets["first_response_at"].dt.tz_localize(None),
    )
    usage = company.usage.assign(
        day=pd.to_datetime(pd.Series(company.usage["date"], dtype="object"))
    )
    tiers = np.array(["gold", "silver", "bronze", None], dtype=object)
    tier = pd.Series(tiers[np.arange(len(acc)) % 4], index=acc["account_id"])
    last_known = pd.Timestamp(company.end)
    frames = []
    for k in range(weeks):
        as_of = pd.Timestamp(company.end + dt.timedelta(days=1 - k * every_days))
        alive = (created < as_of) & (churned.isna() | (churned >= as_of))
        ids = acc.loc[alive.to_numpy(), "account_id"]
        open_t = tickets[(tickets["day"] < as_of) & ~(tickets["reply"] < as_of)]
        events = usage[(usage["day"] < as_of) & (usage["day"] >= as_of - pd.Timedelta(days=14))]
        soon = (churned > as_of) & (churned <= as_of + pd.Timedelta(days=horizon_days))
        label = soon[alive.to_numpy()].astype("Int64").to_numpy()
        matured = as_of + pd.Timedelta(days=horizon_days) <= last_known
        frames.append(
            pd.DataFrame(
                {
                    "account_id": ids.to_numpy(),
                    "as_of": as_of.date(),
                    HEADERS["failed_syncs_14d"]: ids.map(_count_before(failed, "day", as_of, 14))
                    .fillna(0)
                    .astype(int)
                    .to_numpy(),
                    HEADERS["unanswered_tickets"]: ids.map(open_t.groupby("account_id").size())
                    .fillna(0)
                    .astype(int)
                    .to_numpy(),
                    HEADERS["events_14d"]: ids.map(events.groupby("account_id")["events"].sum())
                    .fillna(0)
                    .astype(int)
                    .to_numpy(),
                    HEADERS["features_used_14d"]: ids.map(
                        events.groupby("account_id")["feature"].nunique()
                    )
                    .fillna(0)
                    .astype(int)
                    .to_numpy(),
                    HEADERS["plan"]: acc.loc[alive.to_numpy(), "plan"].to_numpy(),
                    HEADERS["tier"]: ids.map(tier).to_numpy(),
                    "churned_within_horizon": label if matured else pd.NA,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["churned_within_horizon"] = out["churned_within_horizon"].astype("Int64")
    return out
