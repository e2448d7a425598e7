"""A second alert for an account with an open play updates the play's message: no new post."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator

import pytest

from bot.delivery.post_alerts import post_pending
from storage.models import Alert
from tests.bot.slack.app_harness import JANE, JANE_CHANNEL, TODAY, Harness, running_app, wait_until
from tests.bot.slack.slack_double import SlackDouble

SINCE = "Risk rose from 81 % to 93 % since you chose Integration health check on 10 Mar"


@pytest.fixture
def app(db_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(db_url, slack_double) as harness:
        yield harness


def test_a_second_alert_for_an_account_with_an_open_play_posts_no_new_message(
    app: Harness,
) -> None:
    app.click_playbook(user=JANE)
    wait_until(lambda: [m for m in app.double.messages(JANE_CHANNEL) if m.get("thread_ts")])
    posts_before = len(app.double.calls_to("chat.postMessage"))
    first = app.alerts["acme"]
    with app.ctx.uow() as uow:
        old = uow.session.get(Alert, first)
        assert old is not None
        values = {c.name: getattr(old, c.name) for c in Alert.__table__.columns if c.name != "id"}
        values.update(
            alert_key=f"acme:{TODAY + dt.timedelta(days=9)}",
            as_of=TODAY + dt.timedelta(days=9),
            risk=0.93,
            status="pending",
            posted_channel=None,
            posted_ts=None,
            posted_at=None,
            follows_alert_id=first,
            since_text=SINCE,
        )
        uow.session.add(Alert(**values))
        uow.commit()
    report = post_pending(app.ctx, interval=0)
    assert (report.posted, report.updated) == (0, 1)
    assert len(app.double.calls_to("chat.postMessage")) == posts_before
    [alert] = [m for m in app.double.messages(JANE_CHANNEL) if "thread_ts" not in m]
    text = json.dumps(alert["blocks"], ensure_ascii=False)
    assert SINCE in text
    assert "Jane Doe chose *Integration health check*" in text, "the play stays on the message"
    assert not [b for b in alert["blocks"] if b["type"] == "actions"]
    with app.ctx.uow() as uow:
        second = uow.session.query(Alert).filter(Alert.follows_alert_id == first).one()
        assert (second.status, second.posted_ts) == ("posted", alert["ts"])
    assert dataclasses.is_dataclass(report)


def test_an_update_to_an_open_play_is_not_counted_again_in_adoption(app: Harness) -> None:
    """Adoption counts the alert a CSM was asked to act on once, not each day's update of it."""
    from storage.repositories.feedback import load_report_frames
    from storage.repositories.read_models import posted_alert_answers

    app.click_playbook(user=JANE)
    first = app.alerts["acme"]
    with app.ctx.uow() as uow:
        before = len(posted_alert_answers(uow.session, csm_emails=None, since=TODAY))
        old = uow.session.get(Alert, first)
        assert old is not None
        values = {c.name: getattr(old, c.name) for c in Alert.__table__.columns if c.name != "id"}
        values.update(
            alert_key=f"acme:{TODAY + dt.timedelta(days=9)}",
            as_of=TODAY + dt.timedelta(days=9),
            status="posted",
            follows_alert_id=first,
        )
        uow.session.add(Alert(**values))
        uow.commit()
    with app.ctx.uow() as uow:
        after = len(posted_alert_answers(uow.session, csm_emails=None, since=TODAY))
    assert after == before
    frames = load_report_frames(app.ctx.engine)
    assert first in set(frames.alerts["id"])
    assert len(frames.alerts[frames.alerts["account_id"] == old.account_id]) == 1
