"""A playbook button: record the choice once, show it on the alert, and carry the play out."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import TYPE_CHECKING, Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.blockkit.any_alert import render_any
from bot.feedback.actions import Clicker, record_playbook
from bot.feedback.plays import carry_out
from bot.slack import views
from bot.slack.listeners.common import (
    ButtonInvalid,
    button_value,
    click_where,
    update_message,
    user_of,
)

RECORDED_NOT_SHOWN = (
    "Recorded. Slack did not let atrisk update the alert's message (it may have been deleted), "
    "so the message still shows the buttons; clicking again changes nothing."
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
            where=click_where(body),
            library=services.library,
            now=services.now(),
            today=services.today(),
        )
        if not result.recorded:
            respond(**views.already_handled(result.acted), replace_original=False)
            return
        if result.channel and result.ts:  # the alert's own message (checked above)
            payload = render_any(result.alert, acted=result.done)
            if not update_message(
                client, logger, channel=result.channel, ts=result.ts, payload=payload
            ):
                respond(text=RECORDED_NOT_SHOWN, response_type="ephemeral", replace_original=False)
        if result.play_id is not None:
            carry_out(services.ctx, play_id=result.play_id, library=services.library)
        logger.info("alert %s: playbook %s recorded", value["alert"], value["playbook"])

    return record_playbook_click
