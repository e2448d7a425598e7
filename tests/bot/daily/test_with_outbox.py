"""The daily job with the real Slack outbox: the banner as CSMs see it, ops notices, and a
run killed right after Slack took a message."""

from __future__ import annotations

import json
import multiprocessing as mp
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.bootstrap import Context
from bot.daily.job import run_daily
from bot.delivery.post_alerts import post_pending
from bot.lifecycle import model_state
from storage.models import Alert, OpsNotice
from tests.bot.daily import racers
from tests.bot.daily.factories import AS_OF, FakeScorer, add_model, add_run, make_ctx, risks_for
from tests.bot.daily.factories import seed_world as seed
from tests.bot.slack.slack_double import SlackDouble

BANNER = "Model paused — using last week's data (scored 8 Jan 2025)"


def test_a_disabled_model_posts_alerts_with_the_banner(sqlite_ctx: Context) -> None:
    ids = seed(sqlite_ctx)
    model_id = add_model(sqlite_ctx)
    add_run(sqlite_ctx, AS_OF.replace(day=8), model_id, risks_for(ids), alerts=False)
    model_state.disable(sqlite_ctx, "bad data since Monday", "jane@example.com")
    report = run_daily(sqlite_ctx, AS_OF, scorer=FakeScorer())  # the real poster, dry run
    assert report.alerts == {"posted": 4}
    files = sorted((sqlite_ctx.settings.atrisk_outbox_dir / AS_OF.isoformat()).glob("*.json"))
    assert len(files) == 4
    payload = json.loads(files[0].read_text())
    banner = next(b for b in payload["blocks"] if b.get("block_id") == "atrisk.banner")
    assert BANNER in banner["text"]["text"]
    assert payload["text"].startswith(BANNER)


def test_a_paused_models_alert_footer_says_it_uses_last_weeks_scores(sqlite_ctx: Context) -> None:
    ids = seed(sqlite_ctx)
    model_id = add_model(sqlite_ctx)
    add_run(sqlite_ctx, AS_OF.replace(day=8), model_id, risks_for(ids), alerts=False)
    model_state.disable(sqlite_ctx, "bad data since Monday", "jane@example.com")
    run_daily(sqlite_ctx, AS_OF, scorer=FakeScorer())
    for path in (sqlite_ctx.settings.atrisk_outbox_dir / AS_OF.isoformat()).glob("*.json"):
        blocks = json.loads(path.read_text())["blocks"]
        footer = next(b for b in blocks if b.get("block_id") == "atrisk.context")
        text = footer["elements"][0]["text"]
        assert "using last week's data (scored 8 Jan 2025)" in text
        assert "15 Jan 2025" not in text, "the alert's day is not the day its scores were made"


def test_the_owners_get_one_ops_message_per_cause_and_day(sqlite_ctx: Context) -> None:
    seed(sqlite_ctx)
    add_model(sqlite_ctx)
    for _ in range(2):
        run_daily(sqlite_ctx, AS_OF, scorer=FakeScorer(fail="features failed"))
    with sqlite_ctx.uow() as uow:
        notices = {n.notice_key: n.text for n in uow.session.scalars(select(OpsNotice))}
    assert "fallback:2025-01-15:run_failed" in notices
    assert "features failed" in notices["fallback:2025-01-15:run_failed"]
    written = (sqlite_ctx.settings.atrisk_outbox_dir / "ops").glob("fallback*.json")
    [message] = [json.loads(p.read_text()) for p in written]
    assert message["channel"] == "#atrisk-ops"
    assert message["text"].startswith("<@U0MODELOWN> :warning: Churn model paused for 2025-01-15")


@pytest.mark.postgres
def test_a_run_killed_after_slack_took_a_message_posts_the_rest_once(
    pg_url: str, tmp_path: Path
) -> None:
    with SlackDouble("xoxb-test") as slack:
        ctx = make_ctx(pg_url, tmp_path, token="xoxb-test", api_url=slack.url)
        seed(ctx)
        add_model(ctx)
        child = mp.get_context("spawn").Process(
            target=racers.killed_while_posting,
            args=(pg_url, str(tmp_path), slack.url, AS_OF, 2),
        )
        child.start()
        child.join(timeout=120)
        assert child.exitcode == 137
        # two were accepted; a post on the other channel's thread may have been in flight
        assert len(slack.messages()) in (2, 3)
        report = run_daily(
            ctx, AS_OF, scorer=FakeScorer(), poster=lambda c: post_pending(c, interval=0.0)
        )
        messages = slack.messages()
        ctx.close()
    assert report.reused and report.alerts == {"posted": 4}
    keys = [m["metadata"]["event_payload"]["alert_key"] for m in messages]
    assert len(keys) == 4 and len(set(keys)) == 4  # every alert exactly once
    with ctx.uow() as uow:
        assert all(a.posted_ts for a in uow.session.scalars(select(Alert)))
