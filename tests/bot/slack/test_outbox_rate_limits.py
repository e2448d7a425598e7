"""Slack asking the poster to wait: a wait past the cap leaves alerts pending instead of
stalling the run, an HTTP date is read like seconds, and a run waiting out a rate limit is
never taken over (and never sends again once it has been)."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import update

from bot.adapters.slack_web import SlackWebApi, make_client
from bot.bootstrap import Context
from bot.delivery import post_alerts
from bot.delivery.post_alerts import ANOTHER_POSTER, CLAIM_LOST, PostReport, post_pending
from storage.models import Alert, JobRun
from tests.bot.slack.conftest import SeedAlerts
from tests.bot.slack.slack_double import SlackDouble
from tests.bot.slack.test_outbox import alerts, posts_per_key


def web_api(ctx: Context, *, cap: float) -> SlackWebApi:
    return SlackWebApi(make_client(ctx.settings), max_retry_after=cap)


def http_date(seconds_from_now: float) -> str:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds_from_now)
    return email.utils.format_datetime(when, usegmt=True)


@pytest.fixture
def quick_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    """Heartbeats every 0.1 s; a poster silent for 1 s counts as dead."""
    monkeypatch.setattr(post_alerts, "HEARTBEAT_SECONDS", 0.1)
    monkeypatch.setattr(post_alerts, "POSTER_STALE_AFTER", dt.timedelta(seconds=1))


def test_a_retry_after_past_the_cap_leaves_the_alerts_pending_instead_of_waiting(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    ids = seed(outbox_ctx, 6)
    slack_double.fail_next("chat.postMessage", status=429, retry_after=20)
    started = time.monotonic()
    report = post_pending(outbox_ctx, slack=web_api(outbox_ctx, cap=2), interval=0)
    assert time.monotonic() - started < 5
    assert (report.posted, report.left_pending, report.errors) == (0, 6, {"ratelimited": 6})
    assert len(slack_double.calls_to("chat.postMessage")) == 1  # the rest of the channel waits
    assert {alerts(outbox_ctx)[i].status for i in ids} == {"pending"}

    again = post_pending(outbox_ctx, slack=web_api(outbox_ctx, cap=2), interval=0)
    assert again.posted == 6
    assert set(posts_per_key(slack_double).values()) == {1}


def test_a_retry_after_given_as_an_http_date_is_waited_out_and_the_alert_posted_once(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    [alert_id] = seed(outbox_ctx, 1)
    slack_double.fail_next("chat.postMessage", status=429, retry_after=http_date(1))
    report = post_pending(outbox_ctx, slack=web_api(outbox_ctx, cap=5), interval=0)
    assert report.posted == 1 and report.left_pending == 0
    assert alerts(outbox_ctx)[alert_id].status == "posted"
    assert len(slack_double.messages("#cs-0")) == 1


def test_a_retry_after_date_an_hour_away_leaves_the_alert_pending(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    [alert_id] = seed(outbox_ctx, 1)
    slack_double.fail_next("chat.postMessage", status=429, retry_after=http_date(3600))
    report = post_pending(outbox_ctx, slack=web_api(outbox_ctx, cap=5), interval=0)
    assert report.left_pending == 1 and report.trouble is None
    assert alerts(outbox_ctx)[alert_id].status == "pending"


def _age_the_claim(ctx: Context, hours: float) -> None:
    """Make the poster's claim look as old as a run stalled for ``hours``."""
    with ctx.engine.begin() as conn:
        conn.execute(
            update(JobRun)
            .where(JobRun.job == post_alerts.POSTER_JOB)
            .values(started_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours))
        )


def test_a_second_run_never_takes_over_a_poster_waiting_out_a_rate_limit(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts, quick_lease: None
) -> None:
    seed(outbox_ctx, 6)
    slack_double.fail_next("chat.postMessage", status=429, retry_after=3)
    first: list[PostReport] = []
    waiting = threading.Thread(
        target=lambda: first.append(
            post_pending(outbox_ctx, slack=web_api(outbox_ctx, cap=5), interval=0)
        )
    )
    waiting.start()
    deadline = time.monotonic() + 10
    while not slack_double.calls_to("chat.postMessage") and time.monotonic() < deadline:
        time.sleep(0.02)
    _age_the_claim(outbox_ctx, hours=2)  # started long ago, as a long stall would look
    time.sleep(1.5)  # longer than a dead poster may stay silent
    second = post_pending(outbox_ctx, slack=web_api(outbox_ctx, cap=5), interval=0)
    waiting.join(timeout=30)
    assert second.stopped == ANOTHER_POSTER and second.posted == 0
    assert first[0].posted == 6
    assert Counter(posts_per_key(slack_double).values()) == Counter({1: 6})


def test_a_poster_whose_claim_was_taken_over_while_waiting_does_not_send_again(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts, quick_lease: None
) -> None:
    seed(outbox_ctx, 3)
    slack_double.fail_next("chat.postMessage", status=429, retry_after=2)
    first: list[PostReport] = []
    waiting = threading.Thread(
        target=lambda: first.append(
            post_pending(outbox_ctx, slack=web_api(outbox_ctx, cap=5), interval=0)
        )
    )
    waiting.start()
    deadline = time.monotonic() + 10
    while not slack_double.calls_to("chat.postMessage") and time.monotonic() < deadline:
        time.sleep(0.02)
    with outbox_ctx.engine.begin() as conn:  # another replica took the claim over
        conn.execute(
            update(JobRun)
            .where(JobRun.job == post_alerts.POSTER_JOB)
            .values(owner="another-host:1:0000", heartbeat_at=dt.datetime.now(dt.UTC))
        )
    waiting.join(timeout=30)
    [report] = first
    assert report.stopped == CLAIM_LOST and report.posted == 0
    assert report.trouble == f"posting stopped early: {CLAIM_LOST}"
    assert len(slack_double.calls_to("chat.postMessage")) == 1  # the rate-limited one only

    with outbox_ctx.engine.begin() as conn:  # the other replica finished without posting
        conn.execute(update(JobRun).values(status="failed"))
    again = post_pending(outbox_ctx, slack=web_api(outbox_ctx, cap=5), interval=0)
    assert again.posted == 3
    assert Counter(posts_per_key(slack_double).values()) == Counter({1: 3})
    with outbox_ctx.uow() as uow:
        statuses = {a.status for a in uow.session.query(Alert)}
    assert statuses == {"posted"}


def test_the_posting_report_reads_as_plain_data_for_json() -> None:
    report = PostReport(dry_run=False)
    report.count("left_pending", "ratelimited")
    data = report.as_dict()
    assert data["left_pending"] == 1 and data["errors"] == {"ratelimited": 1}
    assert "_lock" not in data and json.loads(json.dumps(data)) == data
