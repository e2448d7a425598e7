"""Exports from real tools: BI headers, dates as zoned timestamps, addresses with invisible
characters, CSMs missing from the team, and accounts that churned and came back."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, select

from storage.errors import ContractViolation
from storage.ingest import ingest
from storage.models import Account, TeamMember
from storage.repositories.scores import csm_channels
from tests.storage.ingest.conftest import ACCOUNTS, TEAM, USAGE, edit

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def _refusal(source: Path, db: Engine) -> str:
    with pytest.raises(ContractViolation) as refused:
        ingest(source, db, now=NOW)
    return str(refused.value)


def _stored(db: Engine, column: str) -> dict[str, object]:
    with db.connect() as conn:
        rows = conn.execute(select(Account.account_id, getattr(Account, column))).all()
    return {str(a): v for a, v in rows}


# ------------------------------------------------------------------------------ headers


def test_a_bi_header_for_a_required_column_is_named_with_the_column_it_may_be(
    db: Engine, make_company: Callable[..., Path]
) -> None:
    accounts = edit(ACCOUNTS, "account_id,name,", "Account ID,Account Name,")
    message = _refusal(make_company(accounts=accounts), db)
    assert (
        "accounts.name: required column is missing from accounts.csv; found `account_name` — "
        "did you mean `name`? (columns found: account_id, account_name, csm_email," in message
    )


def test_a_near_namesake_of_an_optional_column_is_a_warning_not_silence(
    db: Engine, make_company: Callable[..., Path]
) -> None:
    accounts = edit(ACCOUNTS, ",renewal_date,", ",Renewal,")
    report = ingest(make_company(accounts=accounts), db, now=NOW)
    assert report.warnings == [
        "accounts: the column `renewal` in accounts.csv is not in the contract and is ignored "
        "— did you mean `renewal_date`?"
    ]


# --------------------------------------------------------------------------------- dates


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Pacific/Auckland", "America/Los_Angeles"])
def test_a_date_delivered_as_a_zoned_timestamp_is_the_calendar_date_as_written(
    db: Engine, make_company: Callable[..., Path], zone: str
) -> None:
    folder = make_company(accounts=None)
    frame = pd.read_csv(io.StringIO(ACCOUNTS), dtype="str")
    local_midnights = pd.to_datetime(frame["created_at"]).dt.tz_localize(zone)
    table = pa.Table.from_pandas(frame.drop(columns=["created_at"]), preserve_index=False)
    table = table.append_column(
        "created_at", pa.array(local_midnights, type=pa.timestamp("us", tz=zone))
    )
    pq.write_table(table, folder / "accounts.parquet")
    ingest(folder, db, now=NOW)
    from_parquet = _stored(db, "created_at")
    ingest(make_company(), db, now=NOW)  # the same dates as CSV text
    assert from_parquet == _stored(db, "created_at")
    assert from_parquet["A-1"] == dt.date(2024, 1, 10)


# ---------------------------------------------------------------------------- addresses

INVISIBLE_TAILS = ["\u200b", "\u00a0", "\ufeff", "\u200e", "\u2066", " \u200d"]


@pytest.mark.parametrize("tail", INVISIBLE_TAILS)
def test_an_address_with_invisible_characters_reaches_its_csm_channel(
    db: Engine, make_company: Callable[..., Path], tail: str
) -> None:
    accounts = edit(ACCOUNTS, "A-1,Acme,jane@co.test,", f'A-1,Acme,"JANE@co.test{tail}",')
    team = edit(TEAM, "jane@co.test,Jane Doe", f"\u200bJane@Co.Test{tail},Jane Doe")
    report = ingest(make_company(accounts=accounts, team=team), db, now=NOW)
    assert report.warnings == []
    assert _stored(db, "csm_email")["A-1"] == "jane@co.test"
    with db.connect() as conn:
        assert "jane@co.test" in set(conn.execute(select(TeamMember.email)).scalars())
    from sqlalchemy.orm import Session

    with Session(db) as session:
        assert csm_channels(session)["jane@co.test"] == "C0JANE"


@pytest.mark.parametrize(
    "value",
    [
        "Jane Doe <jane@co.test>",
        "jane@co.test; omar@co.test",
        "mailto:jane@co.test",
        "jane",
        "j@co",
    ],
)
def test_a_value_that_is_not_one_bare_address_is_refused_with_the_row(
    db: Engine, make_company: Callable[..., Path], value: str
) -> None:
    accounts = edit(ACCOUNTS, "A-1,Acme,jane@co.test,", f'A-1,Acme,"{value}",')
    message = _refusal(make_company(accounts=accounts), db)
    assert "accounts.csm_email: 1 row is not one bare email address (name@domain.tld)" in message
    assert "e.g. A-1 (" in message


def test_accounts_naming_a_csm_missing_from_the_team_are_a_warning(
    db: Engine, make_company: Callable[..., Path]
) -> None:
    accounts = edit(ACCOUNTS, "A-3,Initech,omar@co.test,", "A-3,Initech,olga@co.test,")
    report = ingest(make_company(accounts=accounts), db, now=NOW)
    assert report.warnings == [
        "accounts.csm_email: 1 active accounts name a CSM who is not in the team table, so "
        "their alerts go to the default channel: olga@co.test (1 accounts, e.g. A-3). Add them "
        "to the team export, or correct csm_email."
    ]


def test_a_team_export_without_someone_who_still_owns_accounts_is_a_warning(
    db: Engine, make_company: Callable[..., Path]
) -> None:
    assert ingest(make_company(), db, now=NOW).warnings == []
    team = edit(TEAM, "omar@co.test,Omar Ali,csm,mia@co.test,U01OMAR,#cs-omar\n", "")
    report = ingest(make_company(team=team), db, now=NOW)
    assert report.warnings == [
        "team: 1 people who still own active accounts are not in this team export: "
        "omar@co.test (2 accounts). Their stored rows are kept, so their alerts still reach "
        "them; if they left, give their accounts a new csm_email."
    ]


# ------------------------------------------------------------------------ churned, back


def test_an_account_that_churned_and_came_back_is_a_warning_naming_it(
    db: Engine, make_company: Callable[..., Path]
) -> None:
    months = "".join(f"A-5,2025-{m:02d}-10,Reports,3,40\n" for m in (1, 2, 3, 4, 5))
    accounts = edit(
        ACCOUNTS, "2023-09-12,2025-10-01,2025-05-20", "2023-09-12,2025-10-01,2025-01-02"
    )
    report = ingest(make_company(accounts=accounts, usage=USAGE + months), db, now=NOW)
    assert report.warnings == [
        "accounts.churned_at: 1 churned accounts have usage more than 30 days after churned_at, "
        "as if they came back: A-5 (churned 2025-01-02, usage until 2025-05-10). A churned "
        "account is never scored: if the customer came back, empty churned_at (or give the new "
        "contract its own account_id); if the usage is wrong, fix the usage export."
    ]


def test_usage_trailing_off_after_a_churn_is_no_warning(
    db: Engine, make_company: Callable[..., Path]
) -> None:
    tail = "A-5,2025-06-01,Reports,1,2\n"  # 12 days after churned_at: the contract running out
    report = ingest(make_company(usage=USAGE + tail), db, now=NOW + dt.timedelta(days=2))
    assert report.warnings == []
