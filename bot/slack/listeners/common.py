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
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, Respond

from bot.blockkit.alerts import escape
from bot.errors import AtriskError, expected_errors

log = logging.getLogger("atrisk.slack")

SORRY = (
    "Sorry, something went wrong on atrisk's side while handling that. It has been logged "
    "for the owners; please try again in a minute."
)


class ButtonInvalid(AtriskError):
    """A button whose value atrisk did not write (or wrote in a shape it no longer reads)."""


def ack_now(ack: Ack) -> None:
    """Acknowledge at once: Slack wants an answer within 3 seconds, the work follows lazily."""
    ack()


def on_error(
    error: Exception, body: dict[str, Any] | None, respond: Respond | None, logger: logging.Logger
) -> None:
    """Log the error (with its stack when unexpected) and tell the person politely."""
    expected = isinstance(error, expected_errors())
    kind = (body or {}).get("type") or ("slash_command" if (body or {}).get("command") else "?")
    if expected:
        logger.warning("atrisk refused a %s request: %s", kind, error)
    else:
        logger.error("atrisk failed on a %s request", kind, exc_info=error)
    if respond is None:
        return
    text = escape(str(error))[:3000] if expected else SORRY
    try:
        respond(text=text, response_type="ephemeral", replace_original=False)
    except Exception as e:  # the apology itself failed: log it, there is nobody else to tell
        logger.error("could not send the error answer: %s", e)


def _run(func: Callable[..., None], kwargs: dict[str, Any]) -> None:
    try:
        func(**kwargs)
    except Exception as e:
        on_error(e, kwargs.get("body"), kwargs.get("respond"), kwargs.get("logger") or log)


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


def button_value(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON value of the clicked button, with an integer ``alert``."""
    try:
        value = json.loads(body["actions"][0]["value"])
        value["alert"] = int(value["alert"])
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise ButtonInvalid("This button was not made by atrisk; nothing was recorded.") from e
    if not isinstance(value, dict):
        raise ButtonInvalid("This button was not made by atrisk; nothing was recorded.")
    return value


def message_location(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel and ts of the message a button sits on, from the payload."""
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return channel, ts


def clicker_name(user: dict[str, Any]) -> str | None:
    """A name to show for the clicker when the team table does not know them."""
    return user.get("name") or user.get("username") or None
