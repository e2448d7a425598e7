"""The door in front of bolt: size, signature and shape of every request to ``/slack/events``.

Bolt parses a request's body before it verifies the signature, and both assume Slack's
shapes: a timestamp such as ``abc``, ``1e9`` or 400 digits, a signature with non-ASCII
characters, a body that is not UTF-8 or not the JSON its content type says, all ended in a
500 with a stack trace, and every refused request was logged with its whole body. Here, in
this order and before bolt sees anything:

1. a body over ``max_body`` bytes is refused with **413** without being read (the HTTP
   server refuses it even earlier, from ``Content-Length``);
2. anything that does not verify — headers missing or not shaped as Slack sends them (a
   timestamp of 1–12 ASCII digits, ``v0=`` and 64 hex digits), more than five minutes old,
   an HMAC-SHA256 over the raw bytes that does not match — gets **401**;
3. a verified body that atrisk cannot read (``bot.slack.request_shape``) gets **400**;
   Slack's ``app_rate_limited`` notice, which no bolt listener takes, is logged and gets 200.

What passes is handed to bolt as bolt reads it right (``for_bolt``). Bolt takes any form
body holding the letters ``payload`` for an interaction, so ``/atrisk payload`` (or a user
named ``payloadpete``) reached no listener and was answered 404; and it reads a body as JSON
only for the exact content type ``application/json``. So a form is encoded again from the
fields atrisk checked, with ``payload`` written ``%70ayload`` outside an interaction (the same
text once decoded), and signed again with the same timestamp; the content type is given as
its bare, lower-case media type.

Each refusal is logged on one line with at most ``MAX_EXCERPT`` characters of the body.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode

from sqlalchemy.exc import SQLAlchemyError

from bot.slack.request_shape import FORM, Malformed, media_type, parse
from storage.errors import StorageError

MAX_EXCERPT = 200  # characters of a refused body in the log line
MAX_AGE_SECONDS = 5 * 60  # Slack's replay window
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 413: "Content Too Large"}
ANSWERS = {400: "bad request", 401: "invalid request", 413: "request body too large"}
log = logging.getLogger("atrisk.slack")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SharedMemory(Protocol):
    """Signatures remembered across replicas (``storage.seen_requests.SeenRequests``)."""

    def first_time(self, key: str, now: float) -> bool: ...


class SeenSignatures:
    """Signatures verified in the last ``MAX_AGE_SECONDS``: the same signed bytes twice are a
    replay (Slack signs every delivery, retries included, with its own timestamp).

    Remembered by this process and, with ``shared``, by every replica on the database: a
    replay to another replica is refused too. When the database cannot be reached the
    process's own memory decides (logged), since nothing could be recorded then anyway."""

    def __init__(self, shared: SharedMemory | None = None) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._shared = shared

    def first_time(self, signature: str, now: float) -> bool:
        """Record ``signature``; False when it was already seen within the window."""
        if not self._here_first(signature, now):
            return False
        if self._shared is None:
            return True
        try:
            return self._shared.first_time(signature.removeprefix("v0="), now)
        except (SQLAlchemyError, StorageError) as e:
            log.warning("replay check on this replica only: the database said %s", type(e).__name__)
            return True

    def _here_first(self, signature: str, now: float) -> bool:
        with self._lock:
            # kept in the order received, so the expired are at the front: each request
            # drops those, never walks the rest (a clock set back keeps some a little longer)
            while self._seen:
                oldest, until = next(iter(self._seen.items()))
                if until >= now:
                    break
                del self._seen[oldest]
            if signature in self._seen:
                return False
            self._seen[signature] = now + 2 * MAX_AGE_SECONDS
            return True


