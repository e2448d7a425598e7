"""Posting the outbox: every pending alert reaches its channel exactly once, whatever breaks."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select

from bot.bootstrap import Context
from bot.delivery.post_alerts import post_pending
from storage.models import Alert
from storage.repositories import alert_outbox as repo
from tests.bot.slack.conftest import SeedAlerts
from tests.bot.slack.slack_double import SlackDouble


def alerts(ctx: Context) -> dict[int, Alert]:
    """Every alert row, detached (safe to read after the session is gone)."""
    with ctx.uow() as uow:
        rows = {a.id: a for a in uow.session.scalars(select(Alert))}
        uow.session.expunge_all()
    return rows


def posts_per_key(double: SlackDouble) -> Counter[str]:
    return Counter(
        m["metadata"]["event_payload"]["alert_key"]
        for m in double.messages()
        if m.get("metadata", {}).get("event_type") == "atrisk_alert"
    )


def test_pending_alerts_are_posted_to_their_channels_with_ts_saved(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    ids = seed(outbox_ctx, 6, channels=2)
    report = post_pending(outbox_ctx, interval=0)
    assert (report.posted, report.failed, report.left_pending) == (6, 0, 0)
    rows = alerts(outbox_ctx)
    assert {rows[i].status for i in ids} == {"posted"}
    for alert_id in ids:
        row = rows[alert_id]
        [msg] = [m for m in slack_double.messages(row.channel) if m["ts"] == row.posted_ts]
        assert row.posted_channel == slack_double.channel_id(str(row.channel))
        assert msg["metadata"]["event_payload"] == {"alert_key": row.alert_key, "alert_id": row.id}
        assert msg["unfurl_links"] is False and msg["unfurl_media"] is False
        assert row.posted_at is not None and row.attempts == 1
    first = slack_double.messages("#cs-0")
    assert [m["metadata"]["event_payload"]["alert_id"] for m in first] == ids[0::2]
    assert post_pending(outbox_ctx, interval=0).considered == 0


def test_a_lost_answer_is_reconciled_from_history_not_posted_twice(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    [alert_id] = seed(outbox_ctx, 1)
    slack_double.fail_next("chat.postMessage", drop_after_accept=True)
    first = post_pending(outbox_ctx, interval=0)
    assert first.left_pending == 1 and first.errors == {"connection_error": 1}
    assert alerts(outbox_ctx)[alert_id].status == "pending"
    assert len(slack_double.messages("#cs-0")) == 1  # Slack has it; we never heard back

    second = post_pending(outbox_ctx, interval=0)
    assert (second.reconciled, second.posted) == (1, 0)
    row = alerts(outbox_ctx)[alert_id]
    [msg] = slack_double.messages("#cs-0")
    assert row.status == "posted" and row.posted_ts == msg["ts"]
    assert len(slack_double.calls_to("chat.postMessage")) == 1


def test_a_crash_between_posting_and_saving_the_ts_does_not_post_twice(
    outbox_ctx: Context,
    slack_double: SlackDouble,
    seed: SeedAlerts,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = seed(outbox_ctx, 3)
    real = repo.mark_posted
    crashed: list[bool] = []

    def crash_once(*args: object, **kwargs: object) -> bool:
        if not crashed:
            crashed.append(True)
            raise RuntimeError("power cut")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(repo, "mark_posted", crash_once)
    with pytest.raises(RuntimeError, match="power cut"):
        post_pending(outbox_ctx, interval=0)
    assert len(slack_double.messages()) == 1
    monkeypatch.setattr(repo, "mark_posted", real)

    report = post_pending(outbox_ctx, interval=0)
    assert (report.reconciled, report.posted) == (1, 2)
    assert posts_per_key(slack_double) == Counter({alerts(outbox_ctx)[i].alert_key: 1 for i in ids})
    assert {a.status for a in alerts(outbox_ctx).values()} == {"posted"}


def test_two_posters_at_once_post_each_alert_once(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    seed(outbox_ctx, 12, channels=3)
    reports = []
    threads = [
        threading.Thread(target=lambda: reports.append(post_pending(outbox_ctx, interval=0)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.posted for r in reports) == 12
    assert [r.stopped for r in reports].count("another poster is running") <= 1
    assert set(posts_per_key(slack_double).values()) == {1}
    assert len(posts_per_key(slack_double)) == 12


def test_the_fallback_banner_is_posted_while_the_model_is_paused(
    outbox_ctx: Context, slack_double: SlackDouble, seed: SeedAlerts
) -> None:
    seed(outbox_ctx, 1, fallback=True)
    post_pending(outbox_ctx, interval=0)
    [msg] = slack_double.messages("#cs-0")
    assert msg["blocks"][0]["block_id"] == "atrisk.banner"
    assert (
        "Model paused — using last week's data (scored 2 Dec 2024)"
        in msg["blocks"][0]["text"]["text"]
    )


def test_an_alert_claimed_by_another_poster_is_not_claimed_again(
    outbox_ctx: Context, seed: SeedAlerts
) -> None:
    [alert_id] = seed(outbox_ctx, 1)
    with outbox_ctx.uow() as uow:
        assert repo.claim_attempt(uow.session, alert_id=alert_id, seen_attempts=0)
        assert not repo.claim_attempt(uow.session, alert_id=alert_id, seen_attempts=0)
        uow.commit()
    assert alerts(outbox_ctx)[alert_id].attempts == 1
