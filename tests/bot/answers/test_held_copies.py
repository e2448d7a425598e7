"""Each process keeps the served run, its flagged accounts and who acted on them between
answers; the next answer after a run, a kill switch or a click, made by any process or by
hand in the database, is the new one."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any

from sqlalchemy import event, update

from bot.answers import queue
from bot.bootstrap import Context
from bot.lifecycle import model_state
from storage.models import Action, Alert, ScoringRun
from tests.bot.answers.conftest import jane
from tests.bot.daily.factories import AS_OF, add_model, add_run, risks_for, seed_world


def _post_every_alert(ctx: Context) -> None:
    with ctx.uow() as uow:
        uow.session.execute(update(Alert).values(status="posted"))
        uow.commit()


def test_the_next_answer_follows_a_new_run_a_kill_switch_and_a_click(ctx: Context) -> None:
    ids = seed_world(ctx, n=40)
    model = add_model(ctx)
    week = dt.timedelta(days=7)
    first = add_run(ctx, AS_OF - week, model, risks_for(ids), flagged=6)
    _post_every_alert(ctx)
    caller = jane(ctx)
    before = queue.top_accounts(ctx, caller, today=AS_OF)
    assert (before.served.run_id, before.at_risk, before.unacted) == (first, 3, 3)

    second = add_run(ctx, AS_OF, model, risks_for(ids), flagged=10)
    _post_every_alert(ctx)
    after_run = queue.top_accounts(ctx, caller, today=AS_OF)
    assert (after_run.served.run_id, after_run.at_risk, after_run.unacted) == (second, 5, 5)

    model_state.disable(ctx, "bad data since Monday", "admin@example.com")
    paused = queue.top_accounts(ctx, caller, today=AS_OF)
    assert paused.served.paused and paused.served.banner

    model_state.enable(ctx, "admin@example.com")
    with ctx.uow() as uow:  # a click recorded by another process
        alert = (
            uow.session.query(Alert)
            .filter(Alert.run_id == second, Alert.csm_email == caller.email)
            .first()
        )
        assert alert is not None
        uow.session.add(Action(alert_id=alert.id, kind="playbook", playbook_id="p"))
        uow.commit()
    clicked = queue.top_accounts(ctx, caller, today=AS_OF)
    assert not clicked.served.paused
    assert (clicked.at_risk, clicked.unacted) == (5, 4)


def test_a_run_changed_by_hand_in_the_database_is_seen_by_the_next_answer(
    ctx: Context,
) -> None:
    ids = seed_world(ctx, n=20)
    model = add_model(ctx)
    run = add_run(ctx, AS_OF, model, risks_for(ids), flagged=4)
    caller = jane(ctx)
    assert queue.top_accounts(ctx, caller, today=AS_OF).served.run_id == run
    with ctx.engine.begin() as conn:  # not through the product: no session saw it
        conn.execute(update(ScoringRun).values(status="failed", error="disk full"))
    failed = queue.top_accounts(ctx, caller, today=AS_OF)
    assert failed.served.paused and failed.served.run_id is None


def test_an_answer_asked_again_reads_no_run_no_switch_and_not_every_alert(ctx: Context) -> None:
    ids = seed_world(ctx, n=40)
    run = add_run(ctx, AS_OF, add_model(ctx), risks_for(ids), flagged=10)
    _post_every_alert(ctx)
    caller = jane(ctx)
    statements: list[list[str]] = []

    def record(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        statements[-1].append(" ".join(statement.split()))

    event.listen(ctx.engine, "before_cursor_execute", record)
    try:
        for _ in range(2):
            statements.append([])
            assert queue.top_accounts(ctx, caller, today=AS_OF).served.run_id == run
    finally:
        event.remove(ctx.engine, "before_cursor_execute", record)
    first, again = statements
    assert len(again) < len(first)
    assert not [
        s for s in again if s.startswith(("SELECT max(scoring_runs.id)", "SELECT model_state"))
    ]
    every_alert = "SELECT alerts.account_id, alerts.id, alerts.as_of, actions.id"
    assert [s for s in first if s.startswith(every_alert)]
    assert not [s for s in again if s.startswith(every_alert)]


def test_what_a_process_keeps_is_out_of_the_collectors_reach(ctx: Context) -> None:
    ids = seed_world(ctx, n=20)
    add_run(ctx, AS_OF, add_model(ctx), risks_for(ids), flagged=4)
    queue.top_accounts(ctx, jane(ctx), today=AS_OF)
    assert gc.get_freeze_count() > 0
