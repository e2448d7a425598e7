"""A person's time zone in the team table: checked, stored, and added to an older source file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select, text

from storage.models import TeamMember
from storage.source_engine import make_source_engine, prepare_embedded
from tests.conftest import ingest_beside
from tests.storage.ingest.conftest import write_company
from tests.storage.ingest.test_messy_files import read_typed

TEAM = """email,name,role,manager_email,slack_user_id,slack_channel,timezone
jane@co.test,Jane Doe,csm,mia@co.test,U01JANE,C0JANE,
omar@co.test,Omar Ali,csm,mia@co.test,U01OMAR,#cs-omar,
mia@co.test,Mia Chen,manager,,U01MIA,,{zone}
"""


def test_a_managers_time_zone_is_stored(db: Engine, tmp_path: Path) -> None:
    ingest_beside(write_company(tmp_path / "x", team=TEAM.format(zone="America/New_York")), db)
    with db.connect() as conn:
        zones = dict(conn.execute(select(TeamMember.email, TeamMember.timezone)).all())
    assert zones == {"jane@co.test": None, "omar@co.test": None, "mia@co.test": "America/New_York"}


def test_a_time_zone_that_does_not_exist_is_refused_with_the_row(tmp_path: Path) -> None:
    folder = write_company(tmp_path / "x", team=TEAM.format(zone="Europe/Berlinn"))
    _, problems = read_typed(folder, required=("team",))
    assert problems == [
        "team.timezone: 1 row is not an IANA time zone (e.g. Europe/Berlin, America/New_York, "
        "UTC), e.g. mia@co.test ('Europe/Berlinn')"
    ]


def test_a_source_file_made_before_time_zones_gets_the_column(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'old.sources.duckdb'}"
    old = make_source_engine(url)
    with old.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE team (email VARCHAR PRIMARY KEY, name VARCHAR, role VARCHAR, "
                "manager_email VARCHAR, slack_user_id VARCHAR, slack_channel VARCHAR)"
            )
        )
        conn.execute(
            text("INSERT INTO team VALUES ('mia@co.test', 'Mia', 'manager', NULL, 'U1', NULL)")
        )
    prepare_embedded(old)
    with old.connect() as conn:
        rows = conn.execute(select(TeamMember.email, TeamMember.timezone)).all()
    old.dispose()
    assert rows == [("mia@co.test", None)]
