"""The Home tab: publish the person's open alerts and this week's actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient

from bot.answers import activity, lookups
from bot.blockkit.alerts import SLACK_USER_ID
from bot.slack import home_view, views

if TYPE_CHECKING:
    from bot.slack.app import AppServices


def app_home_opened(services: AppServices) -> Callable[..., None]:
    def publish_home(event: dict[str, Any], client: WebClient) -> None:
        user_id = event.get("user")
        if event.get("tab", "home") != "home" or not isinstance(user_id, str):
            return
        if not SLACK_USER_ID.match(user_id):
            return
        caller = lookups.resolve_caller(services.ctx, user_id)
        if caller is None:
            spec = services.ctx.spec
            view = views.home_for_stranger(user_id, spec.owners.bot, entity=spec.entity.kind)
        else:
            answer = activity.home(
                services.ctx, caller, today=services.today(), week_start=services.week_start()
            )
            view = home_view.home(answer)
        client.views_publish(user_id=user_id, view=view)

    return publish_home
