""" "Not a risk" submitted: check the answer in the ack, record it lazily, update the alert.

Only the alert id is read from the form's metadata; where the alert's message is comes from
the alert's row, and who may dismiss it is checked again at submission."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.blockkit.any_alert import render_any
from bot.blockkit.text import safe
from bot.feedback.actions import Clicker, record_dismissal
from bot.slack import views
from bot.slack.listeners.common import ButtonInvalid, modal_metadata, update_message, user_of
from playbooks import DISMISSAL_REASONS, validate_dismissal
from playbooks.errors import DismissalInvalid

if TYPE_CHECKING:
    from bot.slack.app import AppServices


def check_dismissal(ack: Ack, view: dict[str, Any]) -> None:
    """Close the modal, or keep it open with the problem next to the field (a form whose
    metadata atrisk did not write is refused there too, before anything is recorded)."""
    try:
        modal_metadata(view)
    except ButtonInvalid as e:
        ack(response_action="errors", errors={views.REASON_BLOCK: safe(str(e), 150)})
        return
    reason, note = views.dismissal_answer(view)
    try:
        validate_dismissal(reason or "", note)
    except DismissalInvalid as e:
        known = reason in {r.id for r in DISMISSAL_REASONS}  # then only the note is missing
        block = views.NOTE_BLOCK if known else views.REASON_BLOCK
        ack(response_action="errors", errors={block: safe(str(e), 150)})
        return
    ack()


def dismissal_submit(services: AppServices) -> Callable[..., None]:
    def record_dismissal_answer(
        body: dict[str, Any], view: dict[str, Any], client: WebClient, logger: Logger
    ) -> None:
        meta = modal_metadata(view)
        chosen, typed = views.dismissal_answer(view)
        reason, note = validate_dismissal(chosen or "", typed)
        user_id, user_name = user_of(body)
        result = record_dismissal(
            services.ctx,
            alert_id=meta["alert"],
            reason=reason,
            note=note,
            clicker=Clicker(user_id, user_name),
            library=services.library,
            now=services.now(),
            today=services.today(),
        )
        channel, ts = result.channel, result.ts  # the alert row's, never the form's
        if not result.recorded:
            if channel:
                answer = views.already_handled(result.acted)
                client.chat_postEphemeral(
                    channel=channel, user=user_id, text=answer["text"], blocks=answer["blocks"]
                )
            return
        if channel and ts:
            payload = render_any(result.alert, acted=result.done)
            update_message(client, logger, channel=channel, ts=ts, payload=payload)
        logger.info("alert %s: dismissed (%s)", meta["alert"], reason)

    return record_dismissal_answer
