"""Plays: a click posts the steps in the thread and the escalation in its channel; only the
account's people may act, only on the alert's own message; undo restores the message."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from storage.models import Action, Play
from tests.bot.slack.app_harness import (
    ADMIN,
    JANE,
    JANE_CHANNEL,
    MANAGER,
    OMAR,
    ZOE,
    Harness,
    running_app,
    wait_until,
)
from tests.bot.slack.slack_double import SlackDouble


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(sqlite_url, slack_double) as harness:
        yield harness


def _escalate(app: Harness, user: str = JANE):
    app.offer("acme", "escalate-broken-integration")
    value = {"alert": app.alerts["acme"], "playbook": "escalate-broken-integration"}
    return app.click("atrisk.playbook.0", value, user=user)


def _thread(app: Harness) -> list[dict]:
    [alert] = [m for m in app.double.messages(JANE_CHANNEL) if "thread_ts" not in m]
    return [m for m in app.double.messages(JANE_CHANNEL) if m.get("thread_ts") == alert["ts"]]


def test_a_click_posts_the_steps_in_the_thread_and_the_escalation_in_its_channel(
    app: Harness,
) -> None:
    _escalate(app)
    wait_until(lambda: app.double.messages("#support-escalations"))
    [steps] = wait_until(lambda: _thread(app))
    text = json.dumps(steps["blocks"])
    assert "File an engineering escalation today" in text
    assert "Mark done" in text and "Undo" in text
    styles = [e.get("style") for b in steps["blocks"] for e in b.get("elements", [])]
    assert styles.count("primary") == 1 and "danger" not in styles
    [post] = app.double.messages("#support-escalations")
    assert "Jane Doe escalated a broken integration at Acme Corp" in post["text"]
    assert f"https://slack.com/archives/{JANE_CHANNEL}/p" in post["text"]
    [play] = _plays(app)
    assert (play.status, play.kind, play.owner_email) == ("open", "playbook", "jane@example.com")
    assert play.steps_ts == steps["ts"]


def _plays(app: Harness) -> list[Play]:
    with app.ctx.uow() as uow:
        rows = list(uow.session.query(Play).order_by(Play.id))
        uow.session.expunge_all()
        return rows


@pytest.mark.parametrize("user", [MANAGER, ADMIN])
def test_the_csms_manager_and_an_admin_may_act(app: Harness, user: str) -> None:
    app.click_playbook(user=user)
    wait_until(lambda: app.double.calls_to("chat.update"))
    assert app.count(Action) == 1


@pytest.mark.parametrize("user", [OMAR, ZOE])
def test_someone_elses_click_is_refused_and_records_nothing(app: Harness, user: str) -> None:
    ack, url = app.click_playbook(user=user)
    assert ack.status == 200
    answer = app.wait_for_response(url)
    assert answer["text"].startswith("This is Jane Doe's account")
    assert answer["response_type"] == "ephemeral"
    assert app.count(Action) == 0 and app.count(Play) == 0
    assert not app.double.calls_to("chat.update")


def test_a_click_whose_value_names_another_alert_changes_nothing(app: Harness) -> None:
    value = {"alert": app.alerts["umbrella"], "playbook": "integration-health-check"}
    ack, url = app.click("atrisk.playbook.0", value, user=ADMIN, alert="acme")
    assert ack.status == 200
    assert "not made by atrisk" in app.wait_for_response(url)["text"]
    assert app.count(Action) == 0
    assert not app.double.calls_to("chat.update")


@pytest.mark.parametrize("raw", ["4.9", "true", "1e400", str(2**63), "-3", "0", '"12abc"'])
def test_malformed_ids_are_refused_without_a_traceback(
    app: Harness, raw: str, caplog: pytest.LogCaptureFixture
) -> None:
    for action_id, key in (("atrisk.playbook.0", "alert"), ("atrisk.play.done", "play")):
        body = f'{{"{key}": {raw}, "playbook": "integration-health-check"}}'
        alert_id = app.alerts["acme"]
        ack, url = app.click(action_id, {"alert": alert_id}, user=JANE, raw_value=body)
        assert ack.status == 200
        assert "not made by atrisk" in app.wait_for_response(url)["text"]
    assert app.count(Action) == 0
    assert "Traceback" not in caplog.text


def test_undo_removes_the_action_and_restores_the_message(app: Harness) -> None:
    app.click_playbook(user=JANE)
    [steps] = wait_until(lambda: _thread(app))
    [play] = _plays(app)
    ack, _ = app.click("atrisk.play.undo", {"play": play.id}, user=JANE, message_ts=steps["ts"])
    assert ack.status == 200
    wait_until(lambda: len(app.double.calls_to("chat.update")) >= 3)
    assert app.count(Action) == 0
    [play] = _plays(app)
    assert play.status == "undone"
    [alert] = [m for m in app.double.messages(JANE_CHANNEL) if "thread_ts" not in m]
    assert [b for b in alert["blocks"] if b["type"] == "actions"], "the buttons are back"
    assert not [b for b in alert["blocks"] if b.get("block_id") == "atrisk.acted"]


def test_mark_done_closes_the_play_once(app: Harness) -> None:
    app.click_playbook(user=JANE)
    [steps] = wait_until(lambda: _thread(app))
    [play] = _plays(app)
    app.click("atrisk.play.done", {"play": play.id}, user=JANE, message_ts=steps["ts"])
    wait_until(lambda: _plays(app)[0].status == "done")
    _, url = app.click("atrisk.play.done", {"play": play.id}, user=JANE, message_ts=steps["ts"])
    assert "is done" in app.wait_for_response(url)["text"]


def test_a_play_button_from_another_message_changes_nothing(app: Harness) -> None:
    app.click_playbook(user=JANE)
    wait_until(lambda: _thread(app))
    [play] = _plays(app)
    _, url = app.click("atrisk.play.done", {"play": play.id}, user=ZOE, alert="umbrella")
    assert "not made by atrisk" in app.wait_for_response(url)["text"]
    assert _plays(app)[0].status == "open"
