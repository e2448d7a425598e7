"""The ports services talk through: Slack (the Web API or a dry-run folder), the clock, and
``Root``, what the composition root hands a service.

Services receive an implementation from the composition root (``bot.bootstrap``) and never
build one; tests pass fakes that implement the same protocol. Every implementation of
``SlackPort`` raises ``SlackCallFailed`` (never a slack_sdk or transport exception), so a
service can tell a retryable failure from a permanent one without knowing the adapter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.settings import Settings
    from bot.spec import Spec
    from playbooks import Library
    from storage.unit_of_work import UnitOfWork

Clock = Callable[[], dt.datetime]
"""Returns the current time, timezone-aware (UTC)."""


def utc_clock() -> dt.datetime:
    """The real clock: now, in UTC."""
    return dt.datetime.now(dt.UTC)


class SlackCallFailed(Exception):
    """A Slack call failed: ``error`` is Slack's code (or ``connection_error``, ``timeout``,
    ``ratelimited``…), ``permanent`` says whether trying again later cannot help, and
    ``retry_after`` how many seconds a rate limit asked to wait (None when it did not)."""

    def __init__(self, error: str, *, permanent: bool, retry_after: float | None = None) -> None:
        self.error, self.permanent, self.retry_after = error, permanent, retry_after
        super().__init__(f"Slack said {error}")


@dataclass(frozen=True)
class Message:
    """One message to post: ``channel`` is an id (``C…``) or ``#name``; ``text`` is the
    notification fallback; ``blocks`` and ``metadata`` as Slack's ``chat.postMessage`` takes
    them; ``thread_ts`` answers in a thread. Data strings inside are already escaped."""

    channel: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # written beside it in a dry run


@dataclass(frozen=True)
class Posted:
    """Where a message landed: the channel's id and the message's ``ts``."""

    channel: str
    ts: str


DRY_RUN_TS = "dry-run"
"""The ``ts`` a dry run gives every message it writes."""


class SlackPort(Protocol):
    """Slack as the services see it: post (in a channel or a thread), update, find alerts."""

    @property
    def dry_run(self) -> bool:
        """True when nothing reaches Slack (payloads are written to the outbox folder)."""
        ...

    def post(
        self,
        message: Message,
        *,
        key: str,
        folder: str,
        may_resend: Callable[[], bool] | None = None,
    ) -> Posted:
        """Post ``message``; ``key`` names it (unique per message), ``folder`` groups it in a
        dry run (an ``as_of`` date, ``ops``, ``outcomes``…). After a rate limit the message is
        sent again only if ``may_resend()`` (when given) says so just before; a wait longer than
        the adapter's cap is not slept through. Raises ``SlackCallFailed``."""
        ...

    def posted_alerts(self, channel: str, since: dt.datetime) -> dict[str, Posted]:
        """Alert messages already in ``channel`` since ``since``: ``{alert_key: Posted}``.
        Raises ``SlackCallFailed``."""
        ...

    def update(self, message: Message, *, ts: str, key: str, folder: str) -> Posted:
        """Replace the message at ``ts`` in ``message.channel`` with ``message`` (text, blocks,
        metadata). Raises ``SlackCallFailed``."""
        ...


class Root(Protocol):
    """What services may use of the composition root (``bot.bootstrap.Context`` implements it;
    tests may pass any object that does): settings, the spec, units of work on the application
    store, the validated playbook library, the Slack port and the clock."""

    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def spec(self) -> Spec: ...

    @property
    def playbooks(self) -> Library: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def source_engine(self) -> Engine: ...

    @property
    def source_in_place(self) -> bool: ...

    @property
    def slack(self) -> SlackPort: ...

    @property
    def dry_run_slack(self) -> SlackPort: ...

    def uow(self) -> UnitOfWork: ...

    def require_schema(self) -> None: ...
