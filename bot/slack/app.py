"""The Slack app: one ``App`` with every listener registered in one place.

``create_app`` wires the composition root's ``Context`` into the listeners through
``AppServices`` (the playbook library, the clock, the spec's time zone). Listeners ack at
once and do the work lazily (``process_before_response=False``), so Slack always gets its
answer within 3 seconds. The lazy work runs on a small pool of its own (``WORK_THREADS``):
it is mostly Python (ORM, rendering), so more threads would only slow the acks down.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk import WebClient

from bot.bootstrap import Context
from bot.slack.listeners import register
from bot.slack.listeners.common import on_error
from playbooks import Library

LISTENER_THREADS = 32  # bolt's pool: acks and handing lazy work over (quick tasks)
WORK_THREADS = 4  # the lazy work itself: database, rendering, Web API calls
log = logging.getLogger("atrisk.slack")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class AppServices:
    """What listeners need besides Slack: the context, the playbooks and the clock."""

    ctx: Context
    library: Library
    clock: Callable[[], dt.datetime] = field(default=_utcnow)
    work: Executor | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.ctx.spec.freshness.timezone)

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        """Today in the spec's time zone (follow-ups and freshness count local days)."""
        return self.now().astimezone(self.zone).date()

    def week_start(self) -> dt.datetime:
        """Monday 00:00 of this week in the spec's time zone."""
        monday = self.today() - dt.timedelta(days=self.today().weekday())
        return dt.datetime.combine(monday, dt.time(), tzinfo=self.zone)


def create_app(
    ctx: Context,
    *,
    client: WebClient | None = None,
    library: Library | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    verify_token: bool = True,
    listener_pool: Executor | None = None,
    work: Executor | None = None,
) -> App:
    """The Bolt app with every listener and the one error handler registered.

    ``verify_token`` calls ``auth.test`` once at start (off in tests, where the double answers).
    ``listener_pool`` and ``work`` replace the two thread pools (a caller that owns them can
    wait for the lazy work to finish).
    """
    secret = ctx.settings.slack_signing_secret
    work = work or ThreadPoolExecutor(WORK_THREADS, thread_name_prefix="atrisk-work")
    services = AppServices(ctx, library or ctx.playbooks, clock or ctx.clock, work)
    app = App(
        signing_secret=secret.get_secret_value() if secret else "",
        client=client or ctx.web_client,
        token_verification_enabled=verify_token,
        process_before_response=False,
        listener_executor=listener_pool
        or ThreadPoolExecutor(LISTENER_THREADS, thread_name_prefix="atrisk-slack"),
        logger=log,
        name="atrisk",
    )
    app.error(on_error)
    register(app, services)
    return app
