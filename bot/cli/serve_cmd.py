"""``atrisk serve``: the Slack app (HTTP or Socket Mode) and the scheduler.

HTTP mode listens on ``$HOST:$PORT`` (default 0.0.0.0:3000) at ``/slack/events`` with
``/healthz`` beside it, in ``--workers`` processes sharing the one socket
(``bot.slack.workers``; default one per core, at most 4), the scheduler in exactly one of
them. Socket Mode, used when ``SLACK_APP_TOKEN`` is set, is one process. It refuses to start,
saying what to fix, without ``SLACK_BOT_TOKEN``, without ``SLACK_SIGNING_SECRET`` in HTTP
mode, with a broken playbook library, or against an unmigrated database.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any
from urllib.error import URLError

import typer
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from bot.answers.name_index import names_of
from bot.answers.roster import roster_of
from bot.bootstrap import Context
from bot.cli.output import console
from bot.daily.status import read_status
from bot.errors import AtriskError, SettingsError
from bot.slack.app import WORK_THREADS, create_app
from bot.slack.replay_service import MemoryService
from bot.slack.server import EVENTS_PATH, HEALTH_PATH, THREADS, HttpServer, wsgi_app
from bot.slack.workers import Supervisor, default_workers, listen
from playbooks import Library
from playbooks.errors import PlaybookError
from storage.errors import StorageError
from storage.seen_requests import memory_path

log = logging.getLogger("atrisk.serve")


class ServeRefused(AtriskError):
    """``atrisk serve`` cannot start as configured; the message says what to fix."""


def preflight(ctx: Context) -> Library:
    """Check secrets, spec, playbooks and schema before anything listens; the library."""
    settings = ctx.settings
    if settings.slack_bot_token is None:
        raise SettingsError(
            "SLACK_BOT_TOKEN is not set: the Slack app needs the bot token (xoxb-…, "
            "OAuth & Permissions after installing the app; see docs/slack-app.md)."
        )
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        raise SettingsError(
            "SLACK_SIGNING_SECRET is not set: in HTTP mode every request from Slack is "
            "verified with it (Basic Information → App Credentials). Set it, or set "
            "SLACK_APP_TOKEN (xapp-…) to use Socket Mode instead."
        )
    _ = ctx.spec  # a broken atrisk.yml is refused here, naming the field
    try:
        library = ctx.playbooks
    except PlaybookError as e:
        raise ServeRefused(
            f"the playbook library is broken, so alerts could not offer their buttons:\n{e}"
        ) from None
    ctx.require_schema()
    return library


def start_scheduler(ctx: Context) -> Any:
    """Start the daily run, the weekly retrain and the health check beside the app.

    Replicas sharing one PostgreSQL each run a scheduler; every job runs once per day (or
    week, or hour) across them (see docs/operations.md).
    """
    from bot.scheduler import start

    return start(ctx)


def build(ctx: Context, library: Library) -> App:
    """The app; the bot token is checked once with ``auth.test``."""
    try:
        return create_app(ctx, library=library)
    except (BoltError, SlackClientError, URLError, OSError) as e:
        raise ServeRefused(
            f"Slack did not accept SLACK_BOT_TOKEN ({e}); check the token and SLACK_API_URL."
        ) from None


def serve(
    ctx: Context, *, host: str | None, port: int | None, threads: int, workers: int = 1
) -> int:
    """Run until interrupted: Socket Mode with an app token, else HTTP in ``workers``
    processes (one: in this process); the exit code."""
    library = preflight(ctx)
    app = build(ctx, library)  # the token is checked here, once, before any worker starts
    settings = ctx.settings
    if settings.slack_app_token is None and workers > 1:
        where = (host or settings.host, settings.port if port is None else port)
        try:
            sock = listen(*where)
        except OSError as e:
            raise ServeRefused(
                f"cannot listen on {where[0]}:{where[1]} ({e.strerror or e}); another "
                "process may hold the port: stop it or choose another --port ($PORT)."
            ) from None
        try:
            return serve_workers(ctx, library, sock, workers=workers, threads=threads)
        finally:
            sock.close()
    start_scheduler(ctx)
    if settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        console.print("atrisk: Socket Mode (SLACK_APP_TOKEN is set); no public URL needed.")
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        return 0
    server = HttpServer(
        wsgi_app(app, ctx, replay_file=memory_path(ctx.engine)),
        host=host or settings.host,
        port=settings.port if port is None else port,
        threads=threads,
        max_body=settings.slack_max_body_bytes,
    )
    console.print(
        f"atrisk: listening on http://{server.host}:{server.port}{EVENTS_PATH} "
        f"(health: {HEALTH_PATH}, {max(threads, THREADS)} threads)"
    )
    server.run()
    return 0


def serve_workers(
    ctx: Context,
    library: Library,
    sock: socket.socket,
    *,
    workers: int,
    threads: int,
    scheduler: bool = True,
) -> int:
    """Serve on ``sock`` in ``workers`` forked processes until SIGTERM or Ctrl-C (blocks;
    ``bot.slack.workers``); worker 0 runs the scheduler unless ``scheduler`` is False. On
    SQLite the workers share their replay memory, kept across restarts in the file beside the
    store (``storage.seen_requests.memory_path``) by this process, which they ask
    (``bot.slack.replay_service``).
    The exit code: 0 when stopped, 1 when workers kept dying."""
    sqlite = ctx.engine.dialect.name == "sqlite"
    with contextlib.ExitStack() as scratch:
        replay = memory_path(ctx.engine)
        if replay is None and sqlite:  # an in-memory store: a folder removed at the end
            folder = scratch.enter_context(tempfile.TemporaryDirectory(prefix="atrisk-serve-"))
            replay = Path(folder) / "signatures.db"
        address: str | None = None
        fork_guard: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext
        if replay is not None:  # kept by this process, asked by the workers
            service = scratch.enter_context(MemoryService(replay))
            address, fork_guard = service.address, service.quiet
        ctx.close()  # each worker opens connections of its own

        def worker(slot: int) -> int:
            return run_worker(
                Context(settings=ctx.settings, spec_path=ctx.spec_path, clock=ctx.clock),
                library,
                sock,
                threads=threads,
                replay_address=address,
                scheduler=scheduler and slot == 0,
            )

        where = sock.getsockname()
        console.print(
            f"atrisk: listening on http://{where[0]}:{where[1]}{EVENTS_PATH} "
            f"(health: {HEALTH_PATH}, {workers} worker processes of {max(threads, THREADS)} "
            f"threads{'; the scheduler runs in worker 0' if scheduler else ''})"
        )
        return Supervisor(workers, worker, on_replace=console.print, fork_guard=fork_guard).run()


def run_worker(
    ctx: Context,
    library: Library,
    sock: socket.socket,
    *,
    threads: int,
    replay_address: str | None,
    scheduler: bool,
) -> int:
    """One worker process: the app on the shared ``sock`` until SIGTERM, or until the server
    that started it is gone (killed outright, say, so it cannot stop its workers: an orphan
    would hold the port and serve on unwatched), then the requests and answers in hand are
    finished before it returns 0."""
    parent = os.getppid()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    work = ThreadPoolExecutor(WORK_THREADS, thread_name_prefix="atrisk-work")
    jobs = None
    try:
        app = create_app(ctx, library=library, verify_token=False, work=work)
        jobs = start_scheduler(ctx) if scheduler else None
        server = HttpServer(
            wsgi_app(app, ctx, replay_address=replay_address),
            sock=sock,
            threads=threads,
            max_body=ctx.settings.slack_max_body_bytes,
        ).start()
        threading.Thread(target=warm_up, args=(ctx,), name="atrisk-warm-up", daemon=True).start()
        while not stop.wait(0.5):
            if os.getppid() != parent:
                log.error("the server process %d is gone, so this worker stops", parent)
                break
        server.stop()
        work.shutdown(wait=True)
    finally:
        if jobs is not None:
            jobs.shutdown(wait=False)
        ctx.close()
    return 0


def warm_up(ctx: Context) -> None:
    """Build the worker's copies now rather than on the first questions it happens to take:
    the name index (about 1.2 CPU s per 100k accounts), the team, the served run, and what
    ``/atrisk status`` reads (the source engine opened, its newest input: about 0.3 s). A
    failure is only logged (the question that needs it builds it then)."""
    try:
        with ctx.uow() as uow:
            names_of(uow.session)
            roster_of(uow.session)
        read_status(ctx, ctx.clock())
    except (SQLAlchemyError, StorageError) as e:
        log.warning("the answers' copies were not built at start (%s); each is on first use", e)


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        host: Annotated[str | None, typer.Option(help="Interface to listen on ($HOST).")] = None,
        port: Annotated[int | None, typer.Option(help="Port to listen on ($PORT).")] = None,
        threads: Annotated[
            int, typer.Option(help="HTTP threads per worker process (at least 8).")
        ] = THREADS,
        workers: Annotated[
            int | None,
            typer.Option(
                help="Processes serving HTTP on the one port (default: one per core, at most "
                "4); the scheduler runs in one of them. Socket Mode uses one.",
                min=1,
            ),
        ] = None,
    ) -> None:
        """Run the Slack app: /atrisk, buttons, App Home (HTTP in worker processes, or Socket
        Mode)."""
        ctx = Context()
        logging.getLogger().setLevel(ctx.settings.log_level.upper())
        try:
            code = serve(
                ctx,
                host=host,
                port=port,
                threads=threads,
                workers=default_workers() if workers is None else workers,
            )
        finally:
            ctx.close()
        if code:
            raise typer.Exit(code)
