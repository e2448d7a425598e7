"""A valid extract is stored once, re-ingests are upserts, and a crash writes nothing."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

import storage.ingest.load as load_module
from storage.db import make_engine
from storage.ingest import ingest
from storage.models import Account, AccountFeatureRow, IngestRun, IntegrationRun, Ticket, Usage
from tests.storage.ingest.conftest import (
    ACCOUNTS,
    NEWEST_EVENT,
    USAGE,
    edit,
    table_counts,
    write_company,
)

EXPECTED = {"accounts": 5, "team": 3, "usage": 6, "integration_runs": 4, "tickets": 3}


def test_a_valid_extract_is_stored_with_an_ingest_run(db, company):
    report = ingest(company, db)

    counts = table_counts(db)
    assert {t: counts[t] for t in EXPECTED} == EXPECTED
    assert counts["ingest_runs"] == 1
    assert report.data_through == dt.date.fromisoformat(NEWEST_EVENT)
    assert {t: c.inserted for t, c in report.tables.items()} == EXPECTED
    with Session(db) as s:
        run = s.scalars(select(IngestRun)).one()
        assert run.status == "succeeded"
        assert run.row_counts == EXPECTED
        assert run.data_through == dt.date.fromisoformat(NEWEST_EVENT)
        assert run.source == str(company.resolve())
        hooli = s.get(Account, "A-5")
        assert hooli is not None and hooli.churned_at == dt.date(2025, 5, 20)
        assert s.get(Account, "A-2").arr == 36000.5  # type: ignore[union-attr]


def test_timestamps_are_stored_in_utc_whether_or_not_they_had_an_offset(db, company):
    ingest(company, db)
    with Session(db) as s:
        runs = {r.account_id: r.ts for r in s.scalars(select(IntegrationRun))}
    as_utc = {
        k: v.replace(tzinfo=None) if v.tzinfo is None else v.astimezone(dt.UTC)
        for k, v in runs.items()
    }
    naive = {k: v.replace(tzinfo=None) for k, v in as_utc.items()}
    assert naive["A-2"] == dt.datetime(2025, 5, 2, 7, 0)  # naive: read as UTC
    assert naive["A-4"] == dt.datetime(2025, 5, 3, 4, 0)  # +02:00 → 04:00 UTC


def test_ingesting_the_same_extract_twice_adds_no_rows(db, company):
    ingest(company, db)
    again = ingest(company, db)

    counts = table_counts(db)
    assert {t: counts[t] for t in EXPECTED} == EXPECTED
    assert all(c.inserted == 0 and c.updated == 0 for c in again.tables.values())
    assert {t: c.unchanged for t, c in again.tables.items()} == EXPECTED
    assert counts["ingest_runs"] == 2


def test_a_newer_extract_updates_changed_rows_and_keeps_rows_it_does_not_mention(
    db, company, make_company
):
    ingest(company, db)
    newer = make_company(
        accounts=edit(ACCOUNTS, "2025-12-01,\n", "2025-12-01,2025-06-01\n"),
        usage="account_id,date,feature,active_users,events\n"
        "A-1,2025-05-02,Reports,6,50\nA-1,2025-05-04,Reports,1,2\n",
    )
    report = ingest(newer, db)

    assert report.tables["accounts"].updated == 1
    assert report.tables["usage"].inserted == 1 and report.tables["usage"].updated == 1
    assert report.data_through == dt.date(2025, 5, 4)
    with Session(db) as s:
        assert s.get(Account, "A-1").churned_at == dt.date(2025, 6, 1)  # type: ignore[union-attr]
        changed = s.get(Usage, ("A-1", dt.date(2025, 5, 2), "Reports"))
        assert changed is not None and changed.events == 50
        assert s.get(Usage, ("A-2", dt.date(2025, 5, 1), "Dashboards")) is not None  # kept
    assert table_counts(db)["usage"] == 7


def test_a_crash_while_loading_leaves_the_database_as_it_was(
    db, company, make_company, monkeypatch
):
    ingest(company, db)
    before = table_counts(db)
    real = load_module.load_table

    def crash_on_tickets(conn, name, data, progress=None):
        if name == "tickets":
            raise RuntimeError("disk full")
        return real(conn, name, data, progress)

    monkeypatch.setattr(load_module, "load_table", crash_on_tickets)
    newer = make_company(usage=USAGE + "A-1,2025-05-04,Reports,1,2\n")
    with pytest.raises(RuntimeError, match="disk full"):
        ingest(newer, db)

    assert table_counts(db) == before


def test_a_folder_of_parquet_files_ingests_like_csv(db, company, tmp_path):
    folder = tmp_path / "parquet"
    folder.mkdir()
    for path in company.glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
        for col in ("arr", "seats", "active_users", "events", "csat"):
            if col in frame:
                frame[col] = pd.to_numeric(frame[col])
        for col in ("created_at", "renewal_date", "churned_at", "date"):
            if col in frame:
                frame[col] = pd.to_datetime(frame[col]).dt.date
        frame.to_parquet(folder / f"{path.stem}.parquet", index=False)

    report = ingest(folder, db)

    assert {t: c.rows for t, c in report.tables.items()} == EXPECTED
    with Session(db) as s:
        assert s.get(Account, "A-4").seats == 200  # type: ignore[union-attr]
        assert s.get(Ticket, "T-2").closed_at is None  # type: ignore[union-attr]


def test_a_database_url_source_ingests_its_tables(db, company, tmp_path):
    source = tmp_path / "warehouse.db"
    src = make_engine(f"sqlite:///{source}", create=True)
    with src.begin() as conn:
        for path in company.glob("*.csv"):
            pd.read_csv(path, dtype=str).to_sql(path.stem, conn, index=False)
        pd.DataFrame({"x": [1]}).to_sql("ground_truth", conn, index=False)
    src.dispose()

    report = ingest(f"sqlite:///{source}", db)

    assert {t: c.rows for t, c in report.tables.items()} == EXPECTED
    assert report.data_through == dt.date.fromisoformat(NEWEST_EVENT)


def test_events_may_reference_accounts_stored_by_an_earlier_ingest(db, company, make_company):
    ingest(company, db)
    only_usage = make_company(
        accounts=None,
        team=None,
        integration_runs=None,
        tickets=None,
        usage="account_id,date,feature,active_users,events\nA-3,2025-05-05,API,2,9\n",
    )
    report = ingest(only_usage, db, required_tables=["usage"])
    assert report.tables["usage"].inserted == 1


def test_a_teams_own_feature_table_is_stored_as_json_with_its_label(db, company):
    (company / "account_features.csv").write_text(
        "account_id,as_of,logins_30d,tier,churned_within_horizon\n"
        "A-1,2025-04-01,12,gold,0\nA-2,2025-04-01,3.5,,1\nA-3,2025-04-01,,silver,\n",
        encoding="utf-8",
    )
    ingest(company, db, required_tables=["accounts", "account_features"])
    with Session(db) as s:
        rows = {r.account_id: r for r in s.scalars(select(AccountFeatureRow))}
    features = {
        k: r.features if isinstance(r.features, dict) else json.loads(r.features)
        for k, r in rows.items()
    }
    assert features["A-1"] == {"logins_30d": 12.0, "tier": "gold"}
    assert features["A-2"] == {"logins_30d": 3.5, "tier": None}
    assert rows["A-2"].churned_within_horizon == 1
    assert rows["A-3"].churned_within_horizon is None


def test_header_only_event_files_are_accepted(db, make_company):
    folder = make_company(
        usage="account_id,date,feature,active_users,events\n",
        tickets="ticket_id,account_id,opened_at\n",
    )
    report = ingest(folder, db)
    assert report.tables["usage"].rows == 0 and report.tables["tickets"].rows == 0


def test_progress_is_reported_per_table_by_rows(db, company):
    seen: dict[str, tuple[int, int]] = {}
    ingest(company, db, progress=lambda t, done, total: seen.__setitem__(t, (done, total)))
    assert seen["usage"] == (6, 6) and seen["accounts"] == (5, 5)


def test_extra_files_in_the_folder_are_ignored(db, company):
    (company / "ground_truth.csv").write_text("account_id,churn\nA-1,1\n", encoding="utf-8")
    (company / "notes.txt").write_text("hello", encoding="utf-8")
    report = ingest(company, db)
    assert set(report.tables) == set(EXPECTED)


def test_a_company_written_twice_in_one_folder_as_csv_and_parquet_is_refused(company):
    pd.read_csv(company / "team.csv").to_parquet(company / "team.parquet")
    from storage.errors import ContractViolation

    with pytest.raises(ContractViolation, match="team: both"):
        ingest(company, make_engine("sqlite://"))


def test_write_company_helper_writes_every_table(tmp_path):
    folder = write_company(tmp_path / "x")
    assert sorted(p.stem for p in folder.iterdir()) == sorted(EXPECTED)


def test_a_crash_during_a_bulk_load_into_empty_tables_keeps_their_indexes(db, company, monkeypatch):
    import storage.ingest.load_postgres as pg_load
    import storage.ingest.load_sqlite as sqlite_load

    monkeypatch.setattr(pg_load, "BULK_ROWS", 1)
    monkeypatch.setattr(sqlite_load, "BULK_ROWS", 1)
    indexes = {t: sorted(i["name"] for i in inspect(db).get_indexes(t)) for t in EXPECTED}
    real = load_module.load_table

    def crash_on_tickets(conn, name, data, progress=None):
        if name == "tickets":
            raise RuntimeError("disk full")
        return real(conn, name, data, progress)

    monkeypatch.setattr(load_module, "load_table", crash_on_tickets)
    with pytest.raises(RuntimeError):
        ingest(company, db)

    assert all(n == 0 for n in table_counts(db).values())
    assert {t: sorted(i["name"] for i in inspect(db).get_indexes(t)) for t in EXPECTED} == indexes


def test_a_bulk_load_into_empty_tables_rebuilds_their_keys_and_indexes(db, company, monkeypatch):
    import storage.ingest.load_postgres as pg_load
    import storage.ingest.load_sqlite as sqlite_load

    monkeypatch.setattr(pg_load, "BULK_ROWS", 1)
    monkeypatch.setattr(sqlite_load, "BULK_ROWS", 1)
    indexes = {t: sorted(i["name"] for i in inspect(db).get_indexes(t)) for t in EXPECTED}
    keys = {t: inspect(db).get_pk_constraint(t)["constrained_columns"] for t in EXPECTED}

    ingest(company, db)
    again = ingest(company, db)

    assert {t: sorted(i["name"] for i in inspect(db).get_indexes(t)) for t in EXPECTED} == indexes
    assert {t: inspect(db).get_pk_constraint(t)["constrained_columns"] for t in EXPECTED} == keys
    assert {t: c.unchanged for t, c in again.tables.items()} == EXPECTED
