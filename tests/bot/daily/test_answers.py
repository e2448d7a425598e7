"""While the model is paused, `/atrisk` answers carry the banner and `/atrisk status` says why."""

from __future__ import annotations

import datetime as dt
import json

from bot.answers import lookups, queue
from bot.bootstrap import Context
from bot.daily.status import read_status
from bot.lifecycle import model_state
from bot.slack import queue_views, views
from tests.bot.daily.factories import AS_OF, OpsRecorder, add_model, add_run, risks_for, seed_world

BANNER = "Model paused — using last week's data (scored 8 Jan 2025)"


def seeded(ctx: Context) -> None:
    ids = seed_world(ctx)
    add_run(ctx, AS_OF - dt.timedelta(days=7), add_model(ctx), risks_for(ids))


def test_a_disabled_model_puts_the_banner_on_a_csms_answer(ctx: Context, ops: OpsRecorder) -> None:
    seeded(ctx)
    model_state.disable(ctx, "bad data since Monday", "jane@example.com")
    caller = lookups.resolve_caller(ctx, "U0CSM0")
    assert caller is not None
    payload = json.dumps(
        queue_views.top(queue.top_accounts(ctx, caller, today=AS_OF)), ensure_ascii=False
    )
    assert BANNER in payload
    assert "Account A001" in payload  # last week's scores are still shown


def test_status_says_paused_why_and_since_when(ctx: Context, ops: OpsRecorder) -> None:
    seeded(ctx)
    model_state.disable(ctx, "bad data since Monday", "jane@example.com")
    answer = read_status(ctx, dt.datetime(2025, 1, 15, 9, tzinfo=dt.UTC))
    assert answer.model_state == "disabled" and answer.serving.paused
    payload = json.dumps(views.status(answer), ensure_ascii=False)
    assert BANNER in payload
    assert "bad data since Monday" in payload and "jane@example.com" in payload


def test_an_active_model_answers_without_a_banner(ctx: Context) -> None:
    seeded(ctx)
    caller = lookups.resolve_caller(ctx, "U0CSM0")
    assert caller is not None
    answer = queue.top_accounts(ctx, caller, today=AS_OF)
    assert answer.served.banner is None
    assert "Model paused" not in json.dumps(queue_views.top(answer), ensure_ascii=False)
