"""A playbook button: record the choice once, then show it on the alert in place."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import TYPE_CHECKING, Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.blockkit.alerts import render_alert
from bot.feedback.actions import Clicker, record_playbook
from bot.slack import views
from bot.slack.listeners.common import (
    ButtonInvalid,
    button_value,
    message_location,
    user_of,
)

if TYPE_CHECKING:
    from bot.slack.app import AppServices


def playbook_click(services: AppServices) -> Callable[..., None]:
    def record_playbook_click(
        body: dict[str, Any], respond: Respond, client: WebClient, logger: Logger
    ) -> None:
        value = button_value(body)
        if not isinstance(value.get("playbook"), str):
            raise ButtonInvalid("This button names no playbook; nothing was recorded.")
        result = record_playbook(
            services.ctx,
            alert_id=value["alert"],
            playbook_id=value["playbook"],
            clicker=Clicker(*user_of(body)),
            library=services.library,
            now=services.now(),
            today=services.today(),
        )
        if not result.recorded:
            respond(**views.already_handled(result.acted), replace_original=False)
            return
        channel, ts = message_location(body)
        channel, ts = channel or result.channel, ts or result.ts
        if channel and ts:
            client.chat_update(
                channel=channel, ts=ts, **render_alert(result.alert, acted=result.done)
            )
        logger.info("alert %s: playbook %s recorded", value["alert"], value["playbook"])

    return record_playbook_click
