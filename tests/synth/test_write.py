"""Written files: CSV with ISO dates and UTC timestamps, or typed Parquet; one file per table."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synth import TABLES, SynthError, write_company


def test_csv_files_hold_every_row_with_iso_dates_and_utc_timestamps(company, tmp_path):
    paths = write_company(company, tmp_path / "co")
    assert set(paths) == set(TABLES)
    for name, path in paths.items():
        assert path == tmp_path / "co" / f"{name}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert len(frame) == len(company.tables[name]), name
    runs = pd.read_csv(paths["integration_runs"], dtype=str, keep_default_na=False)
    assert runs["ts"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    accounts = pd.read_csv(paths["accounts"], dtype=str, keep_default_na=False)
    assert accounts["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    assert (accounts["churned_at"] == "").any()
    assert not list(tmp_path.glob("co/*.part"))


def test_csv_round_trips_names_with_commas_quotes_and_unicode(company, tmp_path):
    paths = write_company(company, tmp_path)
    back = pd.read_csv(paths["accounts"], dtype=str)
    assert back["name"].tolist() == company.tables["accounts"]["name"].tolist()


def test_parquet_files_keep_dates_timestamps_and_integers_typed(company, tmp_path):
    paths = write_company(company, tmp_path, "parquet")
    accounts = pq.read_table(paths["accounts"]).schema
    assert accounts.field("created_at").type == pa.date32()
    assert pa.types.is_integer(accounts.field("seats").type)
    tickets = pq.read_table(paths["tickets"]).schema
    assert tickets.field("opened_at").type == pa.timestamp("us", tz="UTC")
    usage = pd.read_parquet(paths["usage"])
    assert len(usage) == len(company.tables["usage"])


def test_an_unknown_format_is_refused(company, tmp_path):
    with pytest.raises(SynthError, match="csv, parquet"):
        write_company(company, tmp_path, "xlsx")  # type: ignore[arg-type]


def test_an_output_path_that_is_a_file_is_refused(company, tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("x")
    with pytest.raises(SynthError, match="cannot create"):
        write_company(company, blocker)
