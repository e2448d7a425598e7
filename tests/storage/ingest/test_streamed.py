"""Ingest into the embedded DuckDB source: event files read and checked by DuckDB, never held in
pandas, refused with the usual messages, and all-or-nothing even when the process dies."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select, text

from storage.errors import ContractViolation
from storage.ingest import ingest
from storage.models import Base
from storage.source_engine import make_source_engine, prepare_embedded
from tests.storage.ingest.conftest import INTEGRATION_RUNS, TICKETS, USAGE, edit

EVENTS = ("usage", "integration_runs", "tickets")


@pytest.fixture
def duck(tmp_path: Path) -> Iterator[Engine]:
    engine = make_source_engine(f"duckdb:///{tmp_path / 'sources.duckdb'}")
    prepare_embedded(engine)
    yield engine
    engine.dispose()


def _rows(engine: Engine, name: str) -> pd.DataFrame:
    t = Base.metadata.tables[name]
    keys = [c for c in t.primary_key.columns]
    with engine.connect() as conn:
        frame = pd.read_sql(select(t).order_by(*keys), conn)
    for col in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            frame[col] = pd.to_datetime(frame[col], utc=True)
        elif frame[col].dtype == object and frame[col].notna().any():
            first = frame[col].dropna().iloc[0]
            if hasattr(first, "isoformat"):
                frame[col] = frame[col].map(lambda v: None if v is None else str(v)[:10])
    return frame


def _count(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(select(func.count()).select_from(Base.metadata.tables[name])).one()[0]
        )


def test_streamed_events_equal_what_the_application_database_path_stores(
    company: Path, db: Engine, duck: Engine
) -> None:
    report = ingest(company, db, source_engine=duck)
    assert {n: report.tables[n].inserted for n in EVENTS} == {
        "usage": 6,
        "integration_runs": 4,
        "tickets": 3,
    }
    assert str(report.data_through) == "2025-05-03"
    ingest(company, db)  # the tables in the application database itself: typed by pandas
    for name in EVENTS:
        pd.testing.assert_frame_equal(_rows(duck, name), _rows(db, name), check_dtype=False)
    again = ingest(company, db, source_engine=duck)
    assert all(again.tables[n].unchanged == again.tables[n].rows for n in EVENTS)


def test_no_event_file_is_read_into_pandas(
    company: Path, db: Engine, duck: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.ingest.readers as readers

    real = readers._read_csv

    def only_small_tables(path, spec, problems):  # type: ignore[no-untyped-def]
        assert spec.name not in EVENTS, f"{spec.name} was read into pandas"
        return real(path, spec, problems)

    monkeypatch.setattr(readers, "_read_csv", only_small_tables)
    report = ingest(company, db, source_engine=duck)
    assert report.tables["usage"].rows == 6


def test_broken_event_rows_are_refused_with_table_column_rule_count_and_ids(
    make_company: Callable[..., Path], db: Engine, duck: Engine
) -> None:
    ingest(make_company(), db, source_engine=duck)
    usage = (
        edit(USAGE, "A-1,2025-05-02,Reports,5,41", "A-1,2025-05-02,Reports,-5,41")
        + "A-9,2025-05-02,Reports,x,3\nA-2,2025-05-01,Dashboards,12,200\n"
    )
    before = {n: _count(duck, n) for n in EVENTS}
    with pytest.raises(ContractViolation) as refused:
        ingest(make_company(usage=usage), db, source_engine=duck)
    problems = refused.value.problems
    assert "usage.active_users: 1 row is negative (must be ≥ 0), e.g. A-1/2025-05-02/Reports" in (
        problems
    )
    assert "usage.active_users: 1 row is not a whole number, e.g. A-9/2025-05-02/Reports ('x')" in (
        problems
    )
    assert (
        "usage.account_id+date+feature: 2 rows repeat the same (account_id, date, feature) "
        "(it must be unique), e.g. A-2/2025-05-01/Dashboards" in problems
    )
    assert "usage.account_id: 1 row references 1 account(s) not in accounts, e.g. A-9" in problems
    assert {n: _count(duck, n) for n in EVENTS} == before


def test_values_are_shown_as_written_when_refused_and_stored_typed_when_accepted(
    make_company: Callable[..., Path], db: Engine, duck: Engine
) -> None:
    """Each event file is parsed once: the typed values are kept and their text only where it
    could not be typed, yet a refusal still names the values as the file writes them."""
    runs = edit(INTEGRATION_RUNS, "salesforce,success,", "salesforce,SUCCESS,")
    runs = edit(runs, "hubspot,success,", "hubspot, Succeeded ,")
    tickets = edit(TICKETS, "high,4", "high, 9 ")
    tickets = edit(tickets, "2025-04-21T12:00:00Z,low", "21/04/2025,low")
    with pytest.raises(ContractViolation) as refused:
        ingest(make_company(integration_runs=runs, tickets=tickets), db, source_engine=duck)
    problems = refused.value.problems
    assert (
        "integration_runs.status: 1 row has an unknown value (allowed: success, failure), "
        "e.g. A-2/2025-05-02T07:00:00/hubspot ('Succeeded')" in problems
    )
    assert "tickets.csat: 1 row is outside 1–5, e.g. T-1 ('9')" in problems
    assert (
        "tickets.closed_at: 1 row is not an ISO 8601 timestamp, e.g. T-3 ('21/04/2025')" in problems
    )
    assert not any(p.startswith("integration_runs.status: 1 row is empty") for p in problems)
    assert {n: _count(duck, n) for n in EVENTS} == dict.fromkeys(EVENTS, 0)

    accepted = make_company(integration_runs=runs.replace(" Succeeded ", "Failure"))
    ingest(accepted, db, source_engine=duck)
    query = "SELECT account_id, status FROM integration_runs ORDER BY ts"
    with duck.connect() as conn:
        statuses = [tuple(r) for r in conn.execute(text(query)).all()]
    assert statuses == [
        ("A-1", "success"),
        ("A-1", "failure"),
        ("A-2", "failure"),
        ("A-4", "success"),
    ]


def test_rows_with_the_wrong_number_of_fields_are_named_by_line(
    make_company: Callable[..., Path], db: Engine, duck: Engine
) -> None:
    usage = USAGE + "A-1,2025-05-03,Reports,4\n"
    with pytest.raises(ContractViolation) as refused:
        ingest(make_company(usage=usage), db, source_engine=duck)
    assert any(
        p.startswith("usage: 1 row of usage.csv has the wrong number of fields, e.g. line 8")
        for p in refused.value.problems
    )


def test_a_row_appended_with_other_line_endings_is_refused_in_words_not_a_traceback(
    make_company: Callable[..., Path], db: Engine, duck: Engine
) -> None:
    """A CSV saved with CRLF endings and a row appended by hand with LF: DuckDB's sniffer gives
    up on the file; the person is told which file and what to do, and nothing is written."""
    before = {n: _count(duck, n) for n in EVENTS}
    usage = USAGE.replace("\n", "\r\n") + "A-1,2025-05-03,Reports,4,9\n"
    with pytest.raises(ContractViolation) as refused:
        ingest(make_company(usage=usage), db, source_engine=duck)
    [problem] = [p for p in refused.value.problems if p.startswith("usage:")]
    assert "usage.csv could not be read as CSV" in problem
    assert "line endings" in problem
    assert {n: _count(duck, n) for n in EVENTS} == before


def test_parquet_event_files_stream_too(
    company: Path, db: Engine, duck: Engine, tmp_path: Path
) -> None:
    frame = pd.read_csv(company / "usage.csv")
    frame["date"] = pd.to_datetime(frame["date"])
    (company / "usage.csv").unlink()
    frame.to_parquet(company / "usage.parquet")
    report = ingest(company, db, source_engine=duck)
    assert report.tables["usage"].inserted == 6
    with duck.connect() as conn:
        assert str(conn.execute(text("SELECT max(date) FROM usage")).scalar_one()) == "2025-05-03"


def test_parquet_columns_of_their_own_type_store_and_refuse_as_the_csv_does(
    make_company: Callable[..., Path], db: Engine, duck: Engine
) -> None:
    """Dates, whole numbers and UTC timestamps typed by the Parquet file are taken as they are;
    a value breaking a rule is still named as text, as from a CSV."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def as_parquet(folder: Path, usage: pd.DataFrame, runs: pd.DataFrame) -> Path:
        for name in ("usage", "integration_runs"):
            (folder / f"{name}.csv").unlink()
        usage = usage.assign(date=pd.to_datetime(usage["date"]).dt.date)
        runs = runs.assign(ts=pd.to_datetime(runs["ts"], utc=True, format="ISO8601"))
        pq.write_table(pa.Table.from_pandas(usage, preserve_index=False), folder / "usage.parquet")
        pq.write_table(
            pa.Table.from_pandas(runs, preserve_index=False), folder / "integration_runs.parquet"
        )
        return folder

    csv = make_company()
    usage, runs = pd.read_csv(csv / "usage.csv"), pd.read_csv(csv / "integration_runs.csv")
    ingest(as_parquet(make_company(), usage, runs), db, source_engine=duck)
    stored = {n: _rows(duck, n) for n in ("usage", "integration_runs")}
    ingest(csv, db)  # the application database itself, typed by pandas
    for name, frame in stored.items():
        pd.testing.assert_frame_equal(frame, _rows(db, name), check_dtype=False)

    usage.loc[0, "events"] = -3
    usage.loc[1, "date"] = "2999-01-01"
    with pytest.raises(ContractViolation) as refused:
        ingest(as_parquet(make_company(), usage, runs), db, source_engine=duck)
    problems = refused.value.problems
    assert "usage.events: 1 row is negative (must be ≥ 0), e.g. A-1/2025-05-01/Reports" in problems
    assert any(
        p.startswith("usage.date: 1 row is in the future") and p.endswith("('2999-01-01')")
        for p in problems
    )


