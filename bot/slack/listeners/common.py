"""What every listener shares: the instant ack, the one error handler, and lazy guarding.

Bolt runs lazy listeners after the ack and only logs what they raise, without the stack
and without telling the user; ``guarded`` sends those errors to ``on_error``, the handler
``create_app`` also registers with ``@app.error``, so every failure is handled one way.
It also moves the lazy work onto the app's bounded work pool.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.adapters.slack_web import api_error, classify
from bot.blockkit.alerts import ALERT_EVENT_TYPE, SLACK_USER_ID
from bot.blockkit.text import safe
from bot.errors import AtriskError, expected_errors
from bot.feedback.permissions import Where

log = logging.getLogger("atrisk.slack")

SORRY = (
    "Sorry, something went wrong on atrisk's side while handling that. It has been logged "
    "for the owners; please try again in a minute."
)


MAX_ALERT_ID = 2**31 - 1  # ids are INTEGER columns
MAX_PLAYBOOK_ID = 128  # the actions.playbook_id column
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,31}$")
MESSAGE_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")


class ButtonInvalid(AtriskError):
    """A button whose value atrisk did not write (or wrote in a shape it no longer reads)."""


def alert_id(value: object, what: str = "button") -> int:
    """The alert id a button or modal carries: a positive integer the database can hold."""
    refused = ButtonInvalid(f"This {what} was not made by atrisk; nothing was recorded.")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise refused
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) < 20):
        raise refused
    if not 0 < int(text) <= MAX_ALERT_ID:
        raise refused
    return int(text)


def hidden_value(text: object) -> Any:
    """The JSON atrisk hid in a button's value or a form's metadata; None when ``text`` is
    not JSON text (or nests deeper than Python can parse: ``RecursionError``)."""
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def modal_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What ``dismissal_modal`` put in ``private_metadata``: the alert id, and where the
    alert's message is (channel and ts, None when missing or not shaped like Slack's)."""
    meta = hidden_value(view.get("private_metadata") or "{}")
    if not isinstance(meta, dict):
        raise ButtonInvalid("This form was not made by atrisk; nothing was recorded.")
    channel, ts = meta.get("channel"), meta.get("ts")
    return {
        "alert": alert_id(meta.get("alert"), "form"),
        "channel": channel if isinstance(channel, str) and CHANNEL_ID.match(channel) else None,
        "ts": ts if isinstance(ts, str) and MESSAGE_TS.match(ts) else None,
    }


def ack_now(ack: Ack) -> None:
    """Acknowledge at once: Slack wants an answer within 3 seconds, the work follows lazily."""
    ack()


def on_error(
    error: Exception,
    body: dict[str, Any] | None,
    respond: Respond | None,
    logger: logging.Logger,
    client: Any = None,
) -> None:
    """Log the error (with its stack when unexpected) and tell the person politely.

    Slack refusing a call (an expired trigger, a rate limit, a response URL it does not
    serve) is logged on one line with Slack's answer: the stack would say nothing more; the
    person is told Slack refused, not that atrisk broke. The answer goes to the request's
    response URL; a modal submission has none, so its submitter gets it as a direct message
    from the app (``client``); an event has nobody to tell."""
    expected = isinstance(error, expected_errors())
    data = body or {}
    kind = data.get("type") or ("slash_command" if data.get("command") else "?")
    if expected:
        logger.warning("atrisk refused a %s request: %s", kind, error)
        text = safe(str(error), 3000, markup=True)  # atrisk's sentence: its `code` stays
    elif is_slacks_doing(error):
        refusal = slack_refusal(error)
        logger.warning("Slack refused a call for a %s request: %s", kind, refusal)
        text = SLACK_REFUSED.format(refusal=safe(refusal, 200))
    else:
        logger.error("atrisk failed on a %s request", kind, exc_info=error)
        text = SORRY
    try:
        if respond is not None and _answerable(data):
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif client is not None and kind == "view_submission" and _user_id(data):
            client.chat_postMessage(channel=_user_id(data), text=text)
    except Exception as e:  # the apology itself failed: log it, there is nobody else to tell
        logger.error("could not send the error answer: %s", " ".join(str(e).split())[:200])


SLACK_REFUSED = (
    "Slack did not take atrisk's call ({refusal}), so this did not go through. "
    "Please try again in a minute."
)


def _answerable(body: dict[str, Any]) -> bool:
    """True when the request carries a response URL to answer through."""
    urls = body.get("response_urls")
    return bool(body.get("response_url")) or (isinstance(urls, list) and bool(urls))


