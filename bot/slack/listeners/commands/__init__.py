"""``/atrisk``: acked at once, answered lazily through ``response_url`` (ephemeral)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.slack.listeners.commands.atrisk_command import COMMAND, atrisk_command
from bot.slack.listeners.common import ack_now, guarded

if TYPE_CHECKING:
    from bot.slack.app import AppServices


def register(app: App, services: AppServices) -> None:
    app.command(COMMAND)(ack=ack_now, lazy=[guarded(atrisk_command(services), services.work)])
