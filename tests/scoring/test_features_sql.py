"""SQL features and stored-table reads equal the pandas features, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine

from scoring.features import FeatureParams, build_features, lookback_days
from scoring.sql_features import build_features_sql
from storage.repositories.sources import load_sources
from tests.scoring.conftest import AS_OF, random_sources, store_sources

PARAMS = FeatureParams()


@pytest.mark.parametrize("seed", [1, 4, 6])
def test_sql_features_equal_the_pandas_features(engine: Engine, seed: int) -> None:
    src = random_sources(seed, n_accounts=6)
    store_sources(engine, src)
    for as_of in (AS_OF, AS_OF - dt.timedelta(days=11)):
        want = build_features(src, as_of, PARAMS)
        got = build_features_sql(engine, as_of, PARAMS)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9)


def test_sql_features_follow_other_windows(engine: Engine) -> None:
    src = random_sources(5, n_accounts=6)
    store_sources(engine, src)
    params = FeatureParams(key_features=("SSO", "Exports"), window_days=6, csat_days=30)
    got = build_features_sql(engine, AS_OF, params)
    pd.testing.assert_frame_equal(got, build_features(src, AS_OF, params), check_exact=False)


def test_stored_tables_read_back_give_the_same_features(engine: Engine) -> None:
    src = random_sources(2, n_accounts=6)
    store_sources(engine, src)
    loaded = load_sources(engine)
    assert len(loaded.usage) == len(src.usage)
    assert len(loaded.tickets) == len(src.tickets)
    pd.testing.assert_frame_equal(
        build_features(loaded, AS_OF, PARAMS), build_features(src, AS_OF, PARAMS)
    )


@pytest.mark.parametrize("seed", [3, 7])
def test_a_recent_slice_of_events_gives_the_same_features(engine: Engine, seed: int) -> None:
    src = random_sources(seed, n_accounts=6, days=200)
    store_sources(engine, src)
    params = FeatureParams(csat_days=30)
    since = AS_OF - dt.timedelta(days=lookback_days(params))
    recent = load_sources(engine, since=since, until=AS_OF + dt.timedelta(days=1))
    assert len(recent.usage) < len(src.usage)
    assert len(recent.integration_runs) <= len(src.integration_runs)
    for as_of in (AS_OF, AS_OF + dt.timedelta(days=1)):
        pd.testing.assert_frame_equal(
            build_features(recent, as_of, params), build_features(src, as_of, params)
        )


def test_a_teams_own_feature_table_reads_back_as_columns(engine: Engine) -> None:
    from sqlalchemy import insert

    from storage.models import AccountFeatureRow
    from storage.repositories.sources import load_account_features

    rows = [
        {
            "account_id": "a",
            "as_of": dt.date(2025, 5, 1),
            "features": {"health": 0.5, "tier": "gold", "logins": 3},
            "churned_within_horizon": 1,
        },
        {
            "account_id": "b",
            "as_of": dt.date(2025, 5, 1),
            "features": {"health": None, "tier": "silver", "logins": 0},
            "churned_within_horizon": 0,
        },
        {
            "account_id": "a",
            "as_of": dt.date(2025, 6, 1),
            "features": {"health": 0.1, "tier": None},
            "churned_within_horizon": None,
        },
    ]
    with engine.begin() as conn:
        conn.execute(insert(AccountFeatureRow), rows)
    table = load_account_features(engine)
    assert list(table.columns) == [
        "account_id",
        "as_of",
        "health",
        "tier",
        "logins",
        "churned_within_horizon",
    ]
    assert pd.api.types.is_float_dtype(table["health"])
    assert pd.api.types.is_float_dtype(table["logins"]) and pd.isna(table["logins"].iloc[2])
    assert pd.api.types.is_string_dtype(table["tier"]) and pd.isna(table["tier"].iloc[2])
    assert pd.api.types.is_datetime64_any_dtype(table["as_of"])
    assert table["churned_within_horizon"].tolist()[:2] == [1.0, 0.0]
    assert pd.isna(table["churned_within_horizon"].iloc[2])


RENEWALS_AS_OF = dt.date(2026, 11, 29)
#: renewal_date → days to its next calendar anniversary as of 2026-11-29
RENEWALS = {
    dt.date(2028, 11, 28): 364,  # 2027-11-28, not "0 days" (730 mod 365)
    dt.date(2028, 3, 1): 92,  # 2027-03-01, not 93 (458 mod 365)
    dt.date(2026, 11, 29): 0,
    dt.date(2026, 12, 24): 25,
    dt.date(2026, 3, 1): 92,  # past: the next 1 March
    dt.date(2024, 2, 29): 91,  # leap day: 28 Feb 2027
    dt.date(2025, 11, 29): 0,  # its anniversary is today
    dt.date(2025, 11, 28): 364,
}


def test_renewal_is_counted_in_calendar_days_on_sql_and_pandas(engine: Engine) -> None:
    src = random_sources(1, n_accounts=len(RENEWALS))
    acc = src.accounts.copy()
    acc["renewal_date"] = pd.to_datetime(list(RENEWALS)).astype("datetime64[s]")
    acc["created_at"] = pd.Timestamp("2020-01-01").as_unit("s")
    acc["churned_at"] = pd.NaT
    src = dataclasses.replace(src, accounts=acc)
    store_sources(engine, src)
    want = dict(zip(acc["account_id"].astype("str"), RENEWALS.values(), strict=True))
    for got in (
        build_features(src, RENEWALS_AS_OF, PARAMS),
        build_features_sql(engine, RENEWALS_AS_OF, PARAMS),
    ):
        assert got["days_to_renewal"].to_dict() == {a: float(d) for a, d in want.items()}


#: (renewal_date, plan) → days to the next renewal as of 2026-11-29 on the plan's term
TERMS_AS_OF = dt.date(2026, 11, 29)
TERMS = {
    (dt.date(2026, 1, 31), "Monthly"): 1,  # … 31 Oct, 30 Nov (a month without the 31st)
    (dt.date(2027, 3, 5), "Monthly"): 6,  # a future date: the monthly renewal on 5 Dec
    (dt.date(2026, 11, 29), "Monthly"): 0,
    (dt.date(2025, 3, 1), "Three-year"): 458,  # 2028-03-01 (annual would say 92)
    (dt.date(2030, 6, 1), "Three-year"): 184,  # 2027-06-01: three years before 2030-06-01
    (dt.date(2023, 11, 30), "Three-year"): 1,  # 2026-11-30
    (dt.date(2028, 11, 28), "Annual"): 364,  # the default term
}
TERM_PARAMS = dataclasses.replace(
    PARAMS, renewal_term_months=12, renewal_terms_by_plan=(("Monthly", 1), ("Three-year", 36))
)


def test_monthly_and_three_year_terms_renew_on_their_own_cycle_on_sql_and_pandas(
    engine: Engine,
) -> None:
    src = random_sources(2, n_accounts=len(TERMS))
    acc = src.accounts.copy()
    acc["renewal_date"] = pd.to_datetime([d for d, _ in TERMS]).astype("datetime64[s]")
    acc["plan"] = pd.Series([p for _, p in TERMS], dtype="str")
    acc["created_at"] = pd.Timestamp("2020-01-01").as_unit("s")
    acc["churned_at"] = pd.NaT
    src = dataclasses.replace(src, accounts=acc)
    store_sources(engine, src)
    want = {
        a: float(d) for a, d in zip(acc["account_id"].astype("str"), TERMS.values(), strict=True)
    }
    pandas = build_features(src, TERMS_AS_OF, TERM_PARAMS)
    sql = build_features_sql(engine, TERMS_AS_OF, TERM_PARAMS)
    assert pandas["days_to_renewal"].to_dict() == want
    assert sql["days_to_renewal"].to_dict() == want
    annual = build_features(src, TERMS_AS_OF, PARAMS)["days_to_renewal"]
    assert annual.loc[acc["account_id"].iloc[0]] != want[acc["account_id"].iloc[0]]