class Refused(Exception):
    """A request answered here, without bolt: the status and why (for the log)."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status, self.why = status, why


def read_body(environ: dict[str, Any], max_body: int) -> bytes:
    """The raw body, or ``Refused(413)`` when it is longer than ``max_body`` (not read)."""
    declared = str(environ.get("CONTENT_LENGTH") or "").strip()
    if declared and not (declared.isascii() and declared.isdigit()):
        raise Refused(400, "Content-Length is not a number")
    if declared and int(declared) > max_body:
        raise Refused(413, f"a body of {int(declared):,} bytes (at most {max_body:,})")
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    body: bytes = stream.read(int(declared) if declared else max_body + 1)
    if len(body) > max_body:
        raise Refused(413, f"a body of more than {max_body:,} bytes")
    return body


def verify(environ: dict[str, Any], body: bytes, secret: str | None, now: float) -> None:
    """``Refused(401)`` unless the request is signed with ``secret`` in the last 5 minutes."""
    if not secret:
        raise Refused(401, "no signing secret is configured")
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
    if not TIMESTAMP.fullmatch(timestamp):
        raise Refused(401, "the timestamp header is missing or not 1-12 digits")
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise Refused(401, "the request is more than five minutes old (or from the future)")
    if not SIGNATURE.fullmatch(signature):
        raise Refused(401, "the signature header is missing or not v0=<64 hex digits>")
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise Refused(401, "the signature does not match")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 signature: ``v0=`` and the hex HMAC-SHA256 of ``v0:<timestamp>:<body>``."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def for_bolt(environ: dict[str, Any], body: bytes, secret: str) -> dict[str, Any]:
    """``environ`` with a verified, readable ``body`` as bolt reads it right (module doc).

    A form is encoded again from its fields (the last of a repeated name, as both atrisk and
    bolt read it); outside an interaction every ``payload`` in it is written ``%70ayload``.
    The new body is signed with the same timestamp; the content type is its media type."""
    media = media_type(str(environ.get("CONTENT_TYPE") or ""))
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE"))
    if media == FORM:
        fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        body = urlencode(fields).encode("ascii")
        if "payload" not in fields:
            body = body.replace(b"payload", b"%70ayload")
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP"))
        signature = sign(secret, timestamp, body)
    return {
        **environ,
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": media,
        "HTTP_X_SLACK_SIGNATURE": signature,
    }


def excerpt(body: bytes) -> str:
    """The start of a body for a log line: one line, at most ``MAX_EXCERPT`` characters."""
    head = body[: MAX_EXCERPT * 4].decode("utf-8", "replace")[:MAX_EXCERPT]
    return repr(head)[1:-1][:MAX_EXCERPT]


def guard(
    inner: WSGIApp,
    *,
    secret: str | None,
    max_body: int,
    clock: Callable[[], float] = time.time,
    shared: SharedMemory | None = None,
) -> WSGIApp:
    """``inner`` (bolt's handler) behind the three checks in the module doc; a request whose
    signed bytes were already received (a replay) is refused with 401 too, by any replica
    when ``shared`` remembers signatures in the database."""
    seen = SeenSignatures(shared)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = b""
        try:
            body = read_body(environ, max_body)
            now = clock()
            verify(environ, body, secret, now)
            if not seen.first_time(str(environ.get("HTTP_X_SLACK_SIGNATURE")), now):
                raise Refused(401, "a replay of a request already received")
            try:
                data = parse(str(environ.get("CONTENT_TYPE") or ""), body)
            except Malformed as e:
                raise Refused(400, str(e)) from None
        except Refused as refused:
            log.warning(
                "refused a request to %s with %s: %s (%s bytes: %s)",
                environ.get("PATH_INFO"),
                refused.status,
                refused.why,
                environ.get("CONTENT_LENGTH") or len(body),
                excerpt(body),
            )
            return answer(start_response, refused.status)
        if data.get("type") == "app_rate_limited":  # no bolt listener takes it
            log.warning(
                "Slack held back events for a minute: more than 30,000 in an hour (%s)",
                excerpt(body),
            )
            return answer(start_response, 200)
        return inner(for_bolt(environ, body, str(secret)), start_response)

    return application


def answer(start_response: Callable[..., Any], status: int) -> list[bytes]:
    """A short JSON answer (an error unless 200): nothing of the request is echoed."""
    said = {"ok": True} if status == 200 else {"error": ANSWERS.get(status, "not found")}
    data = json.dumps(said).encode()
    start_response(
        f"{status} {REASONS.get(status, 'Not Found')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
    )
    return [data]
