"""A worker of ``atrisk serve`` builds what answers keep before its first question: the
first ``/atrisk status`` or name search it takes costs what the later ones do."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.answers.name_index import names_of
from bot.answers.roster import roster_of
from bot.bootstrap import Context
from bot.cli import serve_cmd
from bot.cli.serve_cmd import warm_up
from bot.daily.status import read_status
from tests.bot.daily.factories import AS_OF, add_model, add_run, risks_for, seed_world


def test_a_warmed_up_worker_reads_nothing_again_for_its_first_questions(ctx: Context) -> None:
    ids = seed_world(ctx, n=30)
    add_run(ctx, AS_OF, add_model(ctx), risks_for(ids), flagged=4)
    warm_up(ctx)
    assert "source_engine" in ctx.__dict__  # opened, not on the first status
    statements: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_rest: Any) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(ctx.engine, "before_cursor_execute", record)
    try:
        with ctx.uow() as uow:
            names_of(uow.session)
            roster_of(uow.session)
    finally:
        event.remove(ctx.engine, "before_cursor_execute", record)
    assert len(statements) == 1  # what the copies are keyed by; nothing is built again
    assert read_status(ctx, ctx.clock()).last_run is not None


def test_a_worker_that_cannot_warm_up_still_starts_and_says_so(
    ctx: Context, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(_session: object) -> None:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(serve_cmd, "names_of", locked)
    with caplog.at_level(logging.WARNING, logger="atrisk"):
        warm_up(ctx)  # logged, not raised
    assert "copies were not built at start" in caplog.text
