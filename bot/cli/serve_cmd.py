"""``atrisk serve``: the Slack app (HTTP or Socket Mode) and the scheduler, in one process.

HTTP mode listens on ``$HOST:$PORT`` (default 0.0.0.0:3000) at ``/slack/events`` with
``/healthz`` beside it; Socket Mode is used when ``SLACK_APP_TOKEN`` is set. It refuses to
start, saying what to fix, without ``SLACK_BOT_TOKEN``, without ``SLACK_SIGNING_SECRET`` in
HTTP mode, with a broken playbook library, or against an unmigrated database.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.error import URLError

import typer
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackClientError

from bot.bootstrap import Context
from bot.cli.output import console
from bot.errors import AtriskError, SettingsError
from bot.slack.app import create_app
from bot.slack.server import EVENTS_PATH, HEALTH_PATH, THREADS, HttpServer, wsgi_app
from playbooks import Library
from playbooks.errors import PlaybookError

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


def serve(ctx: Context, *, host: str | None, port: int | None, threads: int) -> None:
    """Run until interrupted: Socket Mode with an app token, else HTTP."""
    library = preflight(ctx)
    app = build(ctx, library)
    start_scheduler(ctx)
    settings = ctx.settings
    if settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        console.print("atrisk: Socket Mode (SLACK_APP_TOKEN is set); no public URL needed.")
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        return
    server = HttpServer(
        wsgi_app(app, ctx),
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


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        host: Annotated[str | None, typer.Option(help="Interface to listen on ($HOST).")] = None,
        port: Annotated[int | None, typer.Option(help="Port to listen on ($PORT).")] = None,
        threads: Annotated[int, typer.Option(help="HTTP worker threads (at least 8).")] = THREADS,
    ) -> None:
        """Run the Slack app: /atrisk, buttons, App Home (HTTP, or Socket Mode)."""
        ctx = Context()
        logging.getLogger().setLevel(ctx.settings.log_level.upper())
        try:
            serve(ctx, host=host, port=port, threads=threads)
        finally:
            ctx.close()
