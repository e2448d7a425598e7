"""The Web API methods the Slack double answers: each takes the double and the call's params
and returns the JSON answer (the double holds the lock while one runs)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.bot.slack.slack_double import SlackDouble

BOT_USER_ID = "UBOTDOUBLE"


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes")


Handler = Callable[["SlackDouble", dict[str, Any]], dict[str, Any]]


def _post_message(d: SlackDouble, p: dict[str, Any]) -> dict[str, Any]:
    if not p.get("channel"):
        return {"ok": False, "error": "channel_not_found"}
    if not p.get("text") and not p.get("blocks"):
        return {"ok": False, "error": "no_text"}
    channel = d.channel_id(str(p["channel"]))
    d._last_post[channel] = time.monotonic()
    msg: dict[str, Any] = {"type": "message", "user": BOT_USER_ID, "ts": d._next_ts()}
    for key in ("text", "blocks", "metadata", "thread_ts", "unfurl_links", "unfurl_media"):
        if p.get(key) is not None:
            msg[key] = p[key]
    d._messages.setdefault(channel, []).append(msg)
    return {"ok": True, "channel": channel, "ts": msg["ts"], "message": msg}


def _update(d: SlackDouble, p: dict[str, Any]) -> dict[str, Any]:
    channel = d.channel_id(str(p.get("channel", "")))
    for msg in d._messages.get(channel, []):
        if msg["ts"] == p.get("ts"):
            msg.update({k: p[k] for k in ("text", "blocks", "metadata") if k in p})
            return {"ok": True, "channel": channel, "ts": msg["ts"], "text": msg.get("text")}
    return {"ok": False, "error": "message_not_found"}


def _post_ephemeral(d: SlackDouble, p: dict[str, Any]) -> dict[str, Any]:
    channel = d.channel_id(str(p.get("channel", "")))
    ts = d._next_ts()
    d._ephemerals.setdefault(channel, []).append({**p, "ts": ts})
    return {"ok": True, "message_ts": ts}


def _page(d: SlackDouble, p: dict[str, Any], msgs: list[dict[str, Any]]) -> dict[str, Any]:
    """Newest first within (oldest, latest], paged by ``limit`` and an offset cursor."""
    oldest, latest = float(p.get("oldest") or 0), float(p.get("latest") or math.inf)
    inclusive = _truthy(p.get("inclusive", False))
    picked = [
        m
        for m in reversed(msgs)
        if (oldest <= float(m["ts"]) if inclusive else oldest < float(m["ts"]))
        and float(m["ts"]) <= latest
    ]
    start, limit = int(p.get("cursor") or 0), min(int(p.get("limit") or 100), 999)
    page = picked[start : start + limit]
    if not _truthy(p.get("include_all_metadata", False)):
        page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
    more = start + limit < len(picked)
    return {
        "ok": True,
        "messages": page,
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def _history(d: SlackDouble, p: dict[str, Any]) -> dict[str, Any]:
    msgs = d._messages.get(d.channel_id(str(p.get("channel", ""))), [])
    top = [m for m in msgs if m.get("thread_ts") in (None, m["ts"])]
    return _page(d, p, top)


def _replies(d: SlackDouble, p: dict[str, Any]) -> dict[str, Any]:
    msgs = d._messages.get(d.channel_id(str(p.get("channel", ""))), [])
    ts = p.get("ts")
    thread = [m for m in msgs if m["ts"] == ts or m.get("thread_ts") == ts]
    answer = _page(d, {**p, "cursor": None, "limit": 999}, thread)
    answer["messages"].reverse()  # replies come oldest first
    return answer


def _join(d: SlackDouble, p: dict[str, Any]) -> dict[str, Any]:
    channel = d.channel_id(str(p.get("channel", "")))
    d.joined.add(channel)
    return {"ok": True, "channel": {"id": channel, "is_member": True}}


def _list(d: SlackDouble, p: dict[str, Any]) -> dict[str, Any]:
    channels = [{"id": i, "name": n, "is_channel": True} for i, n in d.channel_names.items()]
    return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}


def _view(d: SlackDouble, p: dict[str, Any]) -> dict[str, Any]:
    view = dict(p.get("view") or {})
    view_id = str(p.get("view_id") or f"V{next(d._ids):08d}")
    view["id"] = view_id
    d.views[view_id] = view
    if p.get("user_id"):
        d.home_views[str(p["user_id"])] = view
    return {"ok": True, "view": view}


def _users_info(d: SlackDouble, p: dict[str, Any]) -> dict[str, Any]:
    user = d.users.get(str(p.get("user", "")))
    return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}


def _lookup_by_email(d: SlackDouble, p: dict[str, Any]) -> dict[str, Any]:
    email = str(p.get("email", "")).lower()
    for user in d.users.values():
        if str(user.get("profile", {}).get("email") or "").lower() == email:
            return {"ok": True, "user": user}
    return {"ok": False, "error": "users_not_found"}


def _auth_test(d: SlackDouble, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": True,
        "url": "https://atrisk-test.slack.com/",
        "team": "atrisk test",
        "user": "atrisk",
        "team_id": "T0DOUBLE1",
        "user_id": BOT_USER_ID,
        "bot_id": "B0DOUBLE1",
    }


METHODS: dict[str, Handler] = {
    "chat.postMessage": _post_message,
    "chat.update": _update,
    "chat.postEphemeral": _post_ephemeral,
    "conversations.history": _history,
    "conversations.replies": _replies,
    "conversations.join": _join,
    "conversations.list": _list,
    "views.open": _view,
    "views.publish": _view,
    "views.update": _view,
    "views.push": _view,
    "users.info": _users_info,
    "users.lookupByEmail": _lookup_by_email,
    "auth.test": _auth_test,
}
