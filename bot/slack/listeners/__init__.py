"""Every Slack listener, by kind: ``actions``, ``commands``, ``views``, ``events``.

Each kind's ``register(app, services)`` adds its listeners; one callback per module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, views

if TYPE_CHECKING:
    from bot.slack.app import AppServices


def register(app: App, services: AppServices) -> None:
    actions.register(app, services)
    commands.register(app, services)
    views.register(app, services)
    events.register(app, services)
