"""A tiny valid company as CSV files, and helpers to break one file at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.db import make_engine
from storage.models import Base

ACCOUNTS = """account_id,name,csm_email,segment,plan,arr,seats,created_at,renewal_date,churned_at
A-1,Acme,jane@co.test,smb,pro,12000,10,2024-01-10,2025-12-01,
A-2,Globex,jane@co.test,mid,team,36000.5,40,2023-06-01,2025-09-15,
A-3,Initech,omar@co.test,smb,pro,8000,5,2024-03-05,2025-11-30,
A-4,Umbrella,omar@co.test,ent,enterprise,120000,200,2022-02-01,2026-02-01,
A-5,Hooli,jane@co.test,mid,team,24000,25,2023-09-12,2025-10-01,2025-05-20
"""
TEAM = """email,name,role,manager_email,slack_user_id,slack_channel
jane@co.test,Jane Doe,csm,mia@co.test,U01JANE,C0JANE
omar@co.test,Omar Ali,csm,mia@co.test,U01OMAR,#cs-omar
mia@co.test,Mia Chen,manager,,U01MIA,
"""
USAGE = """account_id,date,feature,active_users,events
A-1,2025-05-01,Reports,4,30
A-1,2025-05-02,Reports,5,41
A-2,2025-05-01,Dashboards,12,200
A-3,2025-05-02,API,1,3
A-4,2025-05-03,SSO,80,900
A-5,2025-05-01,Reports,2,4
"""
INTEGRATION_RUNS = """account_id,ts,integration,status,error
A-1,2025-05-01T06:00:00Z,salesforce,success,
A-1,2025-05-02T06:00:00Z,salesforce,failure,token expired
A-2,2025-05-02T07:00:00,hubspot,success,
A-4,2025-05-03T06:00:00+02:00,salesforce,success,
"""
TICKETS = """ticket_id,account_id,opened_at,first_response_at,closed_at,priority,csat
T-1,A-1,2025-05-01T09:00:00Z,2025-05-01T10:00:00Z,2025-05-02T09:00:00Z,high,4
T-2,A-1,2025-05-03T09:00:00Z,,,urgent,
T-3,A-3,2025-04-20T12:00:00Z,2025-04-20T13:00:00Z,2025-04-21T12:00:00Z,low,5
"""

COMPANY = {
    "accounts": ACCOUNTS,
    "team": TEAM,
    "usage": USAGE,
    "integration_runs": INTEGRATION_RUNS,
    "tickets": TICKETS,
}
NEWEST_EVENT = "2025-05-03"


def write_company(folder: Path, **replace: str | bytes | None) -> Path:
    """Write the tiny company as CSVs into ``folder``; ``name=text`` replaces one file's content,
    ``name=None`` leaves the file out."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {**COMPANY, **replace}
    for name, content in files.items():
        if content is None:
            continue
        path = folder / f"{name}.csv"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def edit(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` replaced once (the test fails if ``old`` is not there)."""
    assert old in text, old
    return text.replace(old, new, 1)


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table: the database's state, compared before and after a refused ingest."""
    with engine.connect() as conn:
        return {
            name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for name, t in Base.metadata.tables.items()
        }


@pytest.fixture
def company(tmp_path: Path) -> Path:
    return write_company(tmp_path / "extract")


@pytest.fixture
def make_company(tmp_path: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(**replace: str | bytes | None) -> Path:
        return write_company(tmp_path / f"extract{next(counter)}", **replace)

    return make


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()
