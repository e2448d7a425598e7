"""The Slack port on the Web API (slack_sdk), and what a failed call means.

Retries: a 429 is retried after its ``Retry-After`` (seconds or an HTTP date; Slack did not
take the request) only when that wait is at most ``MAX_RETRY_AFTER``: a longer one fails the
call as ``ratelimited`` with the wait, so an alert stays pending for a later run instead of a
run sleeping for an hour. A message post is resent by ``SlackWebApi.post`` itself, and only
after the caller's ``may_resend`` says the message is still its to send. A connection error is
retried only when the request cannot have reached Slack. A post whose answer was lost is *not*
resent blindly (that is how messages get posted twice): it stays pending and is reconciled from
the channel's history on the next attempt.
"""

from __future__ import annotations

import datetime as dt
import random
import socket
import time
from collections.abc import Callable
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

from bot.adapters.retry_after import retry_after_seconds
from bot.adapters.slack_channels import ChannelDirectory, posted_alerts
from bot.errors import SettingsError
from bot.ports import Message, Posted, SlackCallFailed
from bot.settings import Settings

DEFAULT_TIMEOUT = 15  # seconds per request
RATE_LIMIT_RETRIES = 5
MAX_RETRY_AFTER = 30.0  # seconds; a longer Retry-After fails the call instead of sleeping
UNSAID_RETRY_AFTER = 1.0  # a 429 without a readable Retry-After
POST_MESSAGE = "chat.postMessage"  # resent by SlackWebApi.post, never by the client

# Methods that create something each time they are called: never resent after a lost answer.
NOT_IDEMPOTENT = ("chat.postMessage", "chat.postEphemeral", "chat.scheduleMessage")

NON_JSON = "non_json_answer"  # an answer that is not JSON: a proxy's page, never Slack's own
_NON_JSON_MESSAGE = "Received a response in a non-JSON format"  # slack_sdk's error text

TRANSIENT_ERRORS = frozenset(
    {
        NON_JSON,
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
        if _method(request.url) in NOT_IDEMPOTENT:
            return isinstance(error, URLError) and response is None
        return super()._can_retry(state=state, request=request, response=response, error=error)


def _method(url: str) -> str:
    """The Web API method a request URL calls (``…/api/chat.postMessage?x`` → its name)."""
    return url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]


def header(headers: object, name: str) -> object:
    """A response header by case-insensitive name (slack_sdk gives str or list values)."""
    if not isinstance(headers, dict):
        return None
    for key, value in headers.items():
        if str(key).lower() == name:
            return value
    return None


def wait_of(headers: object) -> float:
    """The wait a 429 asks for, in seconds from now."""
    wait = retry_after_seconds(header(headers, "retry-after"), dt.datetime.now(dt.UTC))
    return UNSAID_RETRY_AFTER if wait is None else wait


class CappedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 after its ``Retry-After`` when that is at most ``max_wait`` seconds, for
    every method but ``chat.postMessage`` (see the module doc)."""

    def __init__(
        self,
        *,
        max_retry_count: int = RATE_LIMIT_RETRIES,
        max_wait: float = MAX_RETRY_AFTER,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait, self.sleep = max_wait, sleep

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429 or _method(request.url) == POST_MESSAGE:
            return False
        return wait_of(response.headers) <= self.max_wait

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = wait_of(response.headers if response is not None else None)
        self.sleep(wait + random.random() / 2)
        state.increment_current_attempt()


def retry_handlers(max_retry_after: float = MAX_RETRY_AFTER) -> list[RetryHandler]:
    return [
        CappedRateLimitRetryHandler(max_wait=max_retry_after),
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


def api_error(exc: SlackApiError) -> str:
    """Slack's error code for a refused call (``channel_not_found``…); ``http_<status>``
    without one; ``non_json_answer`` when the answer was not JSON at all (slack_sdk puts the
    page's first 100 characters in the error instead: a gateway's page, which may come
    whether or not Slack took the call)."""
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    error = str(data.get("error") or f"http_{exc.response.status_code}")
    return NON_JSON if error.startswith(_NON_JSON_MESSAGE) else error


def classify(exc: BaseException) -> SlackFailure | None:
    """What a Slack call's exception means; None for exceptions that are not Slack's doing.

    Transient (worth another try, after reconciling a post from the channel's history): a
    429, a 5xx, an answer that is not JSON, a timeout, a connection error, and Slack's own
    ``TRANSIENT_ERRORS``; every other refusal is permanent."""
    if isinstance(exc, SlackApiError):
        status = exc.response.status_code
        error = api_error(exc)
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
    """``exc`` as the port's ``SlackCallFailed`` (with the wait a 429 asked for); None when it
    is not Slack's doing."""
    failure = classify(exc)
    if failure is None:
        return None
    retry_after = None
    if isinstance(exc, SlackApiError) and exc.response.status_code == 429:
        retry_after = wait_of(exc.response.headers)
    return SlackCallFailed(failure.error, permanent=failure.permanent, retry_after=retry_after)


class SlackWebApi:
    """``SlackPort`` on a ``WebClient`` (built by the composition root with ``make_client``).

    Messages are posted with unfurling off; a ``not_in_channel`` answer joins the channel once
    and posts again; a 429 is waited out and the message sent again when the wait is at most
    ``max_retry_after`` and ``may_resend()`` (if given) still says yes just before. Every
    failure is raised as ``SlackCallFailed``.
    """

    dry_run = False

    def __init__(
        self,
        client: WebClient,
        *,
        max_retry_after: float = MAX_RETRY_AFTER,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.channels = ChannelDirectory(client)
        self.max_retry_after, self.sleep = max_retry_after, sleep

    def post(
        self,
        message: Message,
        *,
        key: str,
        folder: str,
        may_resend: Callable[[], bool] | None = None,
    ) -> Posted:
        args: dict[str, Any] = {
            "channel": message.channel,
            "text": message.text,
            "unfurl_links": False,
            "unfurl_media": False,
        }
        for name in ("blocks", "metadata", "thread_ts"):
            if getattr(message, name) is not None:
                args[name] = getattr(message, name)
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            try:
                answer = self._send(args)
                break
            except Exception as exc:
                failure = failure_of(exc)
                if failure is None:
                    raise
                wait = failure.retry_after
                if wait is None or wait > self.max_retry_after or attempt == RATE_LIMIT_RETRIES:
                    raise failure from exc
            self.sleep(wait + random.random() / 2)
            if may_resend is not None and not may_resend():
                raise SlackCallFailed("not_resent", permanent=False, retry_after=wait)
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

    def update(self, message: Message, *, ts: str, key: str, folder: str) -> Posted:
        args: dict[str, Any] = {"channel": message.channel, "ts": ts, "text": message.text}
        for name in ("blocks", "metadata"):
            if getattr(message, name) is not None:
                args[name] = getattr(message, name)
        try:
            answer = self.client.chat_update(**args)
        except Exception as exc:
            failure = failure_of(exc)
            if failure is None:
                raise
            raise failure from exc
        return Posted(str(answer.get("channel") or message.channel), str(answer.get("ts") or ts))

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
