"""The lead entity's source tables: a lead extract loads, and broken lead data is refused with
the table, column, rule and example ids (each case on SQLite and on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from storage.errors import ContractViolation
from storage.ingest import ingest
from storage.ingest.contract import LEAD_REQUIRED
from storage.lead_models import Lead, LeadActivity
from tests.storage.ingest.conftest import TEAM, edit, table_counts

HEADER = "lead_id,company,owner_email,source,segment,employees,created_at,converted_at,"
LEADS = (
    HEADER
    + """disqualified_at
L-1,Acme,jane@co.test,webinar,smb,40,2025-04-01,,
L-2,Acme,jane@co.test,inbound,smb,40,2025-04-03,,
L-3,Globex,omar@co.test,outbound,mid,400,2025-03-10,2025-04-28,
L-4,Initech,omar@co.test,inbound,ent,5000,2025-02-01,,2025-04-15
"""
)
ACTIVITY = """lead_id,ts,type,detail
L-1,2025-04-20T10:00:00Z,pricing_page,/pricing
L-1,2025-04-21T09:30:00Z,demo_request,Wants a demo for 10 people
L-2,2025-04-22T12:00:00Z,trial_signup,
L-2,2025-04-23T12:00:00Z,trial_event,created a report
L-3,2025-04-10T08:00:00Z,meeting,Discovery call
"""
NOW = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)


def write_leads(folder: Path, **replace: str | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {"leads": LEADS, "lead_activity": ACTIVITY, "team": TEAM, **replace}
    for name, content in files.items():
        if content is not None:
            (folder / f"{name}.csv").write_text(content, encoding="utf-8")
    return folder


def test_a_lead_extract_loads_leads_and_their_activity(tmp_path: Path, db: Engine) -> None:
    report = ingest(write_leads(tmp_path / "x"), db, required_tables=LEAD_REQUIRED, now=NOW)
    assert report.tables["leads"].inserted == 4
    assert report.tables["lead_activity"].inserted == 5
    assert report.data_through == dt.date(2025, 4, 23)
    assert report.warnings == []
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(LeadActivity)).scalar_one() == 5
        converted = conn.execute(select(Lead.converted_at).where(Lead.lead_id == "L-3")).scalar()
    assert converted == dt.date(2025, 4, 28)


def test_activity_of_a_lead_stored_by_an_earlier_ingest_is_accepted(
    tmp_path: Path, db: Engine
) -> None:
    ingest(write_leads(tmp_path / "a"), db, required_tables=LEAD_REQUIRED, now=NOW)
    later = "lead_id,ts,type,detail\nL-4,2025-04-24T08:00:00Z,email_open,\n"
    report = ingest(
        write_leads(tmp_path / "b", leads=None, team=None, lead_activity=later),
        db,
        required_tables=["lead_activity"],
        now=NOW,
    )
    assert report.tables["lead_activity"].inserted == 1


CASES: dict[str, tuple[dict[str, str | None], list[str]]] = {
    "activity of an unknown lead": (
        {"lead_activity": ACTIVITY + "L-99,2025-04-20T10:00:00Z,web_visit,/\n"},
        ["lead_activity.lead_id: 1 row references 1 lead(s) not in leads, e.g. L-99"],
    ),
    "an activity type outside the contract": (
        {"lead_activity": edit(ACTIVITY, "pricing_page", "pricing")},
        [
            "lead_activity.type: 1 row has an unknown value (allowed: web_visit, pricing_page, "
            "email_open, email_reply, demo_request, meeting, trial_signup, trial_event), "
            "e.g. L-1/2025-04-20T10:00:00Z/pricing ('pricing')"
        ],
    ),
    "a lead id used twice": (
        {"leads": LEADS + "L-1,Acme again,jane@co.test,,,,2025-04-01,,\n"},
        ["leads.lead_id: 2 rows repeat the same lead_id (it must be unique), e.g. L-1"],
    ),
    "a conversion before the lead was created": (
        {"leads": edit(LEADS, "2025-04-28", "2025-01-28")},
        ["leads.converted_at: 1 row converts before they were created"],
    ),
    "a lead without an owner": (
        {"leads": edit(LEADS, "L-2,Acme,jane@co.test", "L-2,Acme,")},
        ["leads.owner_email: 1 row is empty (the column is required), e.g. L-2"],
    ),
    "a missing activity table": (
        {"lead_activity": None},
        ["lead_activity: required table is missing (no lead_activity.csv or"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_lead_data_is_refused_by_name_and_nothing_is_written(
    case: str, tmp_path: Path, db: Engine
) -> None:
    files, expected = CASES[case]
    before = table_counts(db)
    with pytest.raises(ContractViolation) as refused:
        ingest(write_leads(tmp_path / "x", **files), db, required_tables=LEAD_REQUIRED, now=NOW)
    text = "\n".join(refused.value.problems)
    for want in expected:
        assert want in text, text
    assert table_counts(db) == before


def test_a_lead_owned_by_someone_outside_the_team_is_loaded_with_a_warning(
    tmp_path: Path, db: Engine
) -> None:
    leads = edit(LEADS, "L-2,Acme,jane@co.test", "L-2,Acme,zoe@co.test")
    report = ingest(
        write_leads(tmp_path / "x", leads=leads), db, required_tables=LEAD_REQUIRED, now=NOW
    )
    assert any(
        w.startswith("leads.owner_email: 1 open leads name an owner who is not in the team")
        and "zoe@co.test (1 leads, e.g. L-2)" in w
        for w in report.warnings
    ), report.warnings
