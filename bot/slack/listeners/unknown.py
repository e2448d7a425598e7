"""What atrisk does not know: a button, a form, a command or an event no listener takes.

Bolt answers a request no listener matches with 404, which Slack shows the person as a
failure (a warning on the button, "/atrisk-old failed", a form that will not close) and, for
events, counts against the app. A button left on an old message by an earlier atrisk, a
command pointed at this URL by mistake, an event subscribed in the app's settings but not
handled here: each gets a 200, a sentence saying what happened, and one log line. Registered
after every other listener, so they only see what nothing else took.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from bot.blockkit.text import safe
from bot.slack import views
from bot.slack.listeners.common import ack_now, guarded

if TYPE_CHECKING:
    from bot.slack.app import AppServices

ANY = re.compile(r".*", re.DOTALL)
log = logging.getLogger("atrisk.slack")


def _name(body: dict[str, Any], *path: str | int) -> str:
    """A field of ``body`` on one line, at most 60 characters (escaped where it is shown)."""
    value: Any = body
    for step in path:
        if isinstance(value, dict) and isinstance(step, str):
            value = value.get(step)
        elif isinstance(value, list) and isinstance(step, int) and len(value) > step:
            value = value[step]
        else:
            return "?"
    return " ".join(value.split())[:60] if isinstance(value, str) else "?"


def unknown_button(body: dict[str, Any], respond: Respond) -> None:
    action = _name(body, "actions", 0, "action_id")
    log.warning("a click on a button atrisk does not know: %r", action)
    respond(
        **views.notice(
            f"This button ({action}) is not one this version of atrisk knows, perhaps from an "
            "older message; nothing was recorded. Use the buttons on the account's latest alert."
        ),
        replace_original=False,
    )


def unknown_form(ack: Ack, body: dict[str, Any]) -> None:
    callback = _name(body, "view", "callback_id")
    log.warning("a form atrisk does not know was submitted: %r", callback)
    text = f"This form ({callback}) is not one this version of atrisk knows; nothing was recorded."
    ack(response_action="update", view=views.closed_form(text))


def unknown_command(ack: Ack, body: dict[str, Any]) -> None:
    command = _name(body, "command")
    log.warning("a command atrisk does not answer reached it: %r", command)
    ack(
        text=f"atrisk answers `/atrisk` only; {safe(command, 60)} is not one of its commands. "
        "Check the slash commands in the app's settings (docs/slack-app.md).",
        response_type="ephemeral",
    )


def unknown_event(body: dict[str, Any]) -> None:
    log.info("an event atrisk does not handle: %r", _name(body, "event", "type"))


def register(app: App, services: AppServices) -> None:
    """The listeners of last resort (register after every other kind)."""
    app.action(ANY)(ack=ack_now, lazy=[guarded(unknown_button, services.work)])
    app.view_submission(ANY)(unknown_form)
    app.view_closed(ANY)(ack_now)
    app.command(ANY)(unknown_command)
    app.event(ANY)(unknown_event)
