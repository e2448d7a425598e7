""" "Not a risk": a modal asks why; submitting records the dismissal and updates the alert."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.slack.views import NOTE_ACTION, NOTE_BLOCK, REASON_ACTION, REASON_BLOCK
from playbooks import DISMISSAL_REASONS
from tests.bot.slack import signing
from tests.bot.slack.app_harness import (
    JANE,
    JANE_CHANNEL,
    MANAGER,
    Harness,
    running_app,
    wait_until,
)
from tests.bot.slack.slack_double import SlackDouble


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(sqlite_url, slack_double) as harness:
        yield harness


def _open_modal(app: Harness, user: str = JANE) -> dict[str, Any]:
    ack, _ = app.click("atrisk.dismiss", {"alert": app.alerts["acme"]}, user=user)
    assert ack.status == 200
    [call] = wait_until(lambda: app.double.calls_to("views.open"))
    return dict(call.params["view"])


def _values(reason: str | None, note: str | None = None) -> dict[str, Any]:
    chosen: dict[str, Any] = {"type": "radio_buttons", "selected_option": None}
    if reason:
        chosen["selected_option"] = {
            "value": reason,
            "text": {"type": "plain_text", "text": reason},
        }
    return {
        REASON_BLOCK: {REASON_ACTION: chosen},
        NOTE_BLOCK: {NOTE_ACTION: {"type": "plain_text_input", "value": note}},
    }


def _submit(app: Harness, view: dict[str, Any], values: dict[str, Any], user: str = JANE):
    payload = signing.view_submission(view=view, values=values, user_id=user, user_name="jane")
    return app.post(signing.payload_body(payload))


def test_not_a_risk_opens_a_modal_with_every_reason(app: Harness) -> None:
    view = _open_modal(app)
    [call] = app.double.calls_to("views.open")
    assert call.params["trigger_id"]
    assert view["type"] == "modal" and view["callback_id"] == "atrisk.dismissal"
    radios = next(b for b in view["blocks"] if b.get("block_id") == REASON_BLOCK)
    values = [o["value"] for o in radios["element"]["options"]]
    assert values == [r.id for r in DISMISSAL_REASONS]
    assert json.loads(view["private_metadata"])["alert"] == app.alerts["acme"]
    assert "Acme Corp" in json.dumps(view["blocks"])


def test_submitting_records_the_dismissal_with_its_reason_and_updates_the_alert(
    app: Harness,
) -> None:
    view = _open_modal(app)
    ack = _submit(app, view, _values("customer_healthy"))
    assert (ack.status, ack.body) == (200, "")
    wait_until(lambda: app.double.calls_to("chat.update"))
    [action] = app.actions()
    assert (action.kind, action.dismiss_reason, action.dismiss_text) == (
        "dismissal",
        "customer_healthy",
        None,
    )
    assert action.slack_user_id == JANE and action.user_email == "jane@example.com"
    [message] = app.double.messages(JANE_CHANNEL)
    text = json.dumps(message["blocks"])
    assert "marked this not a risk: Customer is healthy" in text
    assert '"actions"' not in text


def test_other_without_words_keeps_the_modal_open_with_the_problem(app: Harness) -> None:
    view = _open_modal(app)
    ack = _submit(app, view, _values("other", "  "))
    assert ack.status == 200
    answer = ack.json()
    assert answer["response_action"] == "errors" and NOTE_BLOCK in answer["errors"]
    assert app.actions() == []


def test_other_with_words_keeps_them(app: Harness) -> None:
    view = _open_modal(app)
    _submit(app, view, _values("other", "Renewed yesterday for 3 years"))
    wait_until(lambda: app.actions())
    [action] = app.actions()
    assert (action.dismiss_reason, action.dismiss_text) == (
        "other",
        "Renewed yesterday for 3 years",
    )


def test_not_a_risk_on_a_handled_alert_says_so_instead_of_asking(app: Harness) -> None:
    app.click_playbook(user=MANAGER)
    wait_until(lambda: app.double.calls_to("chat.update"))
    ack, url = app.click("atrisk.dismiss", {"alert": app.alerts["acme"]}, user=JANE)
    assert ack.status == 200
    answer = app.wait_for_response(url)
    assert answer["text"].startswith(
        "Already handled: Maria Manager chose *Integration health check*"
    )
    assert app.double.calls_to("views.open") == []


def test_a_late_submission_after_someone_acted_is_told_privately(app: Harness) -> None:
    view = _open_modal(app)
    app.click_playbook(user=MANAGER)
    wait_until(lambda: app.double.calls_to("chat.update"))
    _submit(app, view, _values("data_wrong"))
    [ephemeral] = wait_until(lambda: app.double.ephemerals(JANE_CHANNEL))
    assert ephemeral["user"] == JANE and ephemeral["text"].startswith("Already handled: Maria")
    [action] = app.actions()
    assert action.kind == "playbook"


def test_an_unknown_reason_is_shown_next_to_the_reason_field() -> None:
    from bot.slack.listeners.views.dismissal_submit import check_dismissal
    from bot.slack.views import REASON_ACTION, REASON_BLOCK

    answers: list[dict] = []
    chosen = {"type": "radio_buttons", "selected_option": {"value": "<!here>"}}
    view = {"state": {"values": {REASON_BLOCK: {REASON_ACTION: chosen}}}}
    check_dismissal(lambda **kw: answers.append(kw), view)  # type: ignore[arg-type]
    [answer] = answers
    assert answer["response_action"] == "errors" and REASON_BLOCK in answer["errors"]
    assert "<!here>" not in str(answer)
