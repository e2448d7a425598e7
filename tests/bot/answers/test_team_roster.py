"""Who asks ``/atrisk`` is read from the process's copy of the team table, and an ingest that
changes the team is seen at the very next question in a process that has answered before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.answers import lookups, name_index, queue
from bot.bootstrap import Context
from storage.models import IngestRun, TeamMember
from tests.bot.daily.factories import AS_OF, add_model, add_run, make_ctx, seed_world


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    c = make_ctx(db_url, tmp_path)
    ids = seed_world(c, n=12)
    add_run(c, AS_OF, add_model(c), {aid: 0.9 for aid in ids}, flagged=12)
    yield c
    c.close()


def ingest(ctx: Context, *people: TeamMember, managed_by: str | None = None) -> None:
    """What an ``atrisk ingest`` of a changed team leaves: the rows and its run, together."""
    with ctx.uow() as uow:
        uow.session.add_all(people)
        if managed_by is not None:
            uow.session.execute(update(TeamMember).values(manager_email=managed_by))
            uow.session.execute(
                update(TeamMember).where(TeamMember.email == managed_by).values(role="manager")
            )
        uow.session.add(IngestRun(source="extract/", status="succeeded", row_counts={}))
        uow.commit()


def test_someone_an_ingest_adds_to_the_team_gets_their_answer_at_the_next_question(
    ctx: Context,
) -> None:
    assert lookups.resolve_caller(ctx, "U0CSM0") is not None  # the team was read before
    assert lookups.resolve_caller(ctx, "U0NEWADMIN") is None
    ingest(
        ctx,
        TeamMember(email="ada@example.com", name="Ada", role="admin", slack_user_id="U0NEWADMIN"),
    )
    ada = lookups.resolve_caller(ctx, "U0NEWADMIN")
    assert ada is not None and ada.csm_emails is None
    assert queue.top_accounts(ctx, ada, today=AS_OF).at_risk == 12


def test_a_csm_an_ingest_makes_a_manager_sees_their_team_at_the_next_question(
    ctx: Context,
) -> None:
    jane = lookups.resolve_caller(ctx, "U0CSM0")
    assert jane is not None and jane.role == "csm"
    assert queue.top_accounts(ctx, jane, today=AS_OF).at_risk == 6
    ingest(ctx, managed_by=jane.email)  # same people, one of them promoted
    manager = lookups.resolve_caller(ctx, "U0CSM0")
    assert manager is not None and manager.role == "manager"
    assert queue.top_accounts(ctx, manager, today=AS_OF).at_risk == 12
    assert [c.csm for c in queue.team_summary(ctx, manager, today=AS_OF).csms] != []


def test_what_the_copies_are_keyed_by_is_read_again_in_the_next_transaction(
    ctx: Context,
) -> None:
    with ctx.uow() as uow:
        s = uow.session
        before = name_index.version(s)
        assert name_index.version(s) == before  # read once per transaction
        s.add(IngestRun(source="extract/", status="succeeded", row_counts={}))
        s.add(TeamMember(email="ada@example.com", name="Ada", role="admin"))
        uow.commit()
        after = name_index.version(s)
    assert after[0] is not None and after[0] != before[0]
    assert after[1:] == (before[1], before[2], before[3] + 1)  # same accounts, one more person
