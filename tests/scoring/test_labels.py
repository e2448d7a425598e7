"""Training snapshots: matured horizons only, active accounts only, and a split by time."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest

from scoring.features import FeatureParams, build_features
from scoring.labels import LABEL, snapshot_dates, split_by_time, training_set
from tests.scoring.conftest import AS_OF, churn_company, frames

PARAMS = FeatureParams()
DAY = dt.timedelta(days=1)


def test_snapshot_dates_end_on_the_last_day_and_step_back_evenly() -> None:
    got = snapshot_dates(dt.date(2025, 1, 1), dt.date(2025, 1, 29), 7)
    assert got == [dt.date(2025, 1, d) for d in (1, 8, 15, 22, 29)]
    assert snapshot_dates(dt.date(2025, 1, 2), dt.date(2025, 1, 29), 7)[0] == dt.date(2025, 1, 8)
    assert snapshot_dates(dt.date(2025, 2, 1), dt.date(2025, 1, 29), 7) == []


def _account(aid: str, churned: dt.date | None, created: dt.date = dt.date(2024, 1, 1)) -> dict:
    return {
        "account_id": aid,
        "name": aid,
        "csm_email": "c@x.io",
        "segment": "SMB",
        "plan": "Pro",
        "arr": 1.0,
        "seats": 1,
        "created_at": created,
        "renewal_date": None,
        "churned_at": churned,
    }


def test_label_is_churn_within_the_horizon_after_as_of() -> None:
    snap = AS_OF - dt.timedelta(days=30)  # the only matured snapshot when last_as_of = AS_OF
    accounts = [
        _account("churns-next-day", snap + DAY),
        _account("churns-on-day-30", snap + 30 * DAY),
        _account("churns-on-day-31", snap + 31 * DAY),
        _account("churned-on-as-of", snap),
        _account("stays", None),
        _account("created-on-as-of", None, created=snap),
    ]
    usage = [
        {
            "account_id": "stays",
            "date": snap - 60 * DAY,
            "feature": "API",
            "active_users": 1,
            "events": 1,
        }
    ]
    train = training_set(
        frames(accounts, usage, [], []), AS_OF, PARAMS, every_days=30, history_days=30
    )
    assert list(train["as_of"].dt.date.unique()) == [snap]
    labels = dict(zip(train["account_id"], train[LABEL], strict=True))
    assert labels == {
        "churns-next-day": 1,
        "churns-on-day-30": 1,
        "churns-on-day-31": 0,
        "stays": 0,
    }


def test_only_matured_horizons_within_the_history_are_snapshots() -> None:
    src = churn_company(days=240)
    train = training_set(src, AS_OF, PARAMS, every_days=7, history_days=120)
    dates = sorted(train["as_of"].dt.date.unique())
    assert dates[-1] == AS_OF - dt.timedelta(days=30)
    assert dates[0] >= AS_OF - dt.timedelta(days=120)
    assert all((b - a).days == 7 for a, b in itertools.pairwise(dates))
    churned = src.accounts.set_index("account_id")["churned_at"]
    for row in train.itertuples():
        c = churned[row.account_id]
        as_of = pd.Timestamp(row.as_of)
        assert pd.isna(c) or c > as_of  # only accounts active at as_of
        expected = int(not pd.isna(c) and c <= as_of + pd.Timedelta(days=30))
        assert row.label == expected


def test_no_snapshot_before_the_data_has_run_two_windows() -> None:
    src = churn_company(days=100)
    train = training_set(src, AS_OF, PARAMS, every_days=7, history_days=540)
    first_event = src.usage["date"].min().date()
    assert train["as_of"].min().date() >= first_event + dt.timedelta(days=28)


def test_snapshot_features_are_the_features_of_that_day() -> None:
    src = churn_company()
    calls: list[tuple[int, int]] = []
    train = training_set(
        src,
        AS_OF,
        PARAMS,
        every_days=30,
        history_days=90,
        progress=lambda done, total: calls.append((done, total)),
    )
    n = train["as_of"].nunique()
    assert calls == [(i, n) for i in range(1, n + 1)]
    day = train["as_of"].max().date()
    rows = (
        train[train["as_of"].dt.date == day].set_index("account_id").drop(columns=["as_of", LABEL])
    )
    pd.testing.assert_frame_equal(rows, build_features(src, day, PARAMS))
    assert isinstance(train["segment"].dtype, pd.CategoricalDtype)


def _snapshots(n_dates: int, per_date: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    first = dt.date(2025, 1, 6)
    return pd.DataFrame(
        {
            "as_of": np.repeat(
                [pd.Timestamp(first + dt.timedelta(weeks=i)) for i in range(n_dates)], per_date
            ),
            "account_id": [f"a{i}" for i in range(per_date)] * n_dates,
            "x": rng.normal(size=n_dates * per_date),
            LABEL: (rng.random(n_dates * per_date) < 0.3).astype(int),
        }
    )


def test_time_split_holds_out_the_latest_whole_snapshot_dates() -> None:
    train = _snapshots(10)
    fit, val, how = split_by_time(train, 0.2)
    assert fit["as_of"].max() < val["as_of"].min()
    assert val["as_of"].nunique() == 2 and len(val) == 20
    assert how.startswith("time split: trained on 8 snapshots 2025-01-06 … 2025-02-24")
    assert "validated on 2 snapshots 2025-03-03 … 2025-03-10" in how


def test_time_split_keeps_at_least_one_date_on_each_side() -> None:
    fit, val, _ = split_by_time(_snapshots(2), 0.9)
    assert fit["as_of"].nunique() == 1 and val["as_of"].nunique() == 1


@pytest.mark.parametrize("label", [LABEL, "churned_within_horizon"])
def test_a_single_snapshot_date_is_split_stratified_and_says_so(label: str) -> None:
    train = _snapshots(1, per_date=50).rename(columns={LABEL: label})
    fit, val, how = split_by_time(train, 0.2)
    assert how.startswith("only one snapshot date (2025-01-06): stratified 80/20 split")
    assert len(fit) + len(val) == 50 and 8 <= len(val) <= 12
    assert fit[label].nunique() == 2 and val[label].nunique() == 2
    again = split_by_time(train, 0.2)[1]
    assert list(again.index) == list(val.index)


def test_tables_written_as_text_convert_to_the_dtypes_the_store_gives():
    import pandas as pd

    from storage.repositories.sources import frames_from_tables

    tables = {
        "accounts": pd.DataFrame(
            {
                "account_id": ["A"],
                "created_at": ["2025-01-02"],
                "renewal_date": [None],
                "churned_at": ["2025-06-01"],
            }
        ),
        "team": pd.DataFrame({"email": ["x@y.z"]}),
        "usage": pd.DataFrame({"account_id": ["A"], "date": ["2025-03-01"]}),
        "integration_runs": pd.DataFrame({"account_id": ["A"], "ts": ["2025-03-01T10:00:00Z"]}),
        "tickets": pd.DataFrame(
            {
                "account_id": ["A"],
                "opened_at": ["2025-03-01T10:00:00"],
                "first_response_at": [None],
                "closed_at": [None],
            }
        ),
    }
    src = frames_from_tables(tables)
    assert str(src.accounts["created_at"].dtype) == "datetime64[s]"
    assert str(src.usage["date"].dtype) == "datetime64[s]"
    assert str(src.integration_runs["ts"].dtype).startswith("datetime64") and "UTC" in str(
        src.integration_runs["ts"].dtype
    )
    assert pd.isna(src.tickets["closed_at"].iloc[0])
