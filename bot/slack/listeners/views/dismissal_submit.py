""" "Not a risk" submitted: check the answer in the ack, record it lazily, update the alert."""

from __future__ import annotations

import json
from collections.abc import Callable
from logging import Logger
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.blockkit.alerts import render_alert
from bot.feedback.actions import Clicker, record_dismissal
from bot.slack import views
from bot.slack.listeners.common import clicker_name
from playbooks import validate_dismissal
from playbooks.errors import DismissalInvalid

if TYPE_CHECKING:
    from bot.slack.app import AppServices


def check_dismissal(ack: Ack, view: dict[str, Any]) -> None:
    """Close the modal, or keep it open with the problem next to the field."""
    reason, note = views.dismissal_answer(view)
    try:
        validate_dismissal(reason or "", note)
    except DismissalInvalid as e:
        block = views.REASON_BLOCK if not reason else views.NOTE_BLOCK
        ack(response_action="errors", errors={block: str(e)[:150]})
        return
    ack()


def dismissal_submit(services: AppServices) -> Callable[..., None]:
    def record_dismissal_answer(
        body: dict[str, Any], view: dict[str, Any], client: WebClient, logger: Logger
    ) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        chosen, typed = views.dismissal_answer(view)
        reason, note = validate_dismissal(chosen or "", typed)
        user = body["user"]
        result = record_dismissal(
            services.ctx,
            alert_id=int(meta["alert"]),
            reason=reason,
            note=note,
            clicker=Clicker(user["id"], clicker_name(user)),
            now=services.now(),
        )
        channel = meta.get("channel") or result.channel
        ts = meta.get("ts") or result.ts
        if not result.recorded:
            if channel:
                answer = views.already_handled(result.acted)
                client.chat_postEphemeral(
                    channel=channel, user=user["id"], text=answer["text"], blocks=answer["blocks"]
                )
            return
        if channel and ts:
            client.chat_update(
                channel=channel, ts=ts, **render_alert(result.alert, acted=result.done)
            )
        logger.info("alert %s: dismissed (%s)", meta["alert"], reason)

    return record_dismissal_answer
