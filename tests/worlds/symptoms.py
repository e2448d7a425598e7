"""Plain observable symptoms of a world, computed from its contract tables alone.

These are deliberately simple (not the product's feature definitions): they let the tests
check that each latent driver leaves a visible trace that precedes churn, and they give
product tests a yardstick ("the integrations family should rank these accounts high").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.worlds.harbor import World


def weekly_dates(world: World, horizon_days: int = 30) -> list[pd.Timestamp]:
    """Weekly dates from 28 days into the history until the last matured horizon."""
    cfg = world.config
    first = pd.Timestamp(cfg.start) + pd.Timedelta(days=28)
    last = pd.Timestamp(cfg.end) - pd.Timedelta(days=horizon_days + 1)
    return list(pd.date_range(first, last, freq="7D"))


def _failing_streaks(world: World, frame: pd.DataFrame) -> pd.Series:
    """Per (as_of, account_id): the longest current failure streak over its integrations."""
    runs = world.integration_runs.sort_values(["account_id", "integration", "ts"])
    fail = (runs["status"] == "failure").to_numpy()
    key = (runs["account_id"] + "/" + runs["integration"]).to_numpy()
    new_block = np.r_[True, (key[1:] != key[:-1]) | (fail[1:] != fail[:-1])]
    block = np.cumsum(new_block)
    position = pd.Series(np.ones(len(runs)), index=runs.index).groupby(block).cumsum()
    runs = runs.assign(streak=np.where(fail, position.to_numpy(), 0.0))
    streams = runs[["account_id", "integration"]].drop_duplicates()
    queries = frame[["as_of", "account_id"]].merge(streams, on="account_id")
    queries["at"] = queries["as_of"].dt.tz_localize("UTC").astype("datetime64[us, UTC]")
    hit = pd.merge_asof(
        queries.sort_values("at"),
        runs[["account_id", "integration", "ts", "streak"]].sort_values("ts"),
        left_on="at",
        right_on="ts",
        by=["account_id", "integration"],
        allow_exact_matches=False,
    )
    return hit.groupby(["as_of", "account_id"])["streak"].max()


def symptoms(world: World, dates: list[pd.Timestamp], horizon_days: int = 30) -> pd.DataFrame:
    """One row per account active at each date, with its symptoms and 30-day label.

    Columns: as_of, account_id, driver, tenure_days, unadopted_key (key features never used),
    users_per_seat (mean daily peak of active users over the last 28 days ÷ seats),
    failing_streak (failed runs in a row on the worst integration), unanswered_days (age of the
    oldest open ticket without a reply), label (churn within the horizon).
    """
    acc = world.accounts
    key = world.usage[world.usage["feature"].isin(world.config.key_features)]
    first_use = key[key["events"] > 0].groupby(["account_id", "feature"])["date"].min()
    first_use = first_use.reset_index()
    peak = world.usage.groupby(["account_id", "date"])["active_users"].max().reset_index()
    t = world.tickets
    rows: list[pd.DataFrame] = []
    for as_of in dates:
        active = (acc["created_at"] < as_of) & ~(acc["churned_at"] <= as_of)
        a = acc[active]
        adopted = first_use[first_use["date"] < as_of].groupby("account_id").size()
        recent = peak[(peak["date"] >= as_of - pd.Timedelta(days=28)) & (peak["date"] < as_of)]
        users = recent.groupby("account_id")["active_users"].sum() / 28.0
        utc = as_of.tz_localize("UTC")
        waiting = t[
            (t["opened_at"] < utc) & ~(t["closed_at"] < utc) & ~(t["first_response_at"] < utc)
        ]
        age = ((utc - waiting["opened_at"]).dt.total_seconds() / 86_400).groupby(
            waiting["account_id"]
        )
        gone = a["churned_at"]
        rows.append(
            pd.DataFrame(
                {
                    "as_of": as_of,
                    "account_id": a["account_id"].to_numpy(),
                    "tenure_days": (as_of - a["created_at"]).dt.days.to_numpy(),
                    "unadopted_key": len(world.config.key_features)
                    - a["account_id"].map(adopted).fillna(0).to_numpy(),
                    "users_per_seat": (
                        a["account_id"].map(users).fillna(0.0)
                        / a["seats"].astype("float64").replace(0.0, np.nan)
                    ).to_numpy(),
                    "unanswered_days": a["account_id"].map(age.max()).fillna(0.0).to_numpy(),
                    "label": (
                        (gone > as_of) & (gone <= as_of + pd.Timedelta(days=horizon_days))
                    ).to_numpy(),
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["account_id"] = out["account_id"].astype("str")
    streaks = _failing_streaks(world, out)
    idx = pd.MultiIndex.from_frame(out[["as_of", "account_id"]])
    out["failing_streak"] = streaks.reindex(idx).fillna(0.0).to_numpy()
    out["driver"] = out["account_id"].map(world.drivers).astype("str")
    return out
