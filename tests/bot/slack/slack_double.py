"""A local double of Slack's Web API, served over real HTTP for ``WebClient(base_url=double.url)``.

It speaks enough of the Web API for atrisk: messages, history with metadata, views, users,
auth, plus scripted failures (HTTP 429/500, ``{"ok": false}`` errors, a connection dropped
after the message was stored) and an optional per-channel rate limit like Slack's ~1 msg/s.
Unknown methods are recorded and answered ``{"ok": true}``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from tests.bot.slack.slack_double_methods import METHODS

JSON_FIELDS = ("blocks", "attachments", "metadata", "view")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")


@dataclass(frozen=True)
class Call:
    """One request the double received: Web API method (or ``response_url``), params, headers."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass
class _Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | str | None = None  # seconds, or an HTTP date
    drop_after_accept: bool = False
    times: int = 1
    channel: str | None = None
    every: int = 0  # > 0: only every n-th matching call fails
    seen: int = 0
    raw: str | None = None  # answer this text instead of JSON (a proxy's error page)
    delay: float = 0.0  # seconds before answering
    accept: bool = False  # the call takes effect; only its answer is bad or late


@dataclass
class _Reply:
    status: int = 200
    body: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    raw: str | None = None
    delay: float = 0.0


def _parse_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    """Query string, then form, multipart or JSON body; JSON-valued fields decoded."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if body:
        if content_type.startswith("application/json"):
            params.update(json.loads(body.decode("utf-8")))
        elif content_type.startswith("multipart/form-data"):
            msg = BytesParser().parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
            for part in msg.walk():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True)
                if name and isinstance(payload, bytes):
                    params[str(name)] = payload.decode("utf-8", "replace")
        else:
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str) and params[key][:1] in "[{":
            params[key] = json.loads(params[key])
    return params


class _Server(ThreadingHTTPServer):
    """Slack's servers accept whatever arrives at once. ``socketserver``'s default queue of 5
    connections does not: under load the sixth connection's handshake is dropped and retried
    a second later, which a benchmark would count against the app."""

    request_queue_size = 1024


class SlackDouble:
    """A threaded HTTP server on 127.0.0.1 that answers like Slack's Web API (see module doc)."""

    def __init__(self, token: str = "xoxb-test", *, rate_limit_per_channel: float | None = None):
        self.token = token
        self.rate_limit_per_channel = rate_limit_per_channel
        self.users: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.home_views: dict[str, dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.joined: set[str] = set()
        self.channel_names: dict[str, str] = {}  # id → name, for every #name seen
        self._lock = threading.RLock()
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._ephemerals: dict[str, list[dict[str, Any]]] = {}
        self._responses: list[tuple[str, dict[str, Any]]] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._last_post: dict[str, float] = {}
        self._last_ts = 0.0
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        server = _Server(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-double"
        )
        self._thread.daemon = True
        self._thread.start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}/api/"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ what tests read

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def channel_id(self, channel: str) -> str:
        """The stable id a ``#name`` (or bare name) resolves to; ids are returned unchanged."""
        name = channel.removeprefix("#")
        if CHANNEL_ID.match(name):
            return name
        prefix = "D" if USER_ID.match(name) else "C"
        channel_id = prefix + hashlib.sha1(name.encode()).hexdigest()[:10].upper()
        if prefix == "C" and name:
            self.channel_names[channel_id] = name
        return channel_id

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages and replies posted to ``channel`` (every channel when None), oldest first;
        each carries its ``channel`` id."""
        with self._lock:
            ids = [self.channel_id(channel)] if channel else list(self._messages)
            found = [{**m, "channel": c} for c in ids for m in self._messages.get(c, [])]
        return sorted(found, key=lambda m: float(m["ts"]))

    def ephemerals(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self._ephemerals.get(self.channel_id(channel), [])]

    def response_url(self) -> str:
        """A fresh URL on the double that records what is POSTed to it (``respond()``)."""
        return f"{self.url.removesuffix('api/')}response/R{next(self._ids):08d}"

    def responses(self, url: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(b) for u, b in self._responses if url is None or url.endswith(u)]

    def add_user(self, user_id: str, *, name: str, email: str | None = None, **extra: Any) -> None:
        """A user that ``users.info`` and ``users.lookupByEmail`` will find."""
        profile = {"real_name": name, "display_name": name, "email": email}
        self.users[user_id] = {"id": user_id, "name": name, "real_name": name, **extra}
        self.users[user_id]["profile"] = profile

    # ------------------------------------------------------------------ scripted failures

    def fail_next(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | str | None = None,
        drop_after_accept: bool = False,
        times: int = 1,
        channel: str | None = None,
        raw: str | None = None,
        delay: float = 0.0,
        accept: bool = False,
    ) -> None:
        """The next ``times`` calls to ``method`` (optionally only for ``channel``) fail.

        ``raw`` answers that text (not JSON) with ``status``; ``delay`` answers that many
        seconds late (past a client's timeout, the answer is lost); with ``accept`` the call
        takes effect first (a message is stored) and only its answer is bad or late."""
        rule = _Failure(status, error, retry_after, drop_after_accept, times, channel)
        rule.raw, rule.delay, rule.accept = raw, delay, accept
        with self._lock:
            self._failures.setdefault(method, []).append(rule)

    def fail_every(
        self,
        method: str,
        every: int,
        *,
        status: int = 429,
        error: str | None = None,
        retry_after: int | None = 1,
        times: int = 10**9,
    ) -> None:
        """Every ``every``-th call to ``method`` fails (e.g. a storm of 429s)."""
        rule = _Failure(status, error, retry_after, False, times, None, every)
        with self._lock:
            self._failures.setdefault(method, []).append(rule)

    def _take_failure(self, method: str, params: dict[str, Any]) -> _Failure | None:
        for rule in self._failures.get(method, []):
            if rule.times <= 0:
                continue
            if rule.channel and self.channel_id(rule.channel) != self.channel_id(
                str(params.get("channel", ""))
            ):
                continue
            rule.seen += 1
            if rule.every and rule.seen % rule.every:
                continue
            rule.times -= 1
            return rule
        return None

    # ------------------------------------------------------------------ dispatch

    def handle(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> _Reply:
        with self._lock:
            self.calls.append(Call(method, params, headers, time.monotonic()))
            if method.startswith("response/"):
                self._responses.append((method, params))
                return _Reply()
            failure = self._take_failure(method, params)
            if failure and not (failure.drop_after_accept or failure.accept):
                return self._failure_reply(failure)
            if not self._authorized(headers, params):
                return _Reply(body={"ok": False, "error": "invalid_auth"})
            if method == "chat.postMessage" and (limited := self._rate_limited(params)):
                return limited
            handler = METHODS.get(method)
            body = handler(self, params) if handler else {"ok": True}
            if failure and failure.accept:
                return self._failure_reply(failure)
            return _Reply(body=body, drop=bool(failure and failure.drop_after_accept))

    def _failure_reply(self, f: _Failure) -> _Reply:
        headers = {"Retry-After": str(f.retry_after)} if f.retry_after is not None else {}
        default = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}
        error = f.error or default.get(f.status, "fatal_error")
        body = {"ok": False, "error": error}
        return _Reply(status=f.status, body=body, headers=headers, raw=f.raw, delay=f.delay)

    def _authorized(self, headers: dict[str, str], params: dict[str, Any]) -> bool:
        auth = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth else str(params.get("token", ""))
        return token == self.token

    def _rate_limited(self, params: dict[str, Any]) -> _Reply | None:
        if not self.rate_limit_per_channel:
            return None
        channel = self.channel_id(str(params.get("channel", "")))
        wait = 1.0 / self.rate_limit_per_channel - (
            time.monotonic() - self._last_post.get(channel, -math.inf)
        )
        if wait > 0:
            return _Reply(
                status=429,
                body={"ok": False, "error": "ratelimited"},
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        return None

    def _next_ts(self) -> str:
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"


# ---------------------------------------------------------------------- HTTP plumbing


def _make_handler(double: SlackDouble) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            path = url.path.lstrip("/")
            method = path.removeprefix("api/") if path.startswith("api/") else path
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                params = _parse_params(url.query, self.headers.get("Content-Type", ""), body)
            except ValueError:
                self._send(_Reply(status=400, body={"ok": False, "error": "invalid_form_data"}))
                return
            reply = double.handle(method, params, dict(self.headers.items()))
            if reply.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self._send(reply)

        do_GET = do_POST

        def _send(self, reply: _Reply) -> None:
            if reply.delay:
                time.sleep(reply.delay)
            data = json.dumps(reply.body).encode() if reply.raw is None else reply.raw.encode()
            kind = "application/json" if reply.raw is None else "text/html"
            self.send_response(reply.status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the calls are recorded in ``double.calls``."""

    return _Handler
