"""What is already in Slack: channel ids for ``#name`` channels, and the alerts a channel's
history holds (by the ``alert_key`` in each message's metadata).

A post whose answer was lost cannot be told apart from one that never arrived except by
looking; this is where the outbox looks before it posts an alert a second time.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blockkit.alerts import ALERT_EVENT_TYPE
from bot.blockkit.text import unhidden_key

log = logging.getLogger(__name__)

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
HISTORY_PAGE = 200
MAX_PAGES = 25


class ChannelDirectory:
    """Channel ids by name, learned from answers and looked up once with ``conversations.list``."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def remember(self, channel: str, channel_id: str) -> None:
        with self._lock:
            self._ids[channel] = channel_id

    def channel_id(self, channel: str) -> str:
        """The id of ``channel`` (history and join need ids); the name itself if not found."""
        if CHANNEL_ID.match(channel):
            return channel
        with self._lock:
            if channel in self._ids:
                return self._ids[channel]
        name, cursor = channel.removeprefix("#"), None
        for _ in range(MAX_PAGES):
            try:
                page = self.client.conversations_list(
                    types="public_channel,private_channel",
                    exclude_archived=True,
                    limit=1000,
                    cursor=cursor,
                )
            except SlackApiError as exc:  # e.g. no channels:read scope: the next call will say
                log.warning(
                    "cannot list channels to find %s: %s", channel, exc.response.get("error")
                )
                break
            for found in page.get("channels") or []:
                if found.get("name") == name:
                    self.remember(channel, str(found["id"]))
                    return str(found["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return channel


def posted_alerts(client: WebClient, channel_id: str, since: dt.datetime) -> dict[str, str]:
    """``{alert_key: ts}`` of the alert messages posted in the channel since ``since``."""
    found: dict[str, str] = {}
    cursor = None
    for _ in range(MAX_PAGES):
        page = client.conversations_history(
            channel=channel_id,
            oldest=f"{since.timestamp():.6f}",
            limit=HISTORY_PAGE,
            include_all_metadata=True,
            cursor=cursor,
        )
        for msg in page.get("messages") or []:
            meta = msg.get("metadata") or {}
            key = (meta.get("event_payload") or {}).get("alert_key")
            if meta.get("event_type") == ALERT_EVENT_TYPE and key:
                found[unhidden_key(str(key))] = str(msg["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return found
