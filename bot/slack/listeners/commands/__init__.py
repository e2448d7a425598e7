"""``/atrisk``: acked at once, answered on the work pool through ``response_url`` (ephemeral).

The answer is handed to the work pool by the listener itself rather than as a bolt lazy
listener: bolt deep-copies each request it hands to a lazy listener (about a millisecond of
CPU per question, with the copy of ``respond`` and the body the answer needs anyway)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from bot.slack.listeners.commands.atrisk_command import COMMAND, atrisk_command
from bot.slack.listeners.common import guarded

if TYPE_CHECKING:
    from bot.slack.app import AppServices


def register(app: App, services: AppServices) -> None:
    answer = guarded(atrisk_command(services), services.work)

    def atrisk(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        answer(body=body, respond=respond)

    app.command(COMMAND)(atrisk)
