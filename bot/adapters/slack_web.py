"""The Slack port on the Web API (slack_sdk), and what a failed call means.

Retries: a 429 is retried after ``Retry-After`` (Slack did not take the message); a
connection error is retried only when the request cannot have reached Slack. A post whose
answer was lost is *not* resent blindly (that is how messages get posted twice): it stays
pending and is reconciled from the channel's history on the next attempt.
"""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
)

from bot.adapters.slack_channels import ChannelDirectory, posted_alerts
from bot.errors import SettingsError
from bot.ports import Message, Posted, SlackCallFailed
from bot.settings import Settings

DEFAULT_TIMEOUT = 15  # seconds per request
RATE_LIMIT_RETRIES = 5

# Methods that create something each time they are called: never resent after a lost answer.
NOT_IDEMPOTENT = ("chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage")

TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "service_unavailable",
        "internal_error",
        "fatal_error",
        "request_timeout",
        "connection_error",
        "timeout",
    }
)
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "invalid_blocks",
        "invalid_metadata_format",
        "account_inactive",
        "token_revoked",
        "msg_too_long",
        "no_text",
        "missing_scope",
        "restricted_action",
    }
)


class UnsentRequestRetryHandler(ConnectionErrorRetryHandler):
    """Retries connection errors, but a message post only when it failed before being sent.

    urllib raises ``URLError`` while connecting or sending; an error while waiting for the
    answer (``RemoteDisconnected``, a reset, a read timeout) means Slack may have the message.
    """

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if request.url.rstrip("/").rsplit("/", 1)[-1].split("?")[0] in NOT_IDEMPOTENT:
            return isinstance(error, URLError) and response is None
        return super()._can_retry(state=state, request=request, response=response, error=error)


def retry_handlers() -> list[RetryHandler]:
    return [
        RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        UnsentRequestRetryHandler(max_retry_count=2),
    ]


def make_client(settings: Settings, *, timeout: int = DEFAULT_TIMEOUT) -> WebClient:
    """A ``WebClient`` for ``settings.slack_api_url`` with the bot token and safe retries."""
    if settings.slack_bot_token is None:
        raise SettingsError("SLACK_BOT_TOKEN is not set: Slack calls need the bot token")
    return WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=retry_handlers(),
    )


@dataclass(frozen=True)
class SlackFailure:
    """A failed call as the outbox sees it: the error code and whether trying again can help."""

    error: str
    permanent: bool


def classify(exc: BaseException) -> SlackFailure | None:
    """What a Slack call's exception means; None for exceptions that are not Slack's doing."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        error = str(data.get("error") or f"http_{status}")
        if status == 429 or status >= 500 or error in TRANSIENT_ERRORS:
            return SlackFailure("ratelimited" if status == 429 else error, permanent=False)
        return SlackFailure(error, permanent=True)
    if isinstance(exc, TimeoutError | socket.timeout):
        return SlackFailure("timeout", permanent=False)
    if isinstance(exc, URLError | HTTPException | ConnectionError):
        return SlackFailure("connection_error", permanent=False)
    if isinstance(exc, SlackClientError):
        return SlackFailure(type(exc).__name__, permanent=True)
    return None


def failure_of(exc: BaseException) -> SlackCallFailed | None:
    """``exc`` as the port's ``SlackCallFailed``; None when it is not Slack's doing."""
    failure = classify(exc)
    return None if failure is None else SlackCallFailed(failure.error, permanent=failure.permanent)


class SlackWebApi:
    """``SlackPort`` on a ``WebClient`` (built by the composition root with ``make_client``).

    Messages are posted with unfurling off; a ``not_in_channel`` answer joins the channel once
    and posts again. Every failure is raised as ``SlackCallFailed``.
    """

    dry_run = False

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self.channels = ChannelDirectory(client)

    def post(self, message: Message, *, key: str, folder: str) -> Posted:
        args: dict[str, Any] = {
            "channel": message.channel,
            "text": message.text,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        for name in ("blocks", "metadata", "thread_ts"):
            if getattr(message, name) is not None:
                args[name] = getattr(message, name)
        try:
            answer = self._send(args)
        except Exception as exc:
            failure = failure_of(exc)
            if failure is None:
                raise
            raise failure from exc
        posted = Posted(str(answer["channel"]), str(answer["ts"]))
        self.channels.remember(message.channel, posted.channel)
        return posted

    def _send(self, args: dict[str, Any]) -> Any:
        try:
            return self.client.chat_postMessage(**args)
        except SlackApiError as exc:
            if exc.response.get("error") != "not_in_channel":
                raise
            try:
                self.client.conversations_join(channel=self.channels.channel_id(args["channel"]))
            except SlackApiError:
                raise exc from None
            return self.client.chat_postMessage(**args)

    def posted_alerts(self, channel: str, since: dt.datetime) -> dict[str, Posted]:
        channel_id = self.channels.channel_id(channel)
        try:
            found = posted_alerts(self.client, channel_id, since)
        except Exception as exc:
            failure = failure_of(exc)
            if failure is None:
                raise
            raise failure from exc
        return {key: Posted(channel_id, ts) for key, ts in found.items()}
