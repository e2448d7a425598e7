"""Upserts into the embedded DuckDB source, whose event tables carry no primary key: one copy of
each row however often a file is ingested, changed rows replaced, later months appended, values
typed as the pandas path types them, and files made by the previous version still working."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select, text

from storage.ingest import ingest
from storage.models import Base
from storage.source_engine import UNKEYED, make_source_engine, prepare_embedded
from tests.storage.ingest.conftest import INTEGRATION_RUNS, USAGE, edit

EVENTS = ("usage", "integration_runs", "tickets")
KEYS = {"usage": "account_id, date, feature", "integration_runs": "account_id, ts, integration"}


@pytest.fixture
def duck(tmp_path: Path) -> Iterator[Engine]:
    engine = make_source_engine(f"duckdb:///{tmp_path / 'sources.duckdb'}")
    prepare_embedded(engine)
    yield engine
    engine.dispose()


def _count(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        table = Base.metadata.tables[name]
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _distinct_keys(engine: Engine, name: str) -> int:
    key = KEYS.get(name, "ticket_id")
    with engine.connect() as conn:
        sql = f"SELECT count(*) FROM (SELECT DISTINCT {key} FROM {name})"
        return int(conn.execute(text(sql)).scalar_one())


def _keyed(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        sql = (
            "SELECT (SELECT count(*) FROM duckdb_constraints() WHERE table_name = :t "
            "AND constraint_type = 'PRIMARY KEY') + "
            "(SELECT count(*) FROM duckdb_indexes() WHERE table_name = :t)"
        )
        return bool(conn.execute(text(sql), {"t": name}).scalar_one())


def test_ingesting_the_same_file_twice_keeps_one_copy_of_each_row(
    company: Path, db: Engine, duck: Engine
) -> None:
    ingest(company, db, source_engine=duck)
    again = ingest(company, db, source_engine=duck)
    for name in EVENTS:
        assert again.tables[name].inserted == 0
        assert again.tables[name].updated == 0
        assert _count(duck, name) == _distinct_keys(duck, name) > 0
    assert _count(duck, "usage") == 6


def test_a_changed_row_replaces_the_stored_one_and_new_rows_are_added(
    make_company: Callable[..., Path], db: Engine, duck: Engine
) -> None:
    ingest(make_company(), db, source_engine=duck)
    usage = edit(USAGE, "A-1,2025-05-02,Reports,5,41", "A-1,2025-05-02,Reports,6,44")
    usage += "A-2,2025-05-03,Dashboards,11,150\n"
    runs = edit(INTEGRATION_RUNS, "failure,token expired", "failure,rate limited")
    report = ingest(make_company(usage=usage, integration_runs=runs), db, source_engine=duck)
    assert (report.tables["usage"].inserted, report.tables["usage"].updated) == (1, 1)
    assert (report.tables["integration_runs"].updated, report.tables["tickets"].updated) == (1, 0)
    with duck.connect() as conn:
        row = conn.execute(
            text(
                "SELECT active_users, events FROM usage "
                "WHERE account_id = 'A-1' AND date = DATE '2025-05-02'"
            )
        ).one()
        error = conn.execute(
            text("SELECT error FROM integration_runs WHERE status = 'failure'")
        ).scalar_one()
    assert tuple(row) == (6, 44)
    assert error == "rate limited"
    assert _count(duck, "usage") == _distinct_keys(duck, "usage") == 7


def test_a_later_month_is_appended_and_the_stored_months_are_kept(
    make_company: Callable[..., Path], db: Engine, duck: Engine
) -> None:
    ingest(make_company(), db, source_engine=duck)
    june = "account_id,date,feature,active_users,events\nA-1,2025-06-01,Reports,3,20\n"
    report = ingest(make_company(usage=june), db, source_engine=duck)
    assert report.tables["usage"].inserted == 1
    assert _count(duck, "usage") == 7
    assert str(report.data_through) == "2025-06-01"


def test_values_written_loosely_are_stored_as_the_application_database_stores_them(
    make_company: Callable[..., Path], db: Engine, duck: Engine
) -> None:
    """Padded, zero-led, decimal and exponent numbers, dates with a time, invisible characters
    around ids: the engine's typing equals the pandas path's."""
    usage = (
        "account_id,date,feature,active_users,events\n"
        "A-1,2025-05-01,Reports, 4 ,030\n"
        "\u200bA-1,2025-05-02T00:00:00Z,Reports,5.0,1e2\n"
        "A-2,2025-05-01 ,Dashboards,\ufeff12,200\n"
        "A-3,2025-05-02,API,1,2147483647\n"
    )
    company = make_company(usage=usage)
    ingest(company, db, source_engine=duck)
    ingest(company, db)  # the application database itself, typed by pandas
    query = "SELECT account_id, CAST(date AS VARCHAR) AS date, feature, active_users, events "
    query += "FROM usage ORDER BY account_id, date"
    with duck.connect() as conn:
        got = pd.read_sql(text(query), conn)
    with db.connect() as conn:
        want = pd.read_sql(text(query), conn)
    want["date"] = want["date"].str[:10]
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert got["events"].tolist() == [30, 100, 200, 2147483647]


def test_event_tables_of_the_embedded_source_have_no_primary_key_or_index(duck: Engine) -> None:
    for name in UNKEYED:
        assert not _keyed(duck, name), name
    assert _keyed(duck, "accounts")


def test_an_existing_source_file_from_the_previous_version_still_ingests(
    tmp_path: Path, company: Path, db: Engine
) -> None:
    path = tmp_path / "old.sources.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute(
        "CREATE TABLE usage (account_id VARCHAR(128) NOT NULL, date DATE NOT NULL, "
        "feature VARCHAR(128) NOT NULL, active_users INTEGER NOT NULL, events INTEGER NOT NULL, "
        "PRIMARY KEY (account_id, date, feature))"
    )
    conn.execute("CREATE INDEX ix_usage_date ON usage (date)")
    conn.execute(
        "INSERT INTO usage VALUES ('A-1', '2025-05-01', 'Reports', 4, 30), "
        "('A-1', '2025-04-01', 'Reports', 1, 2)"
    )
    conn.execute(
        "CREATE TABLE tickets (ticket_id VARCHAR(128) NOT NULL PRIMARY KEY, "
        "account_id VARCHAR(128) NOT NULL, opened_at TIMESTAMPTZ NOT NULL, "
        "first_response_at TIMESTAMPTZ, closed_at TIMESTAMPTZ, priority VARCHAR(16))"
    )  # made before tickets.csat: the column is added, the rows kept
    conn.execute("CREATE INDEX ix_tickets_account_id ON tickets (account_id)")
    conn.execute(
        "INSERT INTO tickets VALUES ('T-1', 'A-1', '2025-05-01 09:00:00+00', NULL, NULL, 'high')"
    )
    conn.close()
    engine = make_source_engine(f"duckdb:///{path}")
    try:
        prepare_embedded(engine)
        prepare_embedded(engine)  # idempotent: nothing left to rebuild
        assert not _keyed(engine, "usage") and not _keyed(engine, "tickets")
        assert _count(engine, "usage") == 2 and _count(engine, "tickets") == 1
        report = ingest(company, db, source_engine=engine)
        assert report.tables["usage"].inserted == 5  # A-1 on 2025-05-01 was there already
        assert report.tables["tickets"].inserted == 2
        assert report.tables["tickets"].updated == 1  # T-1 now has its response and csat
        ingest(company, db, source_engine=engine)
        assert _count(engine, "usage") == _distinct_keys(engine, "usage") == 7
        assert _count(engine, "tickets") == _distinct_keys(engine, "tickets") == 3
    finally:
        engine.dispose()
