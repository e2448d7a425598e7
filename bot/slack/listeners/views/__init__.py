"""Modal submissions: the "Not a risk" reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from bot.slack.listeners.common import guarded
from bot.slack.listeners.views.dismissal_submit import check_dismissal, dismissal_submit
from bot.slack.views import DISMISSAL_CALLBACK

if TYPE_CHECKING:
    from bot.slack.app import AppServices


def register(app: App, services: AppServices) -> None:
    app.view(DISMISSAL_CALLBACK)(
        ack=check_dismissal, lazy=[guarded(dismissal_submit(services), services.work)]
    )
