"""Lead features as of a date: point in time, read in a second, and the same numbers whether the
source engine (DuckDB, SQLite, PostgreSQL) aggregates them or pandas does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from scoring.catalog import render_reason
from scoring.lead_catalog import LEAD_FEATURES, LEAD_MODEL_FEATURES, lead_tellable
from scoring.lead_features import (
    LeadParams,
    LeadSources,
    build_lead_features,
    lead_training_set,
)
from scoring.lead_sql_features import build_lead_features_sql
from storage.db import make_engine
from storage.source_engine import make_source_engine, prepare_embedded
from tests.scoring.lead_frames import AS_OF, random_leads, store_leads

PARAMS = LeadParams()


def _ts(days_before: int, hour: int = 10) -> dt.datetime:
    d = AS_OF - dt.timedelta(days=days_before)
    return dt.datetime(d.year, d.month, d.day, hour, tzinfo=dt.UTC)


def _acme() -> LeadSources:
    leads = pd.DataFrame(
        {
            "lead_id": ["L-1", "L-2", "L-3", "L-4", "L-5", "L-6"],
            "company": ["Acme", "Acme", "Acme", "Acme", "Globex", "Globex"],
            "owner_email": "jane@co.test",
            "source": "inbound",
            "segment": "smb",
            "employees": 40,
            "created_at": [AS_OF - dt.timedelta(days=30)] * 4
            + [AS_OF - dt.timedelta(days=20), AS_OF],
            "converted_at": [None, None, None, AS_OF, None, None],
            "disqualified_at": None,
        }
    )
    rows = [
        ("L-1", _ts(2), "demo_request"),
        ("L-1", _ts(3), "pricing_page"),
        ("L-1", _ts(3, 11), "pricing_page"),
        ("L-1", _ts(9), "email_reply"),
        ("L-1", _ts(0), "meeting"),  # on as_of itself: not yet seen
        *[(f"L-{i}", _ts(1), "trial_event") for i in (1, 2, 3, 4)],
        ("L-2", _ts(12), "trial_signup"),
        ("L-5", _ts(15), "web_visit"),
    ]
    activity = pd.DataFrame(rows, columns=["lead_id", "ts", "type"]).assign(detail=None)
    return LeadSources(leads, activity)


def test_a_rep_reads_a_demo_request_and_a_buying_group_in_a_second() -> None:
    f = build_lead_features(_acme(), AS_OF, PARAMS)
    row = f.loc["L-1"].to_dict()
    assert render_reason("demo_requests_14d", row, LEAD_FEATURES) == "Asked for a demo 2 days ago"
    assert (
        render_reason("company_trial_users_7d", row, LEAD_FEATURES)
        == "4 people from Acme active in the trial in the last 7 days"
    )
    assert (
        render_reason("pricing_page_visits_7d", row, LEAD_FEATURES)
        == "2 pricing page visits in the last 7 days"
    )
    assert render_reason("email_replies_14d", row, LEAD_FEATURES) == (
        "Replied to 1 email in the last 14 days"
    )


def test_only_open_leads_are_scored_and_nothing_on_or_after_as_of_is_seen() -> None:
    f = build_lead_features(_acme(), AS_OF, PARAMS)
    assert list(f.index) == ["L-1", "L-2", "L-3", "L-5"]  # L-4 converted, L-6 created today
    assert f.loc["L-1", "meetings_14d"] == 0
    assert f.loc["L-1", "activities_7d"] == 4
    assert f.loc["L-2", "trial_started"] == 1
    assert f.loc["L-5", "days_since_last_activity"] == 15
    assert f.loc["L-5", "company_people_active_7d"] == 0
    later = build_lead_features(_acme(), AS_OF + dt.timedelta(days=1), PARAMS)
    assert later.loc["L-1", "meetings_14d"] == 1


def test_a_single_person_or_a_zero_count_is_never_told_as_a_reason() -> None:
    assert not lead_tellable("company_people_active_7d", 1.0)
    assert lead_tellable("company_people_active_7d", 3.0)
    assert not lead_tellable("pricing_page_visits_7d", 0.0)
    assert all(
        LEAD_FEATURES[n].actionable is False
        for n in ("employees", "segment", "source", "lead_age_days")
    )


def test_the_label_is_conversion_within_the_horizon_after_as_of() -> None:
    src = _acme()
    src.leads.loc[src.leads["lead_id"] == "L-2", "converted_at"] = AS_OF + dt.timedelta(days=14)
    src.leads.loc[src.leads["lead_id"] == "L-3", "converted_at"] = AS_OF + dt.timedelta(days=15)
    rows = lead_training_set(src, [AS_OF], LeadParams(horizon_days=14)).set_index("lead_id")
    assert rows["label"].to_dict() == {"L-1": 0, "L-2": 1, "L-3": 0, "L-5": 0}


@pytest.fixture(params=["duckdb", "sqlite", "postgres"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty engine holding the contract's tables."""
    if request.param == "duckdb":
        engine = make_source_engine(f"duckdb:///{tmp_path / 'sources.duckdb'}")
        prepare_embedded(engine)
    elif request.param == "sqlite":
        engine = make_engine(request.getfixturevalue("sqlite_url"))
    else:
        engine = make_source_engine(request.getfixturevalue("pg_url"))
    yield engine
    engine.dispose()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lead_features_from_sql_equal_the_pandas_oracle(source: Engine, seed: int) -> None:
    src = random_leads(seed)
    store_leads(source, src)
    for as_of in (AS_OF, AS_OF - dt.timedelta(days=9), AS_OF - dt.timedelta(days=20)):
        got = build_lead_features_sql(source, as_of, PARAMS)
        want = build_lead_features(src, as_of, PARAMS)
        assert len(want) > 0
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9)
    assert set(LEAD_MODEL_FEATURES) <= set(got.columns)
