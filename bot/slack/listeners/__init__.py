"""Every Slack listener, by kind: ``actions``, ``commands``, ``views``, ``events``.

Each kind's ``register(app, services)`` adds its listeners; one callback per module.
``unknown`` comes last: bolt runs the first listener that matches, so it only answers what
no other listener takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, unknown, views

if TYPE_CHECKING:
    from bot.slack.app import AppServices


def register(app: App, services: AppServices) -> None:
    actions.register(app, services)
    commands.register(app, services)
    views.register(app, services)
    events.register(app, services)
    unknown.register(app, services)  # last: only what no listener above takes
