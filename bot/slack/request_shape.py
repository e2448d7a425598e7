"""The shape of a verified request from Slack, checked before bolt reads it. Pure.

Slack sends slash commands as a form, interactions (clicks, modal submissions) as a form
with one ``payload`` field holding JSON, and Events API callbacks as JSON. Bolt parses the
body and reads ids out of it (``user``, ``team``, ``channel``, ``event``, ``actions``,
``view``…) assuming Slack's types; a signed body of another shape made it raise. ``parse``
refuses, with ``Malformed`` and a one-line reason, any body that is not UTF-8, not the form
or JSON its content type says, nested absurdly deep, holding text that is not valid Unicode,
or whose fields bolt and atrisk read have the wrong types. Fields atrisk does not read may be
anything.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MAX_DEPTH = 64
INTERACTIONS = ("block_actions", "view_submission", "view_closed")
EVENT_CALLBACKS = ("event_callback", "url_verification", "app_rate_limited")
RESPONSE_URL = re.compile(r"https?://[^\s/]+/\S*")

# What bolt reads to find who and where a request is from (slack_bolt.request.internals).
_ID_OR_OBJECT = ("enterprise", "team", "user", "channel")
_TEXT = (
    "type",
    "enterprise_id",
    "team_id",
    "user_id",
    "channel_id",
    "thread_ts",
    "function_execution_id",
    "bot_access_token",
    "response_url",
    "trigger_id",
    "api_app_id",
    "callback_id",
    "user_team",
    "context_team_id",
    "context_enterprise_id",
    "subtype",
    "bot_id",
    "tab",
)
_NESTED = (
    "event",
    "message",
    "previous_message",
    "item",
    "assistant_thread",
    "function_data",
    "view",
    "container",
    "workflow_step",
)


class Malformed(ValueError):
    """A verified request whose body atrisk cannot read (the message says why, in one line)."""


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def parse(content_type: str, body: bytes) -> dict[str, Any]:
    """The request's body as bolt will read it, or ``Malformed``."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("the body is not UTF-8") from None
    media = media_type(content_type)
    if media == JSON:
        data = _json_object(text, "the JSON body")
        _event_callback(data)
        return data
    if media == FORM:
        if text.lstrip().startswith(("{", "[")):
            raise Malformed("a form content type with a JSON body")
        fields = dict(parse_qsl(text, keep_blank_values=True))
        _valid_unicode(fields, 1)
        if "payload" in fields:
            payload = _json_object(fields["payload"], "the form's payload")
            _interaction(payload)
            return payload
        if "ssl_check" in fields:
            return fields
        if not fields.get("command") or not fields.get("user_id"):
            raise Malformed("a form that is neither a slash command nor an interaction")
        if not fields.get("response_url"):
            raise Malformed("a slash command without its response_url")
        _response_url(fields.get("response_url"), "the command's response_url")
        return fields
    raise Malformed(f"content type {media or '(none)'!r} is neither a form nor JSON")


# ---------------------------------------------------------------- the three kinds


def _event_callback(data: dict[str, Any]) -> None:
    kind = data.get("type")
    if kind not in EVENT_CALLBACKS:
        raise Malformed(f"an Events API body of type {_name(kind)}")
    _envelope(data, "body")
    if kind == "url_verification":
        _require(data, "challenge", str, "body")
    if kind == "event_callback":
        event = _require(data, "event", dict, "body")
        _require(event, "type", str, "event")
        if event["type"] == "app_home_opened":
            _require(event, "user", str, "event")


