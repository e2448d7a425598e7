"""Plain-text messages outside the alert and the answers: ops notices and thread replies. Pure.

The words may carry data (a channel name, a playbook id, a cause with a table name), so the
whole text goes through ``bot.blockkit.text.safe``; the owners are mentioned by validated id.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.blockkit.alerts import MAX_FALLBACK_TEXT, SLACK_USER_ID
from bot.blockkit.text import safe


def mentions(user_ids: Iterable[str]) -> str:
    """``<@U…> <@U…>`` for the ids that look like Slack user ids, each once."""
    return " ".join(f"<@{i}>" for i in dict.fromkeys(user_ids) if SLACK_USER_ID.match(i))


def ops_notice(owner_ids: Iterable[str], text: str) -> str:
    """An ops-channel message's text: the owners, then ``text`` (line breaks kept)."""
    who = mentions(owner_ids)
    body = safe(text, MAX_FALLBACK_TEXT - len(who) - 1, lines=True)
    return f"{who} {body}".strip()


def thread_reply(text: str) -> str:
    """A reply's text in an alert's thread (the outcome, 30 days on)."""
    return safe(text, MAX_FALLBACK_TEXT)
