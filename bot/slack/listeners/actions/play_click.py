"""The buttons on a play's thread replies: mark done, snooze, undo."""

from __future__ import annotations

from collections.abc import Callable
from logging import Logger
from typing import TYPE_CHECKING, Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.blockkit.any_alert import render_any
from bot.blockkit.plays import SNOOZE_DAYS
from bot.blockkit.text import safe
from bot.feedback import plays
from bot.feedback.actions import alert_view
from bot.slack import views
from bot.slack.listeners.common import button_value, click_where, update_message, user_of

if TYPE_CHECKING:
    from bot.slack.app import AppServices


NOT_SHOWN = (
    "{done} Slack did not let atrisk update the message (it may have been deleted), so it "
    "still shows the buttons; clicking again changes nothing."
)


def _replace(
    client: WebClient, logger: Logger, channel: str | None, ts: str | None, text: str
) -> bool:
    """The clicked reply, its buttons gone, saying what happened (``text`` already safe);
    False when Slack refused the update (logged; what was recorded stays recorded)."""
    if not (channel and ts):
        return True
    section = {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}
    payload = {"text": text, "blocks": [section]}
    return update_message(client, logger, channel=channel, ts=ts, payload=payload)


def _tell(respond: Respond, words: str) -> None:
    """Tell the clicker ``words`` (a play's outcome in mrkdwn) as a plain notice."""
    respond(**views.notice(words.replace("*", "")), replace_original=False)


def _not_shown(respond: Respond, words: str) -> None:
    """Tell the clicker their change was recorded though the message could not show it."""
    _tell(respond, NOT_SHOWN.format(done=words))


def mark_done_click(services: AppServices) -> Callable[..., None]:
    def mark_play_done(
        body: dict[str, Any], respond: Respond, client: WebClient, logger: Logger
    ) -> None:
        play_id = button_value(body, "play")["play"]
        user, _ = user_of(body)
        where = click_where(body)
        done = plays.mark_done(
            services.ctx, play_id=play_id, user=user, where=where, now=services.now()
        )
        if not done.changed:
            _tell(respond, done.words)
            return
        if not _replace(client, logger, where.channel, where.ts, f"✅ {safe(done.words, 300)}"):
            _not_shown(respond, done.words)

    return mark_play_done


def snooze_click(services: AppServices) -> Callable[..., None]:
    def snooze_play(body: dict[str, Any], respond: Respond) -> None:
        play_id = button_value(body, "play")["play"]
        user, _ = user_of(body)
        result = plays.snooze(
            services.ctx,
            play_id=play_id,
            user=user,
            where=click_where(body),
            today=services.today(),
            days=SNOOZE_DAYS,
        )
        _tell(respond, result.words)

    return snooze_play


def undo_click(services: AppServices) -> Callable[..., None]:
    def undo_play(
        body: dict[str, Any], respond: Respond, client: WebClient, logger: Logger
    ) -> None:
        play_id = button_value(body, "play")["play"]
        user, _ = user_of(body)
        where = click_where(body)
        result = plays.undo(
            services.ctx, play_id=play_id, user=user, where=where, now=services.now()
        )
        if not result.changed:
            _tell(respond, result.words)
            return
        with_buttons = render_any(alert_view(services.ctx, alert_id=result.alert_id))
        alert_ts = _alert_ts(services, result.alert_id)
        shown = True
        if result.channel and alert_ts:
            shown = update_message(
                client, logger, channel=result.channel, ts=alert_ts, payload=with_buttons
            )
        shown = _replace(client, logger, where.channel, where.ts, safe(result.words, 300)) and shown
        if not shown:
            _not_shown(respond, result.words)
        logger.info("play %s undone", play_id)

    return undo_play


def _alert_ts(services: AppServices, alert_id: int) -> str | None:
    with services.ctx.uow() as uow:
        from storage.repositories.actions import get_alert

        alert = get_alert(uow.session, alert_id=alert_id)
        return alert.posted_ts if alert else None