def _interaction(payload: dict[str, Any]) -> None:
    kind = payload.get("type")
    if kind not in INTERACTIONS:
        raise Malformed(f"an interaction of type {_name(kind)}")
    _envelope(payload, "payload")
    _require(_require(payload, "user", dict, "payload"), "id", str, "payload.user")
    if kind == "block_actions":
        actions = _require(payload, "actions", list, "payload")
        if not actions:
            raise Malformed("payload.actions is empty")
        for n, action in enumerate(actions):
            where = f"payload.actions[{n}]"
            if not isinstance(action, dict):
                raise Malformed(f"{where} is not an object")
            _require(action, "action_id", str, where)
            _optional(action, ("block_id", "value", "type", "action_ts"), str, where)
        _require(payload, "response_url", str, "payload")  # atrisk's buttons sit on messages
    else:
        view = _require(payload, "view", dict, "payload")
        _require(view, "callback_id", str, "payload.view")
        if view.get("type") != "modal":
            raise Malformed("payload.view is not a modal")
        _optional(view, ("private_metadata", "id", "hash"), str, "payload.view")
        _state(view.get("state"))
    _response_url(payload.get("response_url"), "payload.response_url")
    urls = payload.get("response_urls")
    if urls is not None and not (isinstance(urls, list) and all(isinstance(u, dict) for u in urls)):
        raise Malformed("payload.response_urls is not a list of objects")
    for n, url in enumerate(urls or []):
        _response_url(url.get("response_url"), f"payload.response_urls[{n}]")


def _state(state: object) -> None:
    """A modal's input state: ``{"values": {block_id: {action_id: {…}}}}``."""
    if state is None:
        return
    if not isinstance(state, dict):
        raise Malformed("payload.view.state is not an object")
    values = state.get("values")
    if values is None:
        return
    ok = isinstance(values, dict) and all(
        isinstance(block, dict) and all(isinstance(v, dict) for v in block.values())
        for block in values.values()
    )
    if not ok:
        raise Malformed("payload.view.state.values is not {block: {action: {…}}}")


# ---------------------------------------------------------------- pieces


def _response_url(url: object, where: str) -> None:
    """Where the answer goes: an http(s) URL when there is one."""
    if url is not None and not (isinstance(url, str) and RESPONSE_URL.fullmatch(url)):
        raise Malformed(f"{where} is not an http(s) URL")


def _json_object(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise Malformed(f"{what} is not JSON") from None
    if not isinstance(data, dict):
        raise Malformed(f"{what} is JSON but not an object")
    _valid_unicode(data, 0)
    return data


def _valid_unicode(value: object, depth: int) -> None:
    """Every string (keys too) is text a database and a log can hold; nesting is bounded."""
    if depth > MAX_DEPTH:
        raise Malformed(f"JSON nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Malformed("text with unpaired UTF-16 surrogates") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _valid_unicode(key, depth + 1)
            _valid_unicode(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _valid_unicode(item, depth + 1)


def _envelope(obj: dict[str, Any], where: str, depth: int = 0) -> None:
    """The ids bolt reads, wherever it looks for them, have Slack's types."""
    for key in _ID_OR_OBJECT:
        value = obj.get(key)
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, dict):
            raise Malformed(f"{where}.{key} is neither an id nor an object")
        _optional(value, ("id", "team_id", "enterprise_id", "name", "username"), str, where)
    _optional(obj, _TEXT, str, where)
    auths = obj.get("authorizations")
    if auths is not None:
        if not isinstance(auths, list) or not all(isinstance(a, dict) for a in auths):
            raise Malformed(f"{where}.authorizations is not a list of objects")
        for n, auth in enumerate(auths[:1]):
            _envelope(auth, f"{where}.authorizations[{n}]", depth + 1)
    for key in _NESTED:
        nested = obj.get(key)
        if nested is None:
            continue
        if not isinstance(nested, dict):
            raise Malformed(f"{where}.{key} is not an object")
        if depth < 4:
            _envelope(nested, f"{where}.{key}", depth + 1)


def _require(obj: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise Malformed(f"{where}.{key} is missing or not {_KIND_WORDS.get(kind, kind.__name__)}")
    return value


def _optional(obj: dict[str, Any], keys: tuple[str, ...], kind: type, where: str) -> None:
    for key in keys:
        value = obj.get(key)
        if value is not None and not isinstance(value, kind):
            raise Malformed(f"{where}.{key} is not {_KIND_WORDS.get(kind, kind.__name__)}")


def _name(kind: object) -> str:
    return repr(kind[:40]) if isinstance(kind, str) else "(none)"


_KIND_WORDS: dict[type, str] = {str: "text", dict: "an object", list: "a list"}
