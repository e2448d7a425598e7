"""Signed requests to the Slack app, as Slack sends them (v0 HMAC-SHA256 of the raw body).

The signature is computed here from Slack's published recipe, not with the SDK's verifier,
so the app's verification is checked against an independent implementation.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

SECRET = "test-signing-secret-0123456789abcdef"
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Answer:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def signature(body: str | bytes, timestamp: int | str, secret: str = SECRET) -> str:
    raw = body.encode() if isinstance(body, str) else body
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: str | bytes,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    age: float = 0,
    content_type: str = FORM,
) -> dict[str, str]:
    """Headers as Slack sends them; ``age`` seconds makes the request look that old."""
    ts = int(time.time() - age) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(body, ts, secret),
    }


def post(url: str, body: str | bytes, headers: dict[str, str], timeout: float = 10) -> Answer:
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, response.read().decode())
    except urllib.error.HTTPError as e:
        return Answer(e.code, e.read().decode())


def raw_request(
    url: str, head: dict[str, str], body: bytes, *, send: int | None = None, timeout: float = 10
) -> Answer:
    """POST over a plain socket, headers as UTF-8 bytes (what ``urllib`` refuses to send);
    only the first ``send`` bytes of the body are sent when given."""
    host, port = url.removeprefix("http://").split("/", 1)[0].split(":")
    path = "/" + url.removeprefix("http://").split("/", 1)[1]
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in head.items()]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode() + body[:send]
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        with contextlib.suppress(OSError):  # the server answered and closed before the end
            sock.sendall(data)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:  # closed with our unread body in its buffer
            pass
    response = b"".join(chunks)
    status_line, _, rest = response.partition(b"\r\n")
    return Answer(int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2].decode())


def get(url: str, timeout: float = 10) -> Answer:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return Answer(response.status, response.read().decode())
    except urllib.error.HTTPError as e:
        return Answer(e.code, e.read().decode())


def command_body(text: str, *, user_id: str, response_url: str, command: str = "/atrisk") -> str:
    return urlencode(
        {
            "token": "legacy-unused",
            "team_id": "T0DOUBLE1",
            "team_domain": "atrisk-test",
            "channel_id": "C0COMMANDS",
            "channel_name": "cs",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0ATRISK01",
            "response_url": response_url,
            "trigger_id": "1.2.trigger",
        }
    )


def payload_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def block_action(
    *,
    action_id: str,
    value: str,
    user_id: str,
    user_name: str,
    channel: str,
    ts: str,
    response_url: str,
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
) -> dict[str, Any]:
    """A ``block_actions`` payload for a button on a message."""
    return {
        "type": "block_actions",
        "team": {"id": "T0DOUBLE1", "domain": "atrisk-test"},
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": "T0DOUBLE1"},
        "api_app_id": "A0ATRISK01",
        "token": "legacy-unused",
        "container": {"type": "message", "message_ts": ts, "channel_id": channel},
        "trigger_id": trigger_id,
        "channel": {"id": channel, "name": "cs"},
        "message": {"type": "message", "ts": ts, "text": "alert"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "atrisk.actions",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def view_submission(
    *, view: dict[str, Any], values: dict[str, Any], user_id: str, user_name: str
) -> dict[str, Any]:
    """A ``view_submission`` payload for ``view`` with the given input state."""
    return {
        "type": "view_submission",
        "team": {"id": "T0DOUBLE1", "domain": "atrisk-test"},
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": "T0DOUBLE1"},
        "api_app_id": "A0ATRISK01",
        "token": "legacy-unused",
        "trigger_id": "1.2.submit",
        "view": {**view, "state": {"values": values}},
    }


def event_body(event: dict[str, Any]) -> str:
    """An Events API envelope (sent as JSON, as Slack does)."""
    return json.dumps(
        {
            "token": "legacy-unused",
            "team_id": "T0DOUBLE1",
            "api_app_id": "A0ATRISK01",
            "type": "event_callback",
            "event_id": f"Ev{int(time.time() * 1000)}",
            "event_time": int(time.time()),
            "event": event,
        }
    )
