"""A first ingest into the embedded DuckDB source: event files typed straight into their empty
tables, refused with exactly the problems a later ingest names, and nothing left behind."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from storage.errors import ContractViolation
from storage.ingest import ingest
from storage.source_engine import make_source_engine, prepare_embedded
from tests.storage.ingest.conftest import INTEGRATION_RUNS, TICKETS, USAGE, edit

EVENTS = ("usage", "integration_runs", "tickets")

BROKEN = {
    "a value not of its type": {"usage": edit(USAGE, "Reports,4,30", "Reports,four,30")},
    "a negative count": {"usage": edit(USAGE, "Reports,4,30", "Reports,-4,30")},
    "a repeated key": {"usage": USAGE + "A-2,2025-05-01,Dashboards,1,2\n"},
    "an unknown account": {"usage": USAGE + "A-9,2025-05-01,Reports,1,2\n"},
    "a row with a field missing": {"usage": USAGE + "A-1,2025-05-04,Reports,4\n"},
    "an empty key": {
        "integration_runs": edit(INTEGRATION_RUNS, "2025-05-02T07:00:00,hubspot", ",hubspot")
    },
    "an unknown status": {
        "integration_runs": edit(INTEGRATION_RUNS, "hubspot,success", "hubspot,ok")
    },
    "a timestamp in the future": {
        "integration_runs": edit(INTEGRATION_RUNS, "2025-05-02T07:00:00", "2999-05-02T07:00:00")
    },
    "a ticket closed before it opened": {
        "tickets": edit(TICKETS, "2025-05-02T09:00:00Z,high", "2025-04-02T09:00:00Z,high")
    },
    "a score out of range": {"tickets": edit(TICKETS, "low,5", "low,7")},
}


@pytest.fixture
def new_duck(tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    """Fresh embedded source files, each empty."""
    made: list[Engine] = []

    def make() -> Engine:
        engine = make_source_engine(f"duckdb:///{tmp_path / f'sources{len(made)}.duckdb'}")
        prepare_embedded(engine)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.dispose()


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            n: int(conn.execute(text(f"SELECT count(*) FROM {n}")).scalar_one()) for n in EVENTS
        }


def _refusal(folder: Path, db: Engine, duck: Engine) -> list[str]:
    """The problems named, with the moment "in the future" is counted from left out (the two
    ingests compared may run either side of a minute's turn)."""
    with pytest.raises(ContractViolation) as refused:
        ingest(folder, db, source_engine=duck)
    return [re.sub(r"\(after [^)]*\)", "(after …)", p) for p in refused.value.problems]


@pytest.mark.parametrize("broken", BROKEN, ids=list(BROKEN))
def test_a_first_ingest_is_refused_with_the_problems_a_later_ingest_names(
    broken: str,
    make_company: Callable[..., Path],
    db: Engine,
    new_duck: Callable[[], Engine],
) -> None:
    folder = make_company(**BROKEN[broken])
    stocked = new_duck()
    ingest(make_company(), db, source_engine=stocked)
    before = _counts(stocked)
    later = _refusal(folder, db, stocked)
    empty = new_duck()
    first = _refusal(folder, db, empty)
    assert first == later
    assert _counts(empty) == dict.fromkeys(EVENTS, 0)
    assert _counts(stocked) == before


def test_a_clean_first_ingest_writes_each_event_file_once_and_a_second_changes_nothing(
    company: Path, db: Engine, new_duck: Callable[[], Engine]
) -> None:
    duck = new_duck()
    statements: list[str] = []

    @event.listens_for(duck, "before_cursor_execute")
    def record(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        statements.append(" ".join(statement.split()).upper())

    report = ingest(company, db, source_engine=duck)
    assert {n: report.tables[n].inserted for n in EVENTS} == {
        "usage": 6,
        "integration_runs": 4,
        "tickets": 3,
    }
    writes = [s for s in statements if s.startswith(("INSERT INTO", "UPDATE", "CREATE TEMP TABLE"))]
    assert sorted(w.split()[2] for w in writes if w.split()[2].strip('"').lower() in EVENTS) == [
        '"INTEGRATION_RUNS"',
        '"TICKETS"',
        '"USAGE"',
    ]
    assert not [s for s in writes if s.startswith(("UPDATE", "CREATE TEMP TABLE"))]
    stored = _counts(duck)
    again = ingest(company, db, source_engine=duck)
    assert {n: again.tables[n].inserted for n in EVENTS} == dict.fromkeys(EVENTS, 0)
    assert {n: again.tables[n].updated for n in EVENTS} == dict.fromkeys(EVENTS, 0)
    assert _counts(duck) == stored
