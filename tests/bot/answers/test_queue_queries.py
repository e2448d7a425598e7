"""The at-risk queue asks the database the same few questions however many accounts are
flagged: no query per account, and no list of ids sent back in chunks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event, update

from bot.answers import lookups, queue
from bot.bootstrap import Context
from storage.models import Alert
from tests.bot.daily.factories import AS_OF, add_model, add_run, risks_for, seed_world


def statements_for_queue(ctx: Context, caller: lookups.Caller, today: dt.date) -> tuple[int, int]:
    """How many statements ``/atrisk`` and ``/atrisk team`` ran, and how many were at risk."""
    ran = [0]

    def count(*_: Any) -> None:
        ran[0] += 1

    event.listen(ctx.engine, "before_cursor_execute", count)
    try:
        top = queue.top_accounts(ctx, caller, today=today)
        queue.team_summary(ctx, caller, today=today)
    finally:
        event.remove(ctx.engine, "before_cursor_execute", count)
    return ran[0], top.at_risk


def test_the_queue_asks_as_many_questions_for_1200_flagged_accounts_as_for_6(
    ctx: Context,
) -> None:
    ids = seed_world(ctx, n=1300)
    model = add_model(ctx)
    caller = lookups.resolve_caller(ctx, "U0CSM0")
    assert caller is not None
    week = dt.timedelta(days=7)
    add_run(ctx, AS_OF - 2 * week, model, risks_for(ids), flagged=6)  # each has a run before
    counts = {}
    for day, flagged in ((AS_OF - week, 6), (AS_OF, 1200)):
        add_run(ctx, day, model, risks_for(ids), flagged=flagged)
        with ctx.uow() as uow:
            uow.session.execute(update(Alert).values(status="posted"))
            uow.commit()
        counts[flagged] = statements_for_queue(ctx, caller, day)
    assert counts[6][1] == 3 and counts[1200][1] == 600  # CSM 0 holds every other account
    assert counts[1200][0] == counts[6][0]
