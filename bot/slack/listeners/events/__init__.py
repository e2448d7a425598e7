"""Events API: the App Home tab."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.slack.listeners.events.app_home_opened import app_home_opened

if TYPE_CHECKING:
    from bot.slack.app import AppServices


def register(app: App, services: AppServices) -> None:
    app.event("app_home_opened")(app_home_opened(services))
