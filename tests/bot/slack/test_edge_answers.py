"""Signed requests that reached no listener, or whose answer Slack refused, still get an answer.

Before: ``/atrisk payload`` (any form holding the letters ``payload``, even in a user's
name) and a JSON event sent as ``Application/JSON`` with leading spaces were read by bolt as
empty bodies and answered 404; a button, form, command or event atrisk does not know was
answered 404 (Slack shows the person a failure); Slack refusing ``views.open`` or the update
of a play's message was told as "something went wrong on atrisk's side", even when the play
had been marked done; an event's failure logged an error about a missing response URL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.slack import views
from bot.slack.listeners.common import SORRY
from storage.models import Account, Action, Play
from tests.bot.slack import signing
from tests.bot.slack.app_harness import (
    JANE,
    JANE_CHANNEL,
    ZOE,
    Harness,
    running_app,
    wait_until,
)
from tests.bot.slack.slack_double import SlackDouble

JSON = "application/json"


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(sqlite_url, slack_double) as harness:
        yield harness


@pytest.fixture
def app_on_each_db(db_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    """For what records something: on SQLite and on PostgreSQL."""
    with running_app(db_url, slack_double) as harness:
        yield harness


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def no_errors_logged(logs: pytest.LogCaptureFixture) -> None:
    """No stack trace anywhere, no ERROR from atrisk (slack_sdk logs a timeout as one)."""
    bad = [
        r
        for r in logs.records
        if r.exc_info or (r.levelno >= logging.ERROR and r.name.startswith("atrisk"))
    ]
    assert not bad, [r.getMessage()[:200] for r in bad]


# ---------------------------------------------------------------- the word "payload"


@pytest.mark.parametrize(
    "text", ["payload", "acme payload", "csm payload", "payload=1&x", "top 3 payload"]
)
def test_a_command_with_the_word_payload_gets_its_answer(app: Harness, text: str) -> None:
    ack, url = app.command(text, user=JANE)
    assert ack.status == 200, ack
    answer = app.wait_for_response(url)
    assert answer["response_type"] == "ephemeral" and answer["text"]
    assert SORRY not in answer["text"]


def test_an_account_named_payload_is_found_by_name(app: Harness) -> None:
    with app.ctx.uow() as uow:
        uow.session.get(Account, "initech").name = "Payload Systems"  # type: ignore[union-attr]
        uow.session.get(Account, "initech").csm_email = "jane@example.com"  # type: ignore[union-attr]
        uow.commit()
    assert "Payload Systems" in app.answer("payload systems", user=JANE)["text"]


def test_a_command_from_someone_whose_user_name_holds_payload_gets_its_answer(
    app: Harness,
) -> None:
    url = app.double.response_url()
    body = signing.command_body("help", user_id=JANE, response_url=url)
    body = body.replace("user_name=u0jane0001", "user_name=payloadpete")
    assert app.post(body).status == 200
    assert "what I can answer" in str(app.wait_for_response(url))


def test_a_click_still_reads_its_payload_after_the_form_is_encoded_again(app: Harness) -> None:
    ack, _ = app.click_playbook(user=JANE)
    assert ack.status == 200
    wait_until(lambda: app.count(Action) == 1)


# ---------------------------------------------------------------- content types


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "Application/JSON", "APPLICATION/JSON "]
)
def test_an_event_with_any_spelling_of_the_json_content_type_opens_the_home_tab(
    app: Harness, content_type: str
) -> None:
    event = {"type": "app_home_opened", "user": JANE, "channel": "D0HOME", "tab": "home"}
    body = "  " + signing.event_body(event)
    assert app.post(body, content_type=content_type).status == 200
    wait_until(lambda: app.double.calls_to("views.publish"))


# ---------------------------------------------------------------- what atrisk does not know


def test_a_button_atrisk_does_not_know_gets_a_sentence_not_a_404(
    app: Harness, logs: pytest.LogCaptureFixture
) -> None:
    ack, url = app.click("atrisk.renamed.<!here>", {"alert": app.alerts["acme"]}, user=JANE)
    assert ack.status == 200, ack
    text = app.wait_for_response(url)["text"]
    assert "not one this version of atrisk knows" in text and "nothing was recorded" in text
    assert "&lt;!here&gt;" in text and "<!here>" not in text
    assert app.count(Action) == 0
    app.finish()
    no_errors_logged(logs)


def test_a_form_atrisk_does_not_know_is_replaced_by_a_sentence(app: Harness) -> None:
    modal = {**views.dismissal_modal(app.alerts["acme"], "Acme", {}), "callback_id": "old.form"}
    payload = signing.view_submission(view=modal, values={}, user_id=JANE, user_name="jane")
    answer = app.post(signing.payload_body(payload))
    assert answer.status == 200, answer
    said = answer.json()
    assert said["response_action"] == "update"
    assert "not one this version of atrisk knows" in json.dumps(said["view"])
    assert app.count(Action) == 0


def test_another_command_sent_to_atrisks_url_is_told_which_command_atrisk_answers(
    app: Harness,
) -> None:
    url = app.double.response_url()
    body = signing.command_body("x", user_id=JANE, response_url=url, command="/old<!here>")
    answer = app.post(body)
    assert answer.status == 200, answer
    text = answer.json()["text"]
    assert "answers `/atrisk` only" in text and "/old&lt;!here&gt;" in text


@pytest.mark.parametrize(
    "event",
    [
        {"type": "app_uninstalled"},
        {"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}},
        {"type": "message", "text": "hello", "user": JANE, "channel": "D0HOME"},
    ],
)
def test_an_event_atrisk_does_not_handle_is_acknowledged(
    app: Harness, event: dict, logs: pytest.LogCaptureFixture
) -> None:
    assert app.event(event).status == 200
    app.finish()
    no_errors_logged(logs)


def test_slacks_rate_limit_notice_is_acknowledged_and_logged(
    app: Harness, logs: pytest.LogCaptureFixture
) -> None:
    notice = {"type": "app_rate_limited", "team_id": "T0DOUBLE1", "minute_rate_limited": 1}
    answer = app.post(json.dumps({**notice, "api_app_id": "A0ATRISK01"}), content_type=JSON)
    assert answer.status == 200, answer
    assert any("held back events" in r.getMessage() for r in logs.records)


# ---------------------------------------------------------------- Slack refusing a call


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        ({"error": "expired_trigger_id"}, "views.open: expired_trigger_id"),
        ({"status": 500, "times": 5}, "views.open: internal_error"),
        ({"status": 429, "retry_after": 120}, "views.open: ratelimited"),
    ],
)
def test_not_a_risk_when_slack_will_not_open_the_form_says_slack_refused_not_sorry(
    app: Harness, failure: dict, said: str, logs: pytest.LogCaptureFixture
) -> None:
    app.double.fail_next("views.open", **failure)
    ack, url = app.click("atrisk.dismiss", {"alert": app.alerts["acme"]}, user=JANE)
    assert ack.status == 200
    text = app.wait_for_response(url)["text"]
    assert said in text and "did not go through" in text and SORRY not in text
    app.finish()
    no_errors_logged(logs)


def _open_play(app: Harness) -> tuple[int, str]:
    app.offer("acme", "escalate-broken-integration")
    value = {"alert": app.alerts["acme"], "playbook": "escalate-broken-integration"}
    app.click("atrisk.playbook.0", value, user=JANE)

    def thread() -> list[dict]:
        [alert] = [m for m in app.double.messages(JANE_CHANNEL) if "thread_ts" not in m]
        return [m for m in app.double.messages(JANE_CHANNEL) if m.get("thread_ts") == alert["ts"]]

    [steps] = wait_until(thread)
    with app.ctx.uow() as uow:
        [play] = uow.session.scalars(select(Play)).all()
        return play.id, steps["ts"]


def _play_status(app: Harness) -> str:
    with app.ctx.uow() as uow:
        [play] = uow.session.scalars(select(Play)).all()
        return play.status


@pytest.mark.parametrize("failure", [{"status": 500, "times": 5}, {"error": "message_not_found"}])
def test_mark_done_when_slack_will_not_update_the_message_says_it_is_done(
    app_on_each_db: Harness, failure: dict, logs: pytest.LogCaptureFixture
) -> None:
    app = app_on_each_db
    play, ts = _open_play(app)
    app.double.fail_next("chat.update", **failure)
    _, url = app.click("atrisk.play.done", {"play": play}, user=JANE, message_ts=ts)
    text = app.wait_for_response(url)["text"]
    assert "is done" in text and "did not let atrisk update the message" in text
    assert SORRY not in text
    assert _play_status(app) == "done"
    app.finish()
    no_errors_logged(logs)


def test_undo_when_slack_will_not_update_the_messages_says_it_is_undone(
    app_on_each_db: Harness, logs: pytest.LogCaptureFixture
) -> None:
    app = app_on_each_db
    play, ts = _open_play(app)
    app.double.fail_next("chat.update", error="message_not_found", times=2)
    _, url = app.click("atrisk.play.undo", {"play": play}, user=JANE, message_ts=ts)
    text = app.wait_for_response(url)["text"]
    assert "did not let atrisk update the message" in text and SORRY not in text
    assert _play_status(app) == "undone" and app.count(Action) == 0
    app.finish()
    no_errors_logged(logs)


def test_a_home_tab_slack_will_not_publish_logs_one_line_and_no_error(
    app: Harness, logs: pytest.LogCaptureFixture
) -> None:
    app.double.fail_next("views.publish", status=500, times=5)
    app.event({"type": "app_home_opened", "user": JANE, "channel": "D0HOME", "tab": "home"})
    wait_until(lambda: app.double.calls_to("views.publish"))
    app.finish()
    no_errors_logged(logs)
    assert any("views.publish: internal_error" in r.getMessage() for r in logs.records)


# ---------------------------------------------------------------- odd modal submissions


def _submit(app: Harness, metadata: str | None, user: str = JANE) -> signing.Answer:
    modal = views.dismissal_modal(app.alerts["acme"], "Acme", {})
    if metadata is not None:
        modal["private_metadata"] = metadata
    chosen = {"selected_option": {"value": "customer_healthy"}}
    values = {views.REASON_BLOCK: {views.REASON_ACTION: chosen}}
    payload = signing.view_submission(view=modal, values=values, user_id=user, user_name="x")
    return app.post(signing.payload_body(payload))


@pytest.mark.parametrize("metadata", ["", "null", "[1]", '{"alert": "x"}', '{"alert": -4}'])
def test_a_form_with_metadata_atrisk_did_not_write_stays_open_saying_so(
    app: Harness, metadata: str
) -> None:
    answer = _submit(app, metadata)
    assert answer.status == 200
    said = answer.json()
    assert said["response_action"] == "errors"
    assert "not made by atrisk" in said["errors"][views.REASON_BLOCK]
    assert app.count(Action) == 0


def test_a_not_a_risk_answer_someone_may_not_give_is_refused_in_a_direct_message(
    app_on_each_db: Harness, logs: pytest.LogCaptureFixture
) -> None:
    """The form reached someone who may not act on the alert (Zoe, on Jane's account)."""
    app = app_on_each_db
    assert _submit(app, None, user=ZOE).status == 200
    [dm] = wait_until(
        lambda: [
            c for c in app.double.calls_to("chat.postMessage") if c.params.get("channel") == ZOE
        ]
    )
    assert "Nothing was recorded" in dm.params["text"] and SORRY not in dm.params["text"]
    assert app.count(Action) == 0
    app.finish()
    no_errors_logged(logs)


def test_a_click_whose_message_update_times_out_says_recorded_not_sorry(
    app_on_each_db: Harness, logs: pytest.LogCaptureFixture
) -> None:
    """The app's client waits 5 s; Slack answers the update after 6 s, twice."""
    app = app_on_each_db
    app.double.fail_next("chat.update", delay=6, accept=True, times=2)
    _, url = app.click_playbook(user=JANE)
    text = app.wait_for_response(url, timeout=30)["text"]
    assert text.startswith("Recorded.") and SORRY not in text
    assert app.count(Action) == 1
    app.finish()
    no_errors_logged(logs)


# ---------------------------------------------------------------- JSON inside the JSON

DEEP = "[" * 20_000 + "]" * 20_000  # far past Python's recursion limit, under the body cap


def test_a_button_whose_value_nests_json_20000_deep_gets_a_polite_answer(
    app: Harness, logs: pytest.LogCaptureFixture
) -> None:
    ack, url = app.click("atrisk.playbook.0", {}, user=JANE, raw_value=DEEP)
    assert ack.status == 200
    assert "not made by atrisk" in app.wait_for_response(url)["text"]
    assert app.count(Action) == 0
    app.finish()
    no_errors_logged(logs)


def test_a_form_whose_metadata_nests_json_20000_deep_stays_open_saying_so(
    app: Harness, logs: pytest.LogCaptureFixture
) -> None:
    answer = _submit(app, DEEP)
    assert answer.status == 200
    assert "not made by atrisk" in answer.json()["errors"][views.REASON_BLOCK]
    app.finish()
    no_errors_logged(logs)
