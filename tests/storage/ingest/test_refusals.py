"""Bad input is refused with exit code 2, a message naming the table, the column and the rule,
and not one row written (each case runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import run
from storage.errors import ContractViolation
from storage.ingest import ingest
from tests.storage.ingest.conftest import (
    ACCOUNTS,
    INTEGRATION_RUNS,
    TEAM,
    TICKETS,
    USAGE,
    edit,
    table_counts,
    write_company,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02" + bytes(40)
HEADER = "account_id,name,csm_email,segment,plan,arr,seats,created_at,renewal_date,churned_at\n"

UNKNOWN_EVENTS: dict[str, str | bytes | None] = {
    "usage": USAGE + "A-999,2025-05-01,Reports,1,1\n",
    "integration_runs": INTEGRATION_RUNS + "B-7,2025-05-01T06:00:00Z,slack,success,\n",
    "tickets": TICKETS + "T-9,Z-1,2025-05-01T09:00:00Z,,,low,\n",
}

# name → (files to replace, what the message must say)
CASES: dict[str, tuple[dict[str, str | bytes | None], list[str]]] = {
    "missing required column": (
        {
            "accounts": ACCOUNTS.replace(",csm_email", "")
            .replace(",jane@co.test", "")
            .replace(",omar@co.test", "")
        },
        ["accounts.csm_email: required column is missing from accounts.csv"],
    ),
    "values of the wrong type": (
        {
            "accounts": edit(edit(ACCOUNTS, "12000,", "lots,"), "2024-03-05", "2024-13-45"),
            "tickets": edit(TICKETS, "2025-05-03T09:00:00Z", "yesterday"),
        },
        [
            "accounts.arr: 1 row is not a number, e.g. A-1 ('lots')",
            "accounts.created_at: 1 row is not a date (YYYY-MM-DD), e.g. A-3 ('2024-13-45')",
            "tickets.opened_at: 1 row is not an ISO 8601 timestamp, e.g. T-2 ('yesterday')",
        ],
    ),
    "duplicate ids and keys": (
        {
            "accounts": ACCOUNTS + "A-2,Globex again,jane@co.test,mid,team,1,1,2023-06-01,,\n",
            "tickets": TICKETS + "T-1,A-2,2025-05-01T09:00:00Z,,,low,\n",
            "team": TEAM + "Jane@Co.test,Jane Again,csm,,,\n",
            "usage": USAGE + "A-1,2025-05-01,Reports,9,9\n",
        },
        [
            "accounts.account_id: 2 rows repeat the same account_id (it must be unique), e.g. A-2",
            "tickets.ticket_id: 2 rows repeat the same ticket_id",
            "team.email: 2 rows repeat the same email (it must be unique), e.g. jane@co.test",
            "usage.account_id+date+feature: 2 rows repeat the same (account_id, date, feature)",
            "e.g. A-1/2025-05-01/Reports",
        ],
    ),
    "events for unknown accounts": (
        UNKNOWN_EVENTS,
        [
            "usage.account_id: 1 row references 1 account(s) not in accounts, e.g. A-999",
            "integration_runs.account_id: 1 row references 1 account(s) not in accounts, e.g. B-7",
            "tickets.account_id: 1 row references 1 account(s) not in accounts, e.g. Z-1",
        ],
    ),
    "negative counts": (
        {
            "usage": edit(
                edit(USAGE, "A-1,2025-05-01,Reports,4,30", "A-1,2025-05-01,Reports,-4,30"),
                "A-3,2025-05-02,API,1,3",
                "A-3,2025-05-02,API,1,-3",
            ),
            "accounts": edit(edit(ACCOUNTS, "8000,", "-8000,"), ",200,", ",-200,"),
        },
        [
            "usage.active_users: 1 row is negative (must be ≥ 0), e.g. A-1/2025-05-01/Reports",
            "usage.events: 1 row is negative (must be ≥ 0), e.g. A-3/2025-05-02/API",
            "accounts.arr: 1 row is negative (must be ≥ 0), e.g. A-3",
            "accounts.seats: 1 row is negative (must be ≥ 0), e.g. A-4",
        ],
    ),
    "future timestamps and dates": (
        {
            "integration_runs": edit(
                INTEGRATION_RUNS, "2025-05-01T06:00:00Z", "2999-05-01T06:00:00Z"
            ),
            "usage": edit(USAGE, "A-5,2025-05-01", "A-5,2999-01-01"),
        },
        [
            "integration_runs.ts: 1 row is in the future",
            "e.g. A-1/2999-05-01T06:00:00Z/salesforce",
            "usage.date: 1 row is in the future",
        ],
    ),
    "closed before opened": (
        {"tickets": edit(TICKETS, "2025-05-02T09:00:00Z,high", "2025-04-30T09:00:00Z,high")},
        ["tickets.closed_at: 1 row closes before they open (closed_at < opened_at), e.g. T-1"],
    ),
    "unknown enum values": (
        {
            "integration_runs": edit(INTEGRATION_RUNS, "salesforce,success", "salesforce,ok"),
            "tickets": edit(edit(TICKETS, ",low,", ",p1,"), "high,4", "high,7"),
            "team": edit(TEAM, ",csm,", ",boss,"),
        },
        [
            "integration_runs.status: 1 row has an unknown value (allowed: success, failure)",
            "tickets.priority: 1 row has an unknown value (allowed: low, normal, high, urgent), "
            "e.g. T-3 ('p1')",
            "team.role: 1 row has an unknown value (allowed: csm, manager, analyst, admin, "
            "sdr, ae), e.g. jane@co.test ('boss')",
            "tickets.csat: 1 row is outside 1–5, e.g. T-1 ('7')",
        ],
    ),
    "an empty (0 byte) file": ({"usage": ""}, ["usage: usage.csv is empty (0 bytes)"]),
    "accounts with a header only": ({"accounts": HEADER}, ["accounts: accounts.csv has no rows"]),
    "a missing table": ({"tickets": None}, ["tickets: required table is missing"]),
    "a PNG named accounts.csv": ({"accounts": PNG}, ["accounts: accounts.csv is not a CSV file"]),
    "binary bytes named team.csv": (
        {"team": bytes(range(256)) * 4},
        ["team: team.csv is not a CSV file"],
    ),
    "not UTF-8 text": (
        {"team": TEAM.replace("Omar Ali", "Omar Ål").encode("cp1252")},
        ["team: team.csv is not UTF-8 text"],
    ),
    "a row with too many fields": (
        {"usage": USAGE + "A-1,2025-05-01,API,1,1,extra\n"},
        ["usage: 1 row of usage.csv has the wrong number of fields"],
    ),
}
ALL_AT_ONCE = {**CASES["values of the wrong type"][0], **UNKNOWN_EVENTS}


@pytest.fixture
def cli_env(monkeypatch, db_url, tmp_path):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("ATRISK_SPEC", str(tmp_path / "no-spec-here.yml"))
    return db_url


def refused(capsys, argv: list[str]) -> str:
    """What `atrisk ARGV` prints on stderr; it must exit 2."""
    code = run(argv)
    out = capsys.readouterr()
    assert code == 2, out
    return " ".join(out.err.split())


def refusal(source: Path | str, db) -> str:
    """The message of the ContractViolation (exit code 2) that ingesting ``source`` raises."""
    with pytest.raises(ContractViolation) as caught:
        ingest(source, db)
    assert caught.value.exit_code == 2
    return "\n".join(caught.value.problems)


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_with_the_rule_named_and_nothing_written(case, db, company, tmp_path):
    ingest(company, db)  # the database already holds an earlier extract
    before = table_counts(db)
    files, expected = CASES[case]
    bad = write_company(tmp_path / "bad", **files)

    message = refusal(bad, db)

    for text in expected:
        assert text in message
    assert table_counts(db) == before


def test_a_corrupt_parquet_file_is_refused(db, tmp_path):
    bad = write_company(tmp_path / "bad", accounts=None)
    (bad / "accounts.parquet").write_bytes(b"PAR1" + os.urandom(200) + b"PAR1")
    before = table_counts(db)
    message = refusal(bad, db)
    assert "accounts: accounts.parquet is not a readable Parquet file" in message
    assert table_counts(db) == before


def test_the_cli_prints_every_problem_and_exits_2_with_nothing_written(
    cli_env, db, company, tmp_path, capsys
):
    ingest(company, db)
    before = table_counts(db)
    message = refused(capsys, ["ingest", str(write_company(tmp_path / "bad", **ALL_AT_ONCE))])
    for text in ("accounts.arr", "accounts.created_at", "tickets.account_id", "usage.account_id"):
        assert text in message
    assert table_counts(db) == before


def test_a_missing_source_folder_is_named(cli_env, tmp_path, capsys):
    message = refused(capsys, ["ingest", str(tmp_path / "nowhere")])
    assert f"the folder {tmp_path / 'nowhere'} does not exist" in message


def test_an_unreachable_database_url_is_named(cli_env, capsys):
    message = refused(capsys, ["ingest", "postgresql://atrisk:secret@127.0.0.1:9/nope"])
    assert "source postgresql://atrisk:***@127.0.0.1:9/nope: nothing answers" in message
    assert "secret" not in message


def test_a_valid_extract_through_the_cli_prints_the_report_as_json(cli_env, company, capsys):
    import json

    assert run(["ingest", str(company), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    usage = report["tables"]["usage"]
    assert (usage["rows"], usage["inserted"], usage["updated"], usage["unchanged"]) == (6, 6, 0, 0)
    assert report["data_through"] == "2025-05-03"


def test_the_cli_refuses_a_database_that_was_never_upgraded(
    monkeypatch, tmp_path: Path, company, capsys
):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("ATRISK_SPEC", str(tmp_path / "none.yml"))
    message = refused(capsys, ["ingest", str(company)])
    assert "atrisk db upgrade" in message


def test_a_database_file_that_does_not_exist_is_named_and_not_created(db, tmp_path):
    missing = tmp_path / "nowhere.db"
    message = refusal(f"sqlite:///{missing}", db)
    assert f"the database file {missing} does not exist" in message
    assert not missing.exists()


def test_a_url_that_is_not_a_database_url_is_named(db):
    message = refusal("nosuchdriver://x:secret@y/z", db)
    assert "names a database kind 'nosuchdriver'" in message and "secret" not in message


def test_the_cli_requires_the_tables_the_spec_names(
    cli_env, company, tmp_path, monkeypatch, capsys
):
    from bot.bootstrap import default_spec_path

    spec = default_spec_path().read_text(encoding="utf-8")
    spec = edit(spec, "features: builtin", "features: account_features")
    (tmp_path / "atrisk.yml").write_text(spec, encoding="utf-8")
    monkeypatch.setenv("ATRISK_SPEC", str(tmp_path / "atrisk.yml"))
    message = refused(capsys, ["ingest", str(company)])
    assert "account_features: required table is missing" in message
