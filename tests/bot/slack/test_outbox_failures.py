"""Slack saying no: rate limits, outages and refusals while posting the outbox."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from bot.bootstrap import Context
from bot.delivery.ops_notices import notify_ops
from bot.delivery.post_alerts import post_pending
from storage.models import OpsNotice
from tests.bot.slack.conftest import SeedAlerts
from tests.bot.slack.slack_double import SlackDouble
from tests.bot.slack.test_outbox import alerts, posts_per_key


def notices(ctx: Context) -> list[OpsNotice]:
    with ctx.uow() as uow:
        rows = list(uow.session.scalars(select(OpsNotice)))
        uow.session.expunge_all()
    return rows


def test_a_storm_of_429s_still_posts_every_alert_exactly_once(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    ids = seed(outbox_ctx, 8, channels=4)
    slack_double.fail_every("chat.postMessage", 3, status=429, retry_after=1)
    report = post_pending(outbox_ctx, interval=0)
    assert report.posted == 8 and report.left_pending == 0
    assert posts_per_key(slack_double) == Counter({alerts(outbox_ctx)[i].alert_key: 1 for i in ids})
    assert len(slack_double.calls_to("chat.postMessage")) > 8  # the 429s were retried


def test_a_server_error_leaves_the_alert_pending_and_the_next_run_posts_it_once(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    [alert_id] = seed(outbox_ctx, 1)
    slack_double.fail_next("chat.postMessage", status=500)
    first = post_pending(outbox_ctx, interval=0)
    assert first.left_pending == 1 and first.errors == {"internal_error": 1}
    row = alerts(outbox_ctx)[alert_id]
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "internal_error")

    second = post_pending(outbox_ctx, interval=0)
    assert second.posted == 1
    row = alerts(outbox_ctx)[alert_id]
    assert (row.status, row.attempts, row.last_error) == ("posted", 2, None)
    assert len(slack_double.messages("#cs-0")) == 1
    assert not notices(outbox_ctx)


def test_a_missing_channel_fails_its_alerts_and_tells_ops_once(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    ids = seed(outbox_ctx, 6, channels=2)  # 3 alerts in #cs-1
    slack_double.fail_next("chat.postMessage", error="channel_not_found", channel="#cs-1", times=99)
    report = post_pending(outbox_ctx, interval=0)
    assert (report.posted, report.failed) == (3, 3)
    rows = alerts(outbox_ctx)
    gone = [rows[i] for i in ids if rows[i].channel == "#cs-1"]
    assert {(r.status, r.last_error) for r in gone} == {("failed", "channel_not_found")}
    [ops] = slack_double.messages("#atrisk-ops")
    assert "#cs-1" in ops["text"] and "channel_not_found" in ops["text"]
    assert "<@U0BOTOWNER>" in ops["text"]
    [notice] = notices(outbox_ctx)
    assert (notice.notice_key, notice.status) == ("post:channel_not_found:#cs-1", "posted")
    post_pending(outbox_ctx, interval=0)
    assert len(slack_double.messages("#atrisk-ops")) == 1


def test_an_app_not_in_the_channel_joins_it_and_posts(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    seed(outbox_ctx, 1)
    slack_double.fail_next("chat.postMessage", error="not_in_channel")
    report = post_pending(outbox_ctx, interval=0)
    assert report.posted == 1
    assert slack_double.channel_id("#cs-0") in slack_double.joined
    assert len(slack_double.messages("#cs-0")) == 1


def test_a_revoked_token_stops_the_run_and_leaves_the_rest_pending(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    seed(outbox_ctx, 5)
    slack_double.token = "xoxb-rotated"
    report = post_pending(outbox_ctx, interval=0, workers=1)
    assert report.stopped == "invalid_auth"
    assert (report.failed, report.posted) == (1, 0)
    statuses = Counter(a.status for a in alerts(outbox_ctx).values())
    assert statuses == Counter({"pending": 4, "failed": 1})
    [notice] = notices(outbox_ctx)
    assert notice.notice_key == "post:invalid_auth" and notice.status == "failed"


def test_an_ops_notice_is_sent_once_per_cause(
    outbox_ctx: Context, slack_double: SlackDouble
) -> None:
    assert notify_ops(outbox_ctx, "drift:2024-12-02", "Drift on 4 features", about="model")
    assert not notify_ops(outbox_ctx, "drift:2024-12-02", "Drift on 4 features", about="model")
    [msg] = slack_double.messages("#atrisk-ops")
    assert msg["text"] == "<@U0MODELOWN> Drift on 4 features"
