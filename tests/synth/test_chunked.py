"""A company written a slice of accounts at a time (``atrisk synth --chunk-accounts``) has the
same tables as one made whole, with ids unique across slices, and ``atrisk ingest`` takes it."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from bot.cli import run
from storage.db import make_engine
from storage.ingest import ingest
from storage.migrate import upgrade
from storage.source_engine import make_source_engine, prepare_embedded
from synth import TABLES, SynthError, generate, write_company, write_company_chunked
from tests.synth.conftest import END


@pytest.fixture(scope="module")
def sliced(tmp_path_factory):
    """700 accounts over 4 months written 250 at a time (three slices, the last one short)."""
    out = tmp_path_factory.mktemp("sliced")
    made = write_company_chunked(out, 700, 4, seed=3, end=END, chunk_accounts=250)
    return made, {name: pd.read_parquet(path) for name, path in made.files.items()}


def test_a_sliced_company_has_the_files_columns_and_types_of_a_whole_one(sliced, tmp_path):
    made, _ = sliced
    whole = write_company(generate(accounts=300, months=4, seed=3, end=END), tmp_path, "parquet")
    assert set(made.files) == set(whole) == set(TABLES)
    for name in TABLES:
        assert pq.read_schema(made.files[name]) == pq.read_schema(whole[name]), name


def test_account_ids_names_and_ticket_ids_are_unique_across_slices(sliced):
    _, t = sliced
    assert len(t["accounts"]) == 700
    for table, column in [("accounts", "account_id"), ("accounts", "name"),
                          ("tickets", "ticket_id"), ("team", "email")]:  # fmt: skip
        assert t[table][column].is_unique, (table, column)


def test_every_row_of_every_slice_refers_to_a_known_account_and_csm(sliced):
    _, t = sliced
    known = set(t["accounts"]["account_id"])
    for name in ("usage", "integration_runs", "tickets", "ground_truth"):
        assert set(t[name]["account_id"]) <= known, name
    csms = set(t["team"].loc[t["team"]["role"] == "csm", "email"])
    assert set(t["accounts"]["csm_email"]) == csms  # every CSM has a book, none is unknown
    # every slice has events, not only the first one
    assert set(t["usage"]["account_id"].str[-3:].astype(int) // 250) == {0, 1, 2}


def test_the_summary_counts_what_the_files_hold(sliced):
    made, t = sliced
    summary = made.summary()
    assert summary["rows"] == {name: len(frame) for name, frame in t.items()}
    assert summary["churned"] == int(t["accounts"]["churned_at"].notna().sum())
    assert summary["active"] + summary["churned"] == 700
    assert summary["chunk_accounts"] == 250


def test_the_same_seed_and_slices_write_the_same_company(sliced, tmp_path):
    _, t = sliced
    again = write_company_chunked(tmp_path, 700, 4, seed=3, end=END, chunk_accounts=250)
    for name in ("accounts", "tickets"):
        pd.testing.assert_frame_equal(pd.read_parquet(again.files[name]), t[name])


def test_ingest_accepts_a_sliced_company_into_the_embedded_source_engine(sliced, tmp_path):
    made, t = sliced
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}", create=True)
    upgrade(engine)
    source = make_source_engine(f"duckdb:///{tmp_path / 'app.sources.duckdb'}")
    prepare_embedded(source)
    try:
        report = ingest(made.files["accounts"].parent, engine, source_engine=source)
    finally:
        engine.dispose()
        source.dispose()
    events = ("accounts", "team", "usage", "integration_runs", "tickets")
    assert report.rows == sum(len(t[name]) for name in events)


def test_a_slice_of_no_accounts_is_refused(tmp_path):
    with pytest.raises(SynthError, match="chunk_accounts"):
        write_company_chunked(tmp_path, 10, 2, end=END, chunk_accounts=0)
    assert not list(tmp_path.iterdir())


def test_synth_with_chunk_accounts_writes_csv_tables_and_reports_the_slices(tmp_path, capsys):
    out = tmp_path / "company"
    code = run(
        ["synth", "--accounts", "90", "--months", "2", "--out", str(out), "--end", "2026-02-10",
         "--chunk-accounts", "40", "--json"]
    )  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["chunk_accounts"] == 40 and report["format"] == "csv"
    assert {p.name for p in out.iterdir()} == {f"{name}.csv" for name in TABLES}
    accounts = pd.read_csv(out / "accounts.csv")
    assert len(accounts) == 90 and accounts["account_id"].is_unique
    assert report["rows"]["usage"] == len(pd.read_csv(out / "usage.csv"))


def test_synth_refuses_a_chunk_of_zero_accounts(tmp_path, capsys):
    assert run(["synth", "--chunk-accounts", "0", "--out", str(tmp_path)]) == 2
    assert "--chunk-accounts" in capsys.readouterr().err
