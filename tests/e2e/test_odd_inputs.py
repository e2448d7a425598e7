"""Extracts as they really arrive, one oddity at a time: each ends in success or in one clear
message naming the table and column, never a stack trace.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.e2e.company import Company, CompanyConfig, make_company
from tests.e2e.extract import write_csv
from tests.e2e.user import SPEC_CHANGES, Result, atrisk, workspace, write_spec

Edit = Callable[[Path], None]


@pytest.fixture(scope="module")
def small() -> Company:
    return make_company(CompanyConfig(accounts=60, months=3, seed=3))


def _frame(source: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(
        source / f"{table}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )


def edit_table(table: str, change: Callable[[pd.DataFrame], pd.DataFrame], **kw: str) -> Edit:
    """Rewrite one CSV through pandas (UTF-8 without BOM, ``\\n`` line ends)."""

    def apply(source: Path) -> None:
        change(_frame(source, table)).to_csv(source / f"{table}.csv", index=False, **kw)

    return apply


def edit_text(table: str, change: Callable[[str], str], encoding: str = "utf-8") -> Edit:
    def apply(source: Path) -> None:
        path = source / f"{table}.csv"
        path.write_bytes(change(path.read_text(encoding="utf-8-sig")).encode(encoding, "replace"))

    return apply


def first_day(
    company: Company,
    folder: Path,
    edit: Edit | None = None,
    spec: dict[str, dict[str, Any]] | None = None,
    *commands: tuple[str, ...],
) -> list[Result]:
    """Write the extract, apply ``edit``, then db upgrade, ingest and ``commands``."""
    source = write_csv(company, folder / "extract")
    if edit:
        edit(source)
    with workspace(folder / "user") as user:
        write_spec(user / "atrisk.yml", {**SPEC_CHANGES, **(spec or {})})
        assert atrisk("db", "upgrade").code == 0
        return [atrisk("ingest", str(source)), *(atrisk(*c) for c in commands)]


def assert_clear(result: Result, code: int, *words: str) -> None:
    said = result.out + result.err
    assert result.code == code, str(result)
    assert "Traceback" not in said and "unexpected" not in said, str(result)
    for word in words:
        assert word in said, f"{word!r} not in\n{result}"


ACCEPTED: dict[str, Edit] = {
    "an empty usage table (header only)": edit_text("usage", lambda s: s.splitlines()[0] + "\n"),
    "dates written with a midnight time": edit_table(
        "accounts", lambda f: f.assign(created_at=f["created_at"] + "T00:00:00")
    ),
    "usage dates written with a midnight time": edit_table(
        "usage", lambda f: f.assign(date=f["date"] + "T00:00:00")
    ),
    "a semicolon-separated export": edit_table("accounts", lambda f: f, sep=";"),
    "a tab-separated export": edit_table("usage", lambda f: f, sep="\t"),
    "a huge ARR": edit_table("accounts", lambda f: f.assign(arr=["1e20", *f["arr"][1:]])),
    "headers as a spreadsheet writes them": edit_table(
        "accounts",
        lambda f: f.rename(
            columns={"account_id": "Account ID", "arr": "ARR", "csm_email": "CSM Email"}
        ),
    ),
    "status in capitals": edit_table(
        "integration_runs", lambda f: f.assign(status=f["status"].str.upper())
    ),
    "a csat column that is empty": edit_table("tickets", lambda f: f.assign(csat="")),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_a_lenient_reader_accepts(small: Company, tmp_path: Path, case: str) -> None:
    (ingest,) = first_day(small, tmp_path, ACCEPTED[case])
    assert_clear(ingest, 0, "Ingested")


REFUSED: dict[str, tuple[Edit, tuple[str, ...]]] = {
    "a team member with an unknown role": (
        edit_table("team", lambda f: f.assign(role=["csm", "csm", "Owner", "manager"])),
        ("team.role", "'Owner'", "csm, manager, analyst, admin, sdr, ae"),
    ),
    "a file saved as Windows-1252": (
        edit_text("accounts", lambda s: s, encoding="cp1252"),
        ("accounts.csv is not UTF-8", "CSV UTF-8"),
    ),
    "US-style timestamps": (
        edit_table("tickets", lambda f: f.assign(opened_at="03/07/2026 10:00")),
        ("tickets.opened_at", "ISO 8601", "'03/07/2026 10:00'"),
    ),
    "NULL and N/A written as text": (
        edit_table("accounts", lambda f: f.assign(arr=["N/A", *f["arr"][1:]])),
        ("accounts.arr", "not a number", "'N/A'"),
    ),
    "a thousands separator": (
        edit_table("accounts", lambda f: f.assign(arr=["12,000.00", *f["arr"][1:]])),
        ("accounts.arr", "'12,000.00'"),
    ),
    "one email twice in different case": (
        edit_table(
            "team", lambda f: pd.concat([f, f.iloc[[1]].assign(email=f["email"][1].upper())])
        ),
        ("team.email", "unique"),
    ),
    "blank rows at the end of a spreadsheet export": (
        edit_text("accounts", lambda s: s + ",,,,,,,,,,,\r\n"),
        ("accounts.account_id", "empty"),
    ),
    "a channel name written without #": (
        edit_table("team", lambda f: f.assign(slack_channel=["cs-emea", "", "", ""])),
        ("team.slack_channel", "an id C… or #name", "'cs-emea'"),
    ),
    "an unknown integration status": (
        edit_table("integration_runs", lambda f: f.assign(status="ok")),
        ("integration_runs.status", "success, failure", "'ok'"),
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_input_is_refused_naming_table_and_column(
    small: Company, tmp_path: Path, case: str
) -> None:
    edit, words = REFUSED[case]
    (ingest,) = first_day(small, tmp_path, edit)
    assert_clear(ingest, 2, *words)


def test_a_key_feature_that_never_appears_is_named_by_the_audit(
    small: Company, tmp_path: Path
) -> None:
    spec = {"contract": {"key_features": ["Editor", "Dark mode"]}}
    ingest, audit = first_day(small, tmp_path, None, spec, ("audit",))
    assert_clear(ingest, 0)
    assert audit.code in (0, 2), str(audit)  # 2: this small company cannot support training
    assert_clear(audit, audit.code, "'Dark mode' never appears in usage", "Export to PDF")


def test_training_without_any_churn_is_refused_saying_what_is_missing(tmp_path: Path) -> None:
    company = make_company(CompanyConfig(accounts=150, months=5, seed=4))
    active = dataclasses.replace(company, accounts=company.accounts.assign(churned_at=None))
    ingest, train, score = first_day(active, tmp_path, None, None, ("train",), ("score",))
    assert_clear(ingest, 0)
    assert_clear(train, 2, "training refused", "no churned account", "check churned_at")
    assert_clear(score, 2, "No model yet", "atrisk train")
