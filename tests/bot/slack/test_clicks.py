"""Playbook buttons: a click is acknowledged at once, recorded once, and shown on the alert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage.models import Action
from tests.bot.slack.app_harness import (
    JANE,
    JANE_CHANNEL,
    MANAGER,
    OMAR,
    STRANGER,
    TODAY,
    Harness,
    running_app,
    wait_until,
)
from tests.bot.slack.slack_double import SlackDouble


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(sqlite_url, slack_double) as harness:
        yield harness


@pytest.fixture
def app_on_each_db(db_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    """The app on SQLite and on PostgreSQL: exactly-once must hold on both."""
    with running_app(db_url, slack_double) as harness:
        yield harness


def _alert_message(app: Harness) -> dict:
    [message] = [m for m in app.double.messages(JANE_CHANNEL) if "thread_ts" not in m]
    return message


def _acted_line(app: Harness) -> str:
    message = _alert_message(app)
    acted = [b for b in message["blocks"] if b.get("block_id") == "atrisk.acted"]
    return acted[0]["elements"][0]["text"] if acted else ""


def test_a_click_records_the_playbook_and_updates_the_message_in_place(app: Harness) -> None:
    ack, _ = app.click_playbook(user=JANE)
    assert ack.status == 200
    wait_until(lambda: app.double.calls_to("chat.update"))
    [action] = app.actions()
    assert (action.kind, action.playbook_id) == ("playbook", "integration-health-check")
    assert (action.slack_user_id, action.user_email) == (JANE, "jane@example.com")
    assert action.follow_up_on == TODAY + dt.timedelta(days=12)
    [update] = app.double.calls_to("chat.update")
    assert update.params["channel"] == JANE_CHANNEL
    line = _acted_line(app)
    assert line == "✅ Jane Doe chose *Integration health check* · outcome check on 22 Mar"
    message = _alert_message(app)
    assert not [b for b in message["blocks"] if b["type"] == "actions"], "buttons are gone"


def test_a_repeated_click_records_one_action_and_says_already_handled(
    app_on_each_db: Harness,
) -> None:
    app = app_on_each_db
    urls = []
    for _ in range(5):
        ack, url = app.click_playbook(user=JANE)
        assert ack.status == 200
        urls.append(url)
        wait_until(lambda: app.count(Action) == 1)
    wait_until(lambda: all(app.double.responses(u) for u in urls[1:]))
    assert app.count(Action) == 1
    assert len(app.double.calls_to("chat.update")) == 1
    for url in urls[1:]:
        [answer] = app.double.responses(url)
        assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
        assert answer["text"].startswith("Already handled: Jane Doe chose *Integration health")


def test_five_concurrent_clicks_record_one_action(app_on_each_db: Harness) -> None:
    app = app_on_each_db
    with ThreadPoolExecutor(5) as pool:
        acks = list(pool.map(lambda n: app.click_playbook(user=JANE, n=n % 2)[0], range(5)))
    assert [a.status for a in acks] == [200] * 5
    wait_until(lambda: app.double.calls_to("chat.update"))
    wait_until(lambda: len(app.double.responses()) == 4)
    assert app.count(Action) == 1
    assert len(app.double.calls_to("chat.update")) == 1


def test_a_click_by_the_csms_manager_is_recorded_as_that_person(app: Harness) -> None:
    app.click_playbook(user=MANAGER, n=1)
    wait_until(lambda: app.double.calls_to("chat.update"))
    [action] = app.actions()
    assert (action.slack_user_id, action.user_email) == (MANAGER, "maria@example.com")
    assert action.playbook_id == "exec-sponsor-call"
    assert _acted_line(app).startswith("✅ Maria Manager chose *Exec sponsor call*")


@pytest.mark.parametrize("user", [OMAR, STRANGER])
def test_a_click_by_someone_who_may_not_act_records_nothing(app: Harness, user: str) -> None:
    _, url = app.click_playbook(user=user)
    assert app.wait_for_response(url)["text"].startswith("This is Jane Doe's account")
    assert app.actions() == []


def test_a_click_on_an_unknown_alert_gets_a_polite_answer(app: Harness) -> None:
    ack, url = app.click("atrisk.playbook.0", {"alert": 999_999, "playbook": "x"}, user=JANE)
    assert ack.status == 200
    answer = app.wait_for_response(url)
    assert "not known to this atrisk deployment" in answer["text"]
    assert app.count(Action) == 0


def test_a_button_with_a_garbled_value_gets_a_polite_answer(app: Harness) -> None:
    ack, url = app.click("atrisk.playbook.0", {"alert": "not-a-number"}, user=JANE)
    assert ack.status == 200
    assert "not made by atrisk" in app.wait_for_response(url)["text"]


def test_a_click_on_a_deleted_message_is_recorded_and_says_so_not_sorry(app: Harness) -> None:
    app.double.fail_next("chat.update", error="message_not_found")
    ack, url = app.click_playbook(user=JANE)
    assert ack.status == 200
    answer = app.wait_for_response(url)
    assert answer["text"].startswith("Recorded.")
    assert "went wrong" not in answer["text"]
    [action] = app.actions()
    assert action.playbook_id == "integration-health-check"
    app.finish()
    thread = [c for c in app.double.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert thread, "the play's steps still reach the thread"
