"""Point in time: nothing on or after ``as_of`` can change an account's features."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scoring.features import FeatureParams, build_features
from storage.repositories.sources import SourceFrames
from tests.scoring.conftest import AS_OF, frames, random_sources, with_frames

PARAMS = FeatureParams()
CUT = pd.Timestamp(AS_OF, tz="UTC")


def _future(src: SourceFrames, seed: int) -> SourceFrames:
    """The same history plus events on or after AS_OF, and replies/closures after it."""
    rng = np.random.default_rng(seed)
    ids = list(src.accounts["account_id"])
    usage = pd.DataFrame(
        {
            "account_id": rng.choice(ids, 40),
            "date": [AS_OF + dt.timedelta(days=int(d)) for d in rng.integers(0, 5, 40)],
            "feature": rng.choice(["Reports", "SSO", "API", "Brand-new"], 40),
            "active_users": rng.integers(0, 50, 40),
            "events": rng.integers(1, 100, 40),
        }
    ).drop_duplicates(["account_id", "date", "feature"])
    existing = set(
        zip(src.usage["account_id"], src.usage["date"].dt.date, src.usage["feature"], strict=True)
    )
    usage = usage[
        [
            (a, d, f) not in existing
            for a, d, f in zip(usage["account_id"], usage["date"], usage["feature"], strict=True)
        ]
    ]
    usage["date"] = pd.to_datetime(usage["date"]).astype("datetime64[s]")
    runs = pd.DataFrame(
        {
            "account_id": rng.choice(ids, 30),
            "ts": [CUT + pd.Timedelta(seconds=int(s)) for s in rng.integers(0, 86_400 * 3, 30)],
            "integration": rng.choice(["Salesforce", "HubSpot", "Jira"], 30),
            "status": rng.choice(["success", "failure"], 30),
            "error": None,
        }
    )
    tickets = src.tickets.copy()
    pending = tickets["closed_at"].isna() | (tickets["closed_at"] >= CUT)
    tickets.loc[pending, "closed_at"] = CUT + pd.Timedelta(hours=1)
    unanswered = tickets["first_response_at"].isna()
    tickets.loc[unanswered, "first_response_at"] = CUT
    new_tickets = pd.DataFrame(
        {
            "ticket_id": [f"new-{i}" for i in range(10)],
            "account_id": rng.choice(ids, 10),
            "opened_at": [CUT + pd.Timedelta(minutes=int(m)) for m in rng.integers(0, 500, 10)],
            "first_response_at": pd.NaT,
            "closed_at": pd.NaT,
            "priority": "urgent",
            "csat": 1.0,
        }
    )
    newcomer = src.accounts.iloc[[0]].assign(
        account_id="newcomer", created_at=pd.Timestamp(AS_OF).as_unit("s")
    )
    return with_frames(
        src,
        accounts=pd.concat([src.accounts, newcomer], ignore_index=True),
        usage=pd.concat([src.usage, usage], ignore_index=True),
        integration_runs=pd.concat([src.integration_runs, runs], ignore_index=True),
        tickets=pd.concat([tickets, new_tickets], ignore_index=True),
    )


@pytest.mark.parametrize("seed", range(1, 7))
def test_rows_dated_on_or_after_as_of_change_nothing(seed: int) -> None:
    src = random_sources(seed, n_accounts=6)
    before = build_features(src, AS_OF, PARAMS)
    after = build_features(_future(src, seed), AS_OF, PARAMS)
    pd.testing.assert_frame_equal(before, after)


def test_an_event_one_second_before_midnight_counts_and_one_at_midnight_does_not() -> None:
    accounts = [
        {
            "account_id": "a",
            "name": "A",
            "csm_email": "c@x.io",
            "segment": "SMB",
            "plan": "Pro",
            "arr": 1.0,
            "seats": 1,
            "created_at": dt.date(2024, 1, 1),
            "renewal_date": None,
            "churned_at": None,
        }
    ]
    runs = [
        {
            "account_id": "a",
            "ts": CUT - pd.Timedelta(seconds=1),
            "integration": "S",
            "status": "failure",
        },
        {"account_id": "a", "ts": CUT, "integration": "S", "status": "success"},
    ]
    tickets = [
        {
            "ticket_id": "t",
            "account_id": "a",
            "opened_at": CUT - pd.Timedelta(days=3),
            "first_response_at": CUT,
            "closed_at": None,
            "priority": "high",
            "csat": None,
        },
    ]
    got = build_features(frames(accounts, [], runs, tickets), AS_OF, PARAMS).loc["a"]
    assert got["integration_failures_14d"] == 1
    assert got["consecutive_failures"] == 1
    assert got["broken_integrations"] == 1
    assert got["oldest_unanswered_ticket_days"] == 3
    assert got["oldest_unanswered_ticket_priority"] == "high"


def test_only_accounts_active_at_as_of_get_a_row() -> None:
    base = {
        "name": "n",
        "csm_email": "c@x.io",
        "segment": None,
        "plan": None,
        "arr": 0.0,
        "seats": 0,
        "renewal_date": None,
    }
    day = dt.timedelta(days=1)
    accounts = [
        {**base, "account_id": "created-today", "created_at": AS_OF, "churned_at": None},
        {**base, "account_id": "created-yesterday", "created_at": AS_OF - day, "churned_at": None},
        {
            **base,
            "account_id": "churned-today",
            "created_at": dt.date(2024, 1, 1),
            "churned_at": AS_OF,
        },
        {
            **base,
            "account_id": "churns-tomorrow",
            "created_at": dt.date(2024, 1, 1),
            "churned_at": AS_OF + day,
        },
        {
            **base,
            "account_id": "churned-before",
            "created_at": dt.date(2024, 1, 1),
            "churned_at": AS_OF - day,
        },
    ]
    got = build_features(frames(accounts, [], [], []), AS_OF, PARAMS)
    assert sorted(got.index) == ["churns-tomorrow", "created-yesterday"]
    assert got.loc["created-yesterday", "days_since_last_activity"] == 1
    assert pd.isna(got.loc["created-yesterday", "users_per_seat"])  # no seats: per seat unknown


@pytest.mark.parametrize("text_dtype", ["str", "object"])
def test_segment_and_plan_become_categories_from_text_columns(text_dtype: str) -> None:
    src = random_sources(3, n_accounts=6)
    accounts = src.accounts.copy()
    accounts["segment"] = accounts["segment"].astype(text_dtype)
    accounts["plan"] = accounts["plan"].astype(text_dtype)
    accounts["account_id"] = accounts["account_id"].astype(text_dtype)
    got = build_features(with_frames(src, accounts=accounts), AS_OF, PARAMS)
    for col in ("segment", "plan"):
        assert isinstance(got[col].dtype, pd.CategoricalDtype)
        assert list(got[col].cat.categories) == sorted(accounts[col].dropna().unique())
    assert (
        got["plan"].isna().any()
        == accounts.set_index("account_id").loc[got.index, "plan"].isna().any()
    )
