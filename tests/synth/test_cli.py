"""``atrisk synth`` writes the tables and prints what it made."""

from __future__ import annotations

import json

import pandas as pd

from bot.cli import run


def test_synth_writes_the_tables_and_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "company"
    code = run(
        ["synth", "--accounts", "40", "--months", "3", "--seed", "2", "--out", str(out),
         "--end", "2026-02-10"]
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    names = {"accounts", "team", "usage", "integration_runs", "tickets", "ground_truth"}
    assert {p.stem for p in out.glob("*.csv")} == names
    assert "accounts" in printed and "churned" in printed and "CSMs" in printed
    assert "usage rows" in printed and str(out.name) in printed
    assert len(pd.read_csv(out / "accounts.csv")) == 40


def test_synth_json_reports_rows_per_table_and_the_files(tmp_path, capsys):
    out = tmp_path / "pq"
    code = run(
        ["synth", "--accounts", "30", "--months", "2", "--out", str(out), "--end", "2026-02-10",
         "--format", "parquet", "--json"]
    )  # fmt: skip
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["accounts"] == 30 and report["format"] == "parquet"
    assert report["active"] + report["churned"] == 30
    assert report["rows"]["usage"] == len(pd.read_parquet(report["files"]["usage"]))
    assert report["end"] == "2026-02-10"


def test_a_malformed_end_date_is_a_usage_error(tmp_path, capsys):
    code = run(["synth", "--out", str(tmp_path), "--end", "10/02/2026"])
    assert code == 2
    assert "--end" in capsys.readouterr().err


def test_zero_accounts_is_a_usage_error(tmp_path, capsys):
    assert run(["synth", "--accounts", "0", "--out", str(tmp_path)]) == 2
    assert not list(tmp_path.iterdir())
