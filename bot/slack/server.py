"""HTTP mode: the Slack app behind bolt's WSGI adapter, plus ``/healthz``, served by waitress.

Slack sends slash commands, button clicks, modal submissions and events to one URL,
``/slack/events``. Before bolt sees a request, ``bot.slack.request_guard`` caps its body
(413), verifies its signature and age (401) and checks its shape (400), each refusal logged on
one line; the HTTP server itself refuses a body over the cap from its ``Content-Length``,
before reading it. On PostgreSQL, replicas share the memory of requests already received
(``storage.seen_requests``), so a replay is refused by every replica. Anything else is
answered 404. ``GET /healthz`` answers 200 ``{"ok": true, "db": "ok"}``, or 503 when the
database cannot be reached, for a load balancer or an orchestrator.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from waitress.server import create_server
from waitress.wasyncore import close_all, loop

from bot.slack.replay_service import MemoryClient
from bot.slack.request_guard import SharedMemory, WSGIApp, answer, guard
from storage.errors import StorageError
from storage.seen_requests import SeenRequests, file_memory

if TYPE_CHECKING:
    from bot.bootstrap import Context

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
THREADS = 8
# open connections per process: waitress's default of 100 let one client holding a few hundred
# half-sent requests lock Slack out of every worker; each waits on select(), so well under
# its 1,024 descriptors
CONNECTIONS = 500
DEFAULT_MAX_BODY = 1024 * 1024
log = logging.getLogger("atrisk.slack")


def health(ctx: Context) -> tuple[int, dict[str, Any]]:
    """200 when the database answers a trivial query, else 503 (never the URL or a secret)."""
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("select 1"))
    except (SQLAlchemyError, StorageError, OSError) as e:
        log.warning("health check: the database is unreachable (%s)", type(e).__name__)
        return 503, {"ok": False, "db": "unreachable"}
    return 200, {"ok": True, "db": "ok"}


def shared_memory(
    ctx: Context, replay_file: Path | None = None, replay_address: str | None = None
) -> SharedMemory | None:
    """Replay memory shared by the replicas on PostgreSQL. On SQLite, the memory of
    ``atrisk serve``'s processes: asked of the server process at ``replay_address``
    (``bot.slack.replay_service``), or kept in ``replay_file`` by this process (a SQLite file
    of its own, so the write on every request never waits behind a daily run's; kept across
    restarts); None without either: the process remembers by itself."""
    if ctx.engine.dialect.name != "sqlite":
        return SeenRequests(ctx.engine)
    if replay_address is not None:
        return MemoryClient(replay_address)
    return None if replay_file is None else file_memory(replay_file)


def wsgi_app(
    app: App,
    ctx: Context,
    *,
    replay_file: Path | None = None,
    replay_address: str | None = None,
) -> WSGIApp:
    """One WSGI application: ``/healthz``, and ``POST /slack/events`` through the guard to
    bolt's handler; anything else is 404. ``replay_file``, ``replay_address``: see
    ``shared_memory``."""
    secret = ctx.settings.slack_signing_secret
    slack = guard(
        SlackRequestHandler(app, path=EVENTS_PATH),
        secret=secret.get_secret_value() if secret else None,
        max_body=ctx.settings.slack_max_body_bytes,
        shared=shared_memory(ctx, replay_file, replay_address),
    )

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            status, body = health(ctx)
            data = json.dumps(body).encode()
            reason = "OK" if status == 200 else "Service Unavailable"
            start_response(
                f"{status} {reason}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
            )
            return [data]
        if environ.get("PATH_INFO") == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            return slack(environ, start_response)
        return answer(start_response, 404)

    return application


class HttpServer:
    """A waitress server for ``wsgi`` on ``host:port`` (port 0 picks a free one), or on
    ``sock``, a socket already listening (shared by several worker processes), that refuses
    a body over ``max_body`` bytes with 413 from its ``Content-Length``, without reading it,
    and holds at most ``CONNECTIONS`` open connections (more wait to be accepted)."""

    def __init__(
        self,
        wsgi: WSGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        sock: socket.socket | None = None,
        threads: int = THREADS,
        poll_seconds: float = 1.0,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        where: dict[str, Any] = {"sockets": [sock]} if sock else {"host": host, "port": port}
        if sock is not None:
            host = str(sock.getsockname()[0])
        self._server: Any = create_server(
            wsgi,
            **where,
            threads=max(threads, THREADS),
            ident="atrisk",
            connection_limit=CONNECTIONS,
            asyncore_loop_timeout=poll_seconds,
            max_request_body_size=max_body + 1,  # waitress refuses sizes >= its limit
        )
        self.host = host
        self.port = int(self._server.effective_port)
        self._poll_seconds = poll_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def run(self) -> None:
        """Serve until interrupted (blocks)."""
        self._server.run()

    def start(self) -> HttpServer:
        """Serve in a background thread until ``stop`` (tests and benchmarks)."""
        self._thread = threading.Thread(target=self._serve_until_stopped, name="atrisk-http")
        self._thread.daemon = True
        self._thread.start()
        return self

    def _serve_until_stopped(self) -> None:
        server = self._server
        while not self._stopping.is_set():
            loop(timeout=self._poll_seconds, map=server._map, count=1)
        server.task_dispatcher.shutdown()
        close_all(server._map)  # in the serving thread, so no socket closes under select()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
