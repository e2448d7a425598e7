"""The lead tables checked where they live: SQL run by DuckDB or PostgreSQL names the broken
rule with the ingest's words, and no activity row is fetched into Python."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from storage.lead_models import Lead, LeadActivity
from storage.source_checks import sql_problems
from storage.source_engine import make_source_engine, prepare_embedded

NOW = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)


@pytest.fixture(params=["duckdb", "postgres"])
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "duckdb":
        engine = make_source_engine(f"duckdb:///{tmp_path / 'sources.duckdb'}")
        prepare_embedded(engine)
    else:
        engine = make_source_engine(request.getfixturevalue("pg_url"))
    yield engine
    engine.dispose()


def _lead(lead_id: str, **kw: object) -> dict[str, object]:
    row: dict[str, object] = {
        "lead_id": lead_id,
        "company": "Acme",
        "owner_email": "jane@co.test",
        "created_at": dt.date(2025, 4, 1),
        "converted_at": None,
        "disqualified_at": None,
    }
    return {**row, **kw}


def test_broken_lead_rows_in_a_source_read_in_place_are_named_by_sql(source: Engine) -> None:
    ts = dt.datetime(2025, 4, 20, 10, tzinfo=dt.UTC)
    with source.begin() as conn:
        conn.execute(
            insert(Lead),
            [_lead("L-1"), _lead("L-2", converted_at=dt.date(2025, 3, 1))],
        )
        conn.execute(
            insert(LeadActivity),
            [
                {"lead_id": "L-1", "ts": ts, "type": "demo_request", "detail": None},
                {"lead_id": "L-9", "ts": ts, "type": "web_visit", "detail": None},
                {"lead_id": "L-1", "ts": ts, "type": "fax", "detail": None},
            ],
        )
    problems = sql_problems(source, ["leads", "lead_activity"], now=NOW)
    assert (
        "leads.converted_at: 1 row converts before they were created (converted_at < "
        "created_at), e.g. L-2"
    ) in problems
    assert any(
        p.startswith("lead_activity.lead_id: 1 row references lead(s) not in leads, e.g. L-9")
        for p in problems
    ), problems
    assert any(
        p.startswith("lead_activity.type: 1 row has an unknown value (allowed: web_visit")
        for p in problems
    ), problems
    assert len(problems) == 3
