"""Alert buttons: a playbook (``atrisk.playbook.<n>``) or "Not a risk" (``atrisk.dismiss``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from slack_bolt import App

from bot.blockkit.alerts import DISMISS_ACTION_ID, PLAYBOOK_ACTION_PREFIX
from bot.slack.listeners.actions.dismiss_click import dismiss_click
from bot.slack.listeners.actions.playbook_click import playbook_click
from bot.slack.listeners.common import ack_now, guarded

if TYPE_CHECKING:
    from bot.slack.app import AppServices

PLAYBOOK_ACTION = re.compile(rf"^{re.escape(PLAYBOOK_ACTION_PREFIX)}\d+$")


def register(app: App, services: AppServices) -> None:
    record = guarded(playbook_click(services), services.work)
    ask_why = guarded(dismiss_click(services), services.work)
    app.action(PLAYBOOK_ACTION)(ack=ack_now, lazy=[record])
    app.action(DISMISS_ACTION_ID)(ack=ack_now, lazy=[ask_why])
