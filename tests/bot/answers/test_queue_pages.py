"""A queue larger than one page shows its first page and counts and sums all of it; the
queue and ``/atrisk status`` follow an ingest at once in a process that has answered before."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from bot.answers import queue
from bot.bootstrap import Context
from bot.daily.status import read_status
from storage.models import Account, Alert, IngestRun, Usage
from tests.bot.answers.conftest import jane
from tests.bot.daily.factories import (
    AS_OF,
    add_model,
    add_run,
    copy_to_source,
    seed_world,
)

NOON = dt.datetime.combine(AS_OF, dt.time(12), tzinfo=dt.UTC)


def record_ingest(ctx: Context) -> None:
    """What a succeeded ``atrisk ingest`` leaves in the application database besides its rows."""
    with ctx.uow() as uow:
        uow.session.add(IngestRun(source="extract/", status="succeeded", row_counts={}))
        uow.commit()


def flagged_of(ctx: Context, csm: str) -> list[Account]:
    """``csm``'s flagged accounts (the 40 first ids), riskiest first."""
    with ctx.uow() as uow:
        flagged = uow.session.scalars(
            select(Account)
            .where(Account.csm_email == csm, Account.account_id.in_(FLAGGED))
            .order_by(Account.account_id)
        )
        return list(flagged)


FLAGGED = [f"A{i:03d}" for i in range(1, 41)]


@pytest.fixture
def queue_of_40(ctx: Context) -> Context:
    """60 accounts over Jane and Omar, the 40 riskiest flagged and alerted (posted)."""
    ids = seed_world(ctx, n=60)
    risks = {aid: round(0.99 - 0.01 * i, 3) for i, aid in enumerate(ids)}
    add_run(ctx, AS_OF, add_model(ctx), risks, flagged=40)
    with ctx.uow() as uow:
        uow.session.execute(update(Alert).values(status="posted"))
        uow.commit()
    assert ids[:40] == FLAGGED
    return ctx


def test_a_queue_of_20_shows_the_10_riskiest_and_counts_and_sums_all_20(
    queue_of_40: Context,
) -> None:
    ctx = queue_of_40
    mine = flagged_of(ctx, "jane@example.com")
    answer = queue.top_accounts(ctx, jane(ctx), today=AS_OF)
    riskiest = [a.account_id for a in mine][:10]  # ids sort as they were scored: riskiest first
    assert [line.account_id for line in answer.lines] == riskiest
    assert answer.at_risk == 20 and answer.unacted == 20
    assert answer.arr_at_risk == sum(a.arr or 0.0 for a in mine)
    by_arr = queue.top_accounts(ctx, jane(ctx), today=AS_OF, sort="arr", limit=5)
    most = sorted(mine, key=lambda a: -(a.arr or 0.0))[:5]
    assert [line.account_id for line in by_arr.lines] == [a.account_id for a in most]
    assert by_arr.at_risk == 20


def test_after_an_ingest_gives_omars_accounts_to_jane_her_queue_and_team_hold_all_40(
    queue_of_40: Context,
) -> None:
    ctx = queue_of_40
    assert queue.top_accounts(ctx, jane(ctx), today=AS_OF).at_risk == 20  # asked before
    with ctx.uow() as uow:
        uow.session.execute(update(Account).values(csm_email="jane@example.com"))
        uow.commit()
    record_ingest(ctx)
    answer = queue.top_accounts(ctx, jane(ctx), today=AS_OF)
    assert answer.at_risk == 40
    assert [line.account_id for line in answer.lines] == FLAGGED[:10]
    assert answer.arr_at_risk == sum(a.arr or 0.0 for a in flagged_of(ctx, "jane@example.com"))
    team = queue.team_summary(ctx, jane(ctx), today=AS_OF)
    assert [(c.csm, c.at_risk, c.unacted) for c in team.csms] == [("Jane", 40, 40)]


def test_status_shows_the_newest_input_of_an_ingest_made_after_it_last_answered(
    ctx: Context,
) -> None:
    ids = seed_world(ctx, last_event=AS_OF - dt.timedelta(days=12))
    record_ingest(ctx)
    before = read_status(ctx, NOON).freshness
    assert before.newest_input == AS_OF - dt.timedelta(days=12) and before.input_stale
    with ctx.uow() as uow:
        uow.session.add(
            Usage(
                account_id=ids[0],
                date=AS_OF - dt.timedelta(days=1),
                feature="Reports",
                active_users=1,
                events=1,
            )
        )
        uow.commit()
    copy_to_source(ctx)
    record_ingest(ctx)
    after = read_status(ctx, NOON).freshness
    assert after.newest_input == AS_OF - dt.timedelta(days=1) and not after.input_stale
