""" "Not a risk": ask why in a modal (or say the alert is already handled)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.blockkit.lead_alerts import LeadAlertView
from bot.feedback.actions import Clicker, alert_view, existing_action
from bot.slack import views
from bot.slack.listeners.common import button_value, click_where, user_of

if TYPE_CHECKING:
    from bot.slack.app import AppServices


def dismiss_click(services: AppServices) -> Callable[..., None]:
    def open_dismissal_modal(body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        alert_id = button_value(body)["alert"]
        clicker = Clicker(*user_of(body))
        where = click_where(body)
        done = existing_action(services.ctx, alert_id=alert_id, clicker=clicker, where=where)
        if done is not None:
            respond(**views.already_handled(done.acted), replace_original=False)
            return
        alert = alert_view(services.ctx, alert_id=alert_id)
        lead = isinstance(alert, LeadAlertView)
        modal = views.dismissal_modal(alert_id, alert.account_name, {}, lead=lead)
        client.views_open(trigger_id=str(body.get("trigger_id") or ""), view=modal)

    return open_dismissal_modal
