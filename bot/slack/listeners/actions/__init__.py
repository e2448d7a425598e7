"""Buttons: a playbook (``atrisk.playbook.<n>``), "Not a risk" (``atrisk.dismiss``), and a
play's mark done / snooze / undo (``atrisk.play.*``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from slack_bolt import App

from bot.blockkit.alerts import DISMISS_ACTION_ID, PLAYBOOK_ACTION_PREFIX
from bot.blockkit.plays import PLAY_DONE_ACTION, PLAY_SNOOZE_ACTION, PLAY_UNDO_ACTION
from bot.slack.listeners.actions.dismiss_click import dismiss_click
from bot.slack.listeners.actions.play_click import mark_done_click, snooze_click, undo_click
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
    for action_id, listener in (
        (PLAY_DONE_ACTION, mark_done_click),
        (PLAY_SNOOZE_ACTION, snooze_click),
        (PLAY_UNDO_ACTION, undo_click),
    ):
        app.action(action_id)(ack=ack_now, lazy=[guarded(listener(services), services.work)])