CRASH = """
import os, sys
from storage.db import make_engine
from storage.ingest import ingest
from storage.source_engine import make_source_engine

app, src = make_engine(sys.argv[1]), make_source_engine(sys.argv[2])

def die_after_usage(table, done, total):
    if table == "integration_runs" and done == total:
        os._exit(9)  # the process dies after usage and integration_runs were written

ingest(sys.argv[3], app, source_engine=src, progress=die_after_usage)
"""


def test_a_crash_midway_through_an_ingest_loses_nothing_and_duplicates_nothing(
    make_company: Callable[..., Path], sqlite_url: str, duck: Engine, tmp_path: Path
) -> None:
    from storage.db import make_engine

    app = make_engine(sqlite_url)
    ingest(make_company(), app, source_engine=duck)
    first = {n: _rows(duck, n) for n in EVENTS}
    more = USAGE + "A-3,2025-05-03,API,2,9\nA-4,2025-05-03,Reports,7,70\n"
    newer = make_company(usage=more)
    duck.dispose()
    script = tmp_path / "crash.py"
    script.write_text(textwrap.dedent(CRASH))
    died = subprocess.run(
        [sys.executable, str(script), sqlite_url, str(duck.url), str(newer)],
        cwd=Path(__file__).parents[3],
        capture_output=True,
        text=True,
        check=False,
    )
    assert died.returncode == 9, died.stderr
    for name in EVENTS:  # nothing of the dead ingest was kept
        pd.testing.assert_frame_equal(_rows(duck, name), first[name])
    report = ingest(newer, app, source_engine=duck)  # the same extract again, to the end
    assert report.tables["usage"].inserted == 2
    assert _count(duck, "usage") == 8
    with duck.connect() as conn:
        distinct = conn.execute(
            text("SELECT count(*) FROM (SELECT DISTINCT account_id, date, feature FROM usage)")
        ).scalar_one()
    assert distinct == 8
    app.dispose()
