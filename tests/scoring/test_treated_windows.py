"""Training leaves out snapshots whose label an action may have changed (a save is not a sign
that the risk was low)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from scoring.labels import drop_treated


def _snapshots() -> pd.DataFrame:
    days = pd.to_datetime(["2026-01-05", "2026-02-02", "2026-03-02", "2026-04-06"])
    return pd.DataFrame(
        {
            "as_of": list(days) * 2,
            "account_id": ["A"] * 4 + ["B"] * 4,
            "label": [0, 0, 0, 0, 0, 1, 0, 0],
        }
    )


def test_snapshots_of_an_account_acted_on_within_the_horizon_are_left_out() -> None:
    treated = pd.DataFrame({"account_id": ["A"], "acted_on": [dt.date(2026, 2, 20)]})
    clean, dropped = drop_treated(_snapshots(), treated, horizon_days=30)
    # A's snapshots of 2 Feb (label window holds the action) and 2 Mar (action 10 days before)
    assert dropped == 2
    kept_a = clean.loc[clean["account_id"] == "A", "as_of"].dt.strftime("%m-%d").tolist()
    assert kept_a == ["01-05", "04-06"]
    assert (clean["account_id"] == "B").sum() == 4


def test_with_nobody_treated_every_row_is_clean() -> None:
    empty = pd.DataFrame(columns=["account_id", "acted_on"])
    clean, dropped = drop_treated(_snapshots(), empty, horizon_days=30)
    assert dropped == 0 and len(clean) == 8
