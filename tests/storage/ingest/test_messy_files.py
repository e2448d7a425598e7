"""Real exports differ from the example: valid files written in other ways are still read right."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from storage.ingest.coerce import Typed, coerce_table
from storage.ingest.contract import TABLES
from storage.ingest.readers import read_source
from storage.ingest.validate import validate
from tests.storage.ingest.conftest import write_company

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def read_typed(folder, required=("accounts",)) -> tuple[dict[str, Typed], list[str]]:
    extract = read_source(folder, required)
    typed = {n: coerce_table(TABLES[n], raw.frame, raw.origin) for n, raw in extract.tables.items()}
    return typed, extract.problems + validate(typed, now=NOW)


def test_an_excel_style_export_is_read_like_a_plain_one(tmp_path):
    # BOM, Windows line endings, headers in other case and with spaces, an extra column,
    # optional columns absent, ints written as 3.0, quoted commas and newlines, blank cells.
    accounts = (
        "\ufeff Account ID ,NAME,CSM Email,ARR,Seats,Created At,Churned At,Notes\r\n"
        'A-1,"Acme, Inc.",Jane@Co.Test,"12000.0",10.0,2024-01-10,,"line one\r\nline two"\r\n'
        "A-2 , Globex ,omar@co.test,,3,2024-02-01T00:00:00Z,2025-05-01,\r\n"
    )
    folder = write_company(tmp_path / "x", accounts=accounts)
    typed, problems = read_typed(folder)

    assert problems == []
    frame = typed["accounts"].frame
    assert list(frame["account_id"]) == ["A-1", "A-2"]
    assert list(frame["name"]) == ["Acme, Inc.", "Globex"]
    assert frame["csm_email"].iloc[0] == "jane@co.test"
    assert frame["seats"].tolist() == [10, 3]
    assert pd.isna(frame["arr"].iloc[1])
    assert frame["created_at"].iloc[1] == pd.Timestamp("2024-02-01")
    assert pd.isna(frame["churned_at"].iloc[0])
    assert "segment" not in frame.columns and "notes" not in frame.columns


def test_timestamps_with_and_without_offsets_in_one_column_are_all_utc(tmp_path):
    runs = (
        "account_id,ts,integration,status\n"
        "A-1,2025-05-01T06:00:00,salesforce,Success\n"
        "A-1,2025-05-01 08:00:00+02:00,hubspot,FAILURE\n"
        "A-2,2025-05-01T06:00:00.123Z,slack,success\n"
    )
    folder = write_company(tmp_path / "x", integration_runs=runs)
    typed, problems = read_typed(folder, required=("integration_runs",))

    assert problems == []
    ts = typed["integration_runs"].frame["ts"]
    assert ts.iloc[0] == ts.iloc[1] == pd.Timestamp("2025-05-01T06:00:00Z")
    assert typed["integration_runs"].frame["status"].tolist() == ["success", "failure", "success"]


def test_a_semicolon_separated_file_is_read(tmp_path):
    usage = "account_id;date;feature;active_users;events\r\nA-1;2025-05-01;Reports;4;30\r\n"
    folder = write_company(tmp_path / "x", usage=usage)
    typed, problems = read_typed(folder, required=("usage",))
    assert problems == []
    assert typed["usage"].frame["events"].tolist() == [30]


def test_a_fractional_count_is_not_a_whole_number(tmp_path):
    usage = "account_id,date,feature,active_users,events\nA-1,2025-05-01,Reports,4.5,30\n"
    folder = write_company(tmp_path / "x", usage=usage)
    _, problems = read_typed(folder, required=("usage",))
    assert problems == [
        "usage.active_users: 1 row is not a whole number, e.g. A-1/2025-05-01/Reports ('4.5')"
    ]


def test_empty_required_values_and_overlong_ids_are_named(tmp_path):
    accounts = (
        "account_id,name,csm_email,created_at\n"
        f"{'X' * 200},Big,jane@co.test,2024-01-01\n"
        "A-2,,jane@co.test,2024-01-01\n"
    )
    folder = write_company(tmp_path / "x", accounts=accounts)
    _, problems = read_typed(folder)
    assert "accounts.name: 1 row is empty (the column is required), e.g. A-2" in problems
    assert any(p.startswith("accounts.account_id: 1 row is longer than 128") for p in problems)


def test_slack_ids_in_the_team_table_must_look_like_slack_ids(tmp_path):
    team = "email,name,role,slack_user_id,slack_channel\nj@co.test,J,csm,jane,cs-jane\n"
    folder = write_company(tmp_path / "x", team=team)
    _, problems = read_typed(folder, required=("team",))
    assert any(p.startswith("team.slack_user_id: 1 row is not a Slack user id") for p in problems)
    assert any(p.startswith("team.slack_channel: 1 row is not a Slack channel") for p in problems)


def test_a_feature_label_other_than_0_or_1_is_named(tmp_path):
    folder = write_company(tmp_path / "x")
    (folder / "account_features.csv").write_text(
        "account_id,as_of,score,churned_within_horizon\nA-1,2025-04-01,3,2\n", encoding="utf-8"
    )
    _, problems = read_typed(folder, required=("account_features",))
    assert problems == [
        "account_features.churned_within_horizon: 1 row is not 0, 1 or empty, "
        "e.g. A-1/2025-04-01 ('2')"
    ]


def test_an_unknown_required_table_name_is_refused(tmp_path):
    import pytest

    from storage.errors import ContractViolation

    with pytest.raises(ContractViolation, match="unknown tables"):
        read_source(write_company(tmp_path / "x"), ["accounts", "invoices"])


def test_nan_and_infinity_are_not_numbers(tmp_path):
    accounts = "account_id,name,csm_email,created_at,arr\nA-1,Acme,j@co.test,2024-01-01,inf\n"
    folder = write_company(tmp_path / "x", accounts=accounts)
    _, problems = read_typed(folder)
    assert problems == ["accounts.arr: 1 row is not a number, e.g. A-1 ('inf')"]
