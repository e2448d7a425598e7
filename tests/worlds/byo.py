"""A "bring your own features" snapshot table for Harbor Data, shaped like a telecom churn set.

`make_account_features` returns the contract table `account_features`: one row per active
account on the first day of every month of the history, with telecom-style columns computed
from the world's own tables (so they agree with them):

| column | meaning | carries the driver |
|---|---|---|
| `tenure_months` | whole months since `created_at` | – (survivors are older) |
| `monthly_charges` | ARR ÷ 12, with small invoice noise; empty when ARR is unknown | – |
| `total_charges` | ≈ `tenure_months × monthly_charges` (near-duplicate); empty at 0 months | – |
| `contract_type` | Month-to-month, One year, Two year, Three year | – |
| `payment_method` | Bank transfer, Credit card, Invoice, Electronic check | – |
| `region` | EMEA, AMER, APAC | – |
| `logins_30d` | user-days in the last 30 days (daily peak of active users, summed) | adoption |
| `sync_errors_30d` | failed integration runs in the last 30 days | integrations |
| `support_calls_30d` | tickets opened in the last 30 days | support |
| `unanswered_calls` | open tickets without a reply at `as_of` | support |
| `failed_payments_90d` | failed card payments; independent noise with no link to churn | – |
| `churned_within_horizon` | 1: churns in `(as_of, as_of + horizon]`; empty: not yet known | label |

The true driver of a row is the driver of its account (`World.driver_of`);
`with_truth=True` adds it as `true_driver` (drop it before ingesting: it would be a leak).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.worlds.config import WorldConfig
from tests.worlds.harbor import World, make_world

CONTRACT_TYPES = {1: "Month-to-month", 12: "One year", 24: "Two year", 36: "Three year"}
PAYMENT_METHODS = ("Bank transfer", "Credit card", "Invoice", "Electronic check")
REGIONS = ("EMEA", "AMER", "APAC")
DRIVER_COLUMNS: dict[str, tuple[str, ...]] = {
    "adoption": ("logins_30d",),
    "integrations": ("sync_errors_30d",),
    "support": ("support_calls_30d", "unanswered_calls"),
    "none": (),
}


def snapshot_dates(cfg: WorldConfig) -> list[pd.Timestamp]:
    """First days of the months after the history's first 30 days, before `end`."""
    first = pd.Timestamp(cfg.start) + pd.Timedelta(days=30)
    return list(pd.date_range(first, pd.Timestamp(cfg.end) - pd.Timedelta(days=1), freq="MS"))


def _window_counts(
    events: pd.DataFrame, when: str, as_of: pd.Timestamp, days: int, value: str | None = None
) -> pd.Series:
    """Per account, rows (or the sum of `value`) with `when` in [as_of − days, as_of)."""
    t = events[when]
    lo, hi = as_of - pd.Timedelta(days=days), as_of
    if isinstance(t.dtype, pd.DatetimeTZDtype):
        lo, hi = lo.tz_localize("UTC"), hi.tz_localize("UTC")
    rows = events[(t >= lo) & (t < hi)]
    grouped = rows.groupby("account_id")
    return grouped[value].sum() if value else grouped.size()


def make_account_features(
    source: World | WorldConfig | None = None,
    *,
    horizon_days: int = 30,
    with_truth: bool = False,
    early_positives: bool = False,
) -> pd.DataFrame:
    """The `account_features` table for a world (made from the config when one is given).

    The label is empty for snapshots whose horizon has not ended by the world's `end`;
    `early_positives=True` fills in the 1s of churns that already happened (as a team
    updating its table on each churn would), leaving only the 0s unknown.
    """
    world = source if isinstance(source, World) else make_world(source)
    cfg = world.config
    rng = np.random.default_rng(cfg.seed + 2)
    acc = world.accounts.set_index("account_id")
    n = len(acc)
    monthly = (acc["arr"].astype("float64") / 12.0 * rng.uniform(0.97, 1.03, n)).round(2)
    payment = pd.Series(rng.choice(PAYMENT_METHODS, n, p=[0.35, 0.3, 0.25, 0.1]), index=acc.index)
    region = pd.Series(rng.choice(REGIONS, n, p=[0.45, 0.4, 0.15]), index=acc.index)
    term = world.ground_truth.set_index("account_id")["term_months"]
    daily_peak = world.usage.groupby(["account_id", "date"], as_index=False)["active_users"].max()
    failures = world.integration_runs[world.integration_runs["status"] == "failure"]
    end = pd.Timestamp(cfg.end)
    frames: list[pd.DataFrame] = []
    for as_of in snapshot_dates(cfg):
        churned = acc["churned_at"]
        active = (acc["created_at"] < as_of) & (churned.isna() | (churned > as_of))
        ids = acc.index[active]
        tenure = ((as_of - acc.loc[ids, "created_at"]).dt.days // 30).astype("int64")
        charges = monthly[ids]
        total = (tenure * charges * rng.normal(1.0, 0.01, len(ids))).round(2)
        t = world.tickets
        utc = as_of.tz_localize("UTC")
        is_open = (t["opened_at"] < utc) & ~(t["closed_at"] < utc)
        waiting = t[is_open & ~(t["first_response_at"] < utc)]
        gone = churned[ids]
        label = ((gone > as_of) & (gone <= as_of + pd.Timedelta(days=horizon_days))).astype("Int64")
        known = pd.Series(as_of + pd.Timedelta(days=horizon_days) < end, index=ids)
        if early_positives:
            known |= (label == 1) & (gone < end)
        label = label.where(known)
        frame = pd.DataFrame(
            {
                "as_of": as_of,
                "tenure_months": tenure,
                "monthly_charges": charges,
                "total_charges": total.where(tenure > 0),
                "contract_type": term[ids].map(CONTRACT_TYPES),
                "payment_method": payment[ids],
                "region": region[ids],
                "logins_30d": _window_counts(daily_peak, "date", as_of, 30, "active_users"),
                "sync_errors_30d": _window_counts(failures, "ts", as_of, 30),
                "support_calls_30d": _window_counts(t, "opened_at", as_of, 30),
                "unanswered_calls": waiting.groupby("account_id").size(),
                "failed_payments_90d": pd.Series(rng.poisson(0.15, len(ids)), index=ids),
                "churned_within_horizon": label,
            },
            index=ids,
        )
        frames.append(frame)
    out = pd.concat(frames).rename_axis("account_id").reset_index()
    counts = ["logins_30d", "sync_errors_30d", "support_calls_30d", "unanswered_calls"]
    out[counts] = out[counts].fillna(0).astype("int64")
    for col in ("contract_type", "payment_method", "region"):
        out[col] = out[col].astype("str")
    out["as_of"] = out["as_of"].astype("datetime64[s]")
    if with_truth:
        out["true_driver"] = out["account_id"].map(world.drivers).astype("str")
    return out
