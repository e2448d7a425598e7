"""Answers that are not Slack's: a proxy's HTML page instead of JSON, with or without the
message having been posted behind it.

Before, slack_sdk's "Received a response in a non-JSON format: <html>…" was taken as a
permanent refusal: the alert was marked failed, never posted when the page came before the
message reached Slack, and the page's text was stored as the error. Now it is a transient
``non_json_answer``: the alert stays pending and the next run posts it exactly once (the
channel's history tells whether it already went out).
"""

from __future__ import annotations

import pytest

from bot.bootstrap import Context
from bot.delivery.post_alerts import post_pending
from tests.bot.slack.conftest import SeedAlerts
from tests.bot.slack.slack_double import SlackDouble
from tests.bot.slack.test_outbox import alerts, posts_per_key

PAGE = "<html><body><h1>502 Bad Gateway</h1></body></html>"


@pytest.mark.parametrize("status", [200, 502])
@pytest.mark.parametrize("reached_slack", [False, True], ids=["before", "after posting"])
def test_an_html_page_instead_of_slacks_answer_leaves_the_alert_pending_then_posted_once(
    outbox_ctx: Context,
    slack_double: SlackDouble,
    seed: SeedAlerts,
    status: int,
    reached_slack: bool,
) -> None:
    [alert_id] = seed(outbox_ctx, 1)
    slack_double.fail_next("chat.postMessage", status=status, raw=PAGE, accept=reached_slack)
    first = post_pending(outbox_ctx, interval=0)
    assert (first.posted, first.left_pending, first.failed) == (0, 1, 0)
    assert first.errors == {"non_json_answer": 1}
    row = alerts(outbox_ctx)[alert_id]
    assert (row.status, row.last_error) == ("pending", "non_json_answer")

    second = post_pending(outbox_ctx, interval=0)
    assert second.failed == 0 and second.left_pending == 0
    assert alerts(outbox_ctx)[alert_id].status == "posted"
    assert sum(posts_per_key(slack_double).values()) == 1


def test_a_rate_limit_without_retry_after_is_waited_out_and_posted_once(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    seed(outbox_ctx, 1)
    slack_double.fail_next("chat.postMessage", status=429)
    report = post_pending(outbox_ctx, interval=0)
    assert report.posted == 1 and sum(posts_per_key(slack_double).values()) == 1


def test_invalid_blocks_fail_the_alert_for_good_without_a_resend_and_tell_ops(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    [alert_id] = seed(outbox_ctx, 1)
    slack_double.fail_next("chat.postMessage", error="invalid_blocks")
    report = post_pending(outbox_ctx, interval=0)
    assert (report.failed, report.errors) == (1, {"invalid_blocks": 1})
    assert alerts(outbox_ctx)[alert_id].status == "failed"
    posts = [c.params["channel"] for c in slack_double.calls_to("chat.postMessage")]
    ops = outbox_ctx.spec.surface.ops_channel
    assert posts.count("#cs-0") == 1 and posts.count(ops) == 1, posts