def _user_id(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    return user_id if isinstance(user_id, str) and SLACK_USER_ID.match(user_id) else None


def update_message(
    client: Any, logger: logging.Logger, *, channel: str, ts: str, payload: dict[str, Any]
) -> bool:
    """``chat.update`` after something was recorded: a refusal (the message was deleted, the
    app left the channel) is one log line and False; what was recorded stays recorded."""
    try:
        client.chat_update(channel=channel, ts=ts, **payload)
    except Exception as e:
        if not is_slacks_doing(e):
            raise
        logger.warning("recorded, but the message was not updated: %s", slack_refusal(e))
        return False
    return True


def is_slacks_doing(error: BaseException) -> bool:
    """True for a call Slack refused or did not answer (an error answer, a page that is not
    JSON, a timeout, a connection error): the person is told Slack refused, not atrisk."""
    return classify(error) is not None


def slack_refusal(error: BaseException) -> str:
    """Slack's answer to a failed call, in one short line (``views.open: expired_trigger_id``,
    ``timeout``)."""
    if isinstance(error, SlackApiError):
        url = str(getattr(error.response, "api_url", "")).rsplit("/", 1)[-1]
        return f"{url or 'a call'}: {api_error(error)}"
    failure = classify(error)
    if failure is not None and not isinstance(error, SlackClientError):
        return failure.error
    return " ".join(str(error).split())[:200]


def _run(func: Callable[..., None], kwargs: dict[str, Any]) -> None:
    try:
        func(**kwargs)
    except Exception as e:
        logger = kwargs.get("logger") or log
        on_error(e, kwargs.get("body"), kwargs.get("respond"), logger, kwargs.get("client"))


def guarded(func: Callable[..., None], work: Executor | None = None) -> Callable[..., None]:
    """A lazy listener whose errors reach ``on_error`` (bolt injects ``func``'s arguments).

    With ``work``, the listener runs on that bounded pool: a burst of slow, CPU-heavy work
    then never crowds out the threads that verify and acknowledge new requests.
    """

    @functools.wraps(func)
    def run(**kwargs: Any) -> None:
        if work is None:
            _run(func, kwargs)
        else:
            work.submit(_run, func, kwargs)

    return run


def button_value(body: dict[str, Any], key: str = "alert") -> dict[str, Any]:
    """The JSON value of the clicked button, with an integer ``key`` (``alert`` or ``play``)."""
    try:
        value = hidden_value(body["actions"][0]["value"])
    except (KeyError, IndexError, TypeError) as e:
        raise ButtonInvalid("This button was not made by atrisk; nothing was recorded.") from e
    if not isinstance(value, dict):
        raise ButtonInvalid("This button was not made by atrisk; nothing was recorded.")
    value[key] = alert_id(value.get(key))
    playbook = value.get("playbook")
    if playbook is not None and not (
        isinstance(playbook, str) and len(playbook) <= MAX_PLAYBOOK_ID
    ):
        raise ButtonInvalid("This button names no playbook atrisk knows; nothing was recorded.")
    return value


def message_location(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel and ts of the message a button sits on, from the payload (None for
    either when it is missing or not shaped like a Slack id / timestamp)."""
    container, channel_of, message = (
        value if isinstance(value, dict) else {}
        for value in (body.get("container"), body.get("channel"), body.get("message"))
    )
    channel = container.get("channel_id") or channel_of.get("id")
    ts = container.get("message_ts") or message.get("ts")
    return (
        channel if isinstance(channel, str) and CHANNEL_ID.match(channel) else None,
        ts if isinstance(ts, str) and MESSAGE_TS.match(ts) else None,
    )


def click_where(body: dict[str, Any]) -> Where:
    """Where a click came from: the message's channel and ts, and the alert id in the
    message's metadata when Slack sent it (a metadata id atrisk cannot read is refused)."""
    channel, ts = message_location(body)
    message = _dict(body.get("message"))
    meta = _dict(message.get("metadata"))
    payload = _dict(meta.get("event_payload"))
    named = payload.get("alert_id") if meta.get("event_type") == ALERT_EVENT_TYPE else None
    return Where(channel, ts, alert_id(named) if named is not None else None)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def user_of(body: dict[str, Any]) -> tuple[str, str | None]:
    """The Slack id and a display name of whoever sent the request."""
    user = body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        raise ButtonInvalid("This request does not say who sent it; nothing was recorded.")
    return user["id"], clicker_name(user)


def clicker_name(user: dict[str, Any]) -> str | None:
    """A name to show for the clicker when the team table does not know them."""
    for key in ("name", "username"):
        if isinstance(user.get(key), str) and user[key]:
            return str(user[key])
    return None
