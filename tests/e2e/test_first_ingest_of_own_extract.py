"""A new user's own extract through `atrisk ingest`, as they would run it: a messy first ingest
into an empty store is refused naming every problem and writes nothing; the fixed files go in;
the same files again change nothing. Files come from `own_extract`, written from the input
contract alone."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.e2e.own_extract import write_extract

EVENT_TABLES = ("accounts", "usage", "integration_runs", "tickets")


def atrisk(folder: Path, *args: str, source_url: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{folder / 'atrisk.db'}",
        ATRISK_SPEC=str(folder / "atrisk.yml"),
    )
    env.pop("ATRISK_SOURCE_URL", None)
    if source_url:
        env["ATRISK_SOURCE_URL"] = source_url
    code = "from bot.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, cwd=folder
    )


def stored(folder: Path) -> dict[str, int]:
    con = duckdb.connect(str(folder / "atrisk.sources.duckdb"), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in EVENT_TABLES}  # type: ignore[index]
    finally:
        con.close()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    spec = atrisk(tmp_path, "spec", "--example")
    (tmp_path / "atrisk.yml").write_text(spec.stdout)
    assert atrisk(tmp_path, "db", "upgrade").returncode == 0
    return tmp_path


def test_a_messy_first_ingest_names_every_problem_and_the_fixed_files_go_in_once(
    store: Path,
) -> None:
    messy, fixed = store / "messy", store / "fixed"
    write_extract(messy, accounts=200, months=2, faults=True)
    made = write_extract(fixed, accounts=200, months=2, faults=False)

    refused = atrisk(store, "ingest", str(messy))
    assert refused.returncode == 2
    for expected in (
        "accounts.created_at: 21 rows are not a date (YYYY-MM-DD), e.g. NW-00000 (",
        "accounts.account_id: 6 rows repeat the same account_id",
        "integration_runs.status: required column is missing from integration_runs.csv; "
        "found `sync_status` — did you mean `status`?",
        "tickets: tickets.csv is empty (0 bytes)",
        "usage.events: 1 row is not a whole number, e.g. ",
        "usage.account_id: ",
        "account(s) not in accounts, e.g. NW-GHOST",
    ):
        assert expected in refused.stderr
    assert "Traceback" not in refused.stderr
    assert stored(store) == dict.fromkeys(EVENT_TABLES, 0)

    first = atrisk(store, "ingest", str(fixed), "--json")
    assert first.returncode == 0, first.stderr
    tables = json.loads(first.stdout)["tables"]
    assert {t: tables[t]["inserted"] for t in EVENT_TABLES} == {t: made[t] for t in EVENT_TABLES}
    assert stored(store) == {t: made[t] for t in EVENT_TABLES}

    again = json.loads(atrisk(store, "ingest", str(fixed), "--json").stdout)["tables"]
    assert all(again[t]["inserted"] == again[t]["updated"] == 0 for t in again)
    assert stored(store) == {t: made[t] for t in EVENT_TABLES}


def test_event_ids_a_parquet_file_stores_as_floats_match_their_accounts(store: Path) -> None:
    """pandas writes an integer id column with a gap as float64: 1001.0 is account 1001."""
    extract = store / "extract"
    write_extract(extract, accounts=50, months=2, messy=False, faults=False)
    usage = pq.read_table(extract / "usage.parquet")
    ids = [float("1" + a[3:]) for a in usage["account_id"].to_pylist()]
    pq.write_table(usage.set_column(0, "account_id", pa.array(ids)), extract / "usage.parquet")
    accounts = (extract / "accounts.csv").read_text()
    (extract / "accounts.csv").write_text(accounts.replace("NW-", "1"))
    for name in ("integration_runs.csv", "tickets.csv"):
        (extract / name).write_text("\n".join((extract / name).read_text().splitlines()[:1]))

    done = atrisk(store, "ingest", str(extract))

    assert done.returncode == 0, done.stderr
    con = duckdb.connect(str(store / "atrisk.sources.duckdb"), read_only=True)
    kept = {r[0] for r in con.execute("SELECT DISTINCT account_id FROM usage").fetchall()}
    con.close()
    assert kept == {str(int(i)) for i in ids}


def test_usage_dates_a_parquet_file_delivers_as_local_midnight_keep_their_calendar_day(
    store: Path,
) -> None:
    """A BI tool writes `date` as timestamp[us, Europe/Berlin] at local midnight (22:00 or 23:00
    UTC the day before): the stored date is the day as written, never shifted."""
    extract = store / "extract"
    write_extract(extract, accounts=50, months=2, messy=False, faults=False)
    usage = pq.read_table(extract / "usage.parquet")
    days = usage["date"].to_pylist()
    berlin = pa.array(
        [dt.datetime.fromisoformat(d).replace(tzinfo=ZoneInfo("Europe/Berlin")) for d in days],
        pa.timestamp("us", tz="Europe/Berlin"),
    )
    pq.write_table(usage.set_column(1, "date", berlin), extract / "usage.parquet")

    done = atrisk(store, "ingest", str(extract))

    assert done.returncode == 0, done.stderr
    con = duckdb.connect(str(store / "atrisk.sources.duckdb"), read_only=True)
    kept = sorted(str(r[0]) for r in con.execute("SELECT date FROM usage").fetchall())
    con.close()
    assert kept == sorted(days)


def test_an_ingest_whose_source_url_is_the_database_url_writes_there_without_a_lock(
    store: Path,
) -> None:
    """`ATRISK_SOURCE_URL` equal to `DATABASE_URL` (input-contract.md): one database, so one
    transaction, not a second connection waiting on the first's lock."""
    extract = store / "extract"
    made = write_extract(extract, accounts=50, months=2, faults=False)

    done = atrisk(store, "ingest", str(extract), source_url=f"sqlite:///{store / 'atrisk.db'}")

    assert done.returncode == 0, done.stderr
    assert not (store / "atrisk.sources.duckdb").exists()
    con = sqlite3.connect(store / "atrisk.db")
    assert con.execute("SELECT count(*) FROM usage").fetchone()[0] == made["usage"]
    con.close()
