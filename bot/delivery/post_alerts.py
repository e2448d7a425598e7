"""Posting the alert outbox: pending alerts into their channels, each exactly once.

For each alert: claim an attempt (commit), post, record the ts (commit). An alert tried
before (``attempts > 0``) may already be in Slack with its answer lost, so the channel's
history is searched for a message whose metadata carries its ``alert_key`` before it is
posted again. Transient failures leave the alert pending for the next run; permanent ones
mark it failed and tell the ops channel once per cause. Channels are paced (~1 message per
second each) and served in parallel. Without a bot token the payloads go to the outbox
folder instead (``bot.adapters.dry_run``).

One poster runs at a time: the ``post_outbox`` claim is held in a lease renewed every few
seconds, so a second run never takes over a live one, however long Slack makes it wait.
A rate limit longer than the adapter's cap is not slept through: the alert stays pending
and the rest of its channel waits for the next run. Before a message is sent again after a
rate limit, the poster renews its claim and claims one more attempt on the alert; if either
was taken over meanwhile, it does not send.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field, fields
from typing import Any

from bot.blockkit.any_alert import render_any
from bot.delivery.alert_views import Outgoing, load_views
from bot.delivery.ops_notices import notify_ops
from bot.delivery.pacing import run_paced
from bot.delivery.preview import Preview, preview_alert, preview_line
from bot.ports import Clock, Message, Posted, Root, SlackCallFailed, SlackPort
from storage import job_lock
from storage.models import utcnow
from storage.repositories import alert_outbox as repo

log = logging.getLogger(__name__)

PREVIEW_LIMIT = 20  # alerts previewed on the terminal in a dry run; the rest are only written
PER_CHANNEL_INTERVAL = 1.0  # seconds from one post's answer to the next post in its channel
HISTORY_MARGIN = dt.timedelta(minutes=5)  # clock skew between us and Slack
POSTER_JOB = "post_outbox"
ANOTHER_POSTER = "another poster is running"
CLAIM_LOST = "another poster took over"
HEARTBEAT_SECONDS = 10.0  # how often a posting run renews its claim
POSTER_STALE_AFTER = dt.timedelta(minutes=2)  # silence after which a poster is presumed dead
TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive"})
HINTS = {
    "channel_not_found": "check the CSM's slack_channel (team table) or surface.default_channel",
    "not_in_channel": "invite the app to the channel (/invite @atrisk)",
    "is_archived": "unarchive the channel or route the CSM's alerts elsewhere",
    "missing_scope": "reinstall the app with the scopes in manifest.yml",
}
TOKEN_HINT = "the bot token was refused: reinstall the app and update SLACK_BOT_TOKEN"
RENDER_HINT = "Slack refused the message itself: report it with the alert key"


@dataclass
class PostReport:
    """What one posting run did (``--json`` prints ``as_dict()``)."""

    dry_run: bool
    considered: int = 0
    posted: int = 0
    updated: int = 0
    reconciled: int = 0
    left_pending: int = 0
    failed: int = 0
    skipped: int = 0
    stopped: str | None = None
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, outcome: str, error: str | None = None) -> None:
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + 1)
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1

    def __str__(self) -> str:
        parts = [f"{self.posted} posted"]
        for name in ("updated", "reconciled", "left_pending", "failed", "skipped"):
            if getattr(self, name):
                parts.append(f"{getattr(self, name)} {name.replace('_', ' ')}")
        if self.errors:
            parts.append(
                "errors: " + ", ".join(f"{k} ×{v}" for k, v in sorted(self.errors.items()))
            )
        if self.stopped:
            parts.append(f"stopped early ({self.stopped})")
        return ", ".join(parts) + (
            " (dry run: payloads in the outbox folder)" if self.dry_run else ""
        )

    def as_dict(self) -> dict[str, Any]:
        """The counts as plain data (the lock is not data, and cannot be copied)."""
        with self._lock:
            return {
                f.name: copy.deepcopy(getattr(self, f.name))
                for f in fields(self)
                if not f.name.startswith("_")
            }

    @property
    def trouble(self) -> str | None:
        """Why this run stopped before posting everything it could, if it did (another poster
        running is no trouble: that one posts)."""
        if self.stopped and self.stopped != ANOTHER_POSTER:
            return f"posting stopped early: {self.stopped}"
        return None


def post_pending(
    ctx: Root,
    *,
    slack: SlackPort | None = None,
    now: Clock = utcnow,
    limit: int | None = None,
    workers: int = 16,
    interval: float = PER_CHANNEL_INTERVAL,
    preview: Preview | None = None,
) -> PostReport:
    """Post every pending alert (oldest first) through ``slack`` (default: the root's port) and
    return what happened. In a dry run the first alerts are previewed on the terminal.

    One poster at a time across processes and replicas (a ``job_runs`` claim on
    ``post_outbox``); a second caller returns at once with ``stopped`` saying why.
    """
    started = time.monotonic()
    port = slack if slack is not None else ctx.slack
    report = PostReport(dry_run=port.dry_run)
    claim = job_lock.run_once(
        ctx.engine,
        ctx.spec.job_name(POSTER_JOB),
        POSTER_JOB,
        rerun=True,
        stale_after=POSTER_STALE_AFTER,
    )
    with claim as held:
        if held is None:
            report.stopped = ANOTHER_POSTER
            return report
        with job_lock.Lease(ctx.engine, held, every=HEARTBEAT_SECONDS) as lease:
            with ctx.uow() as uow:
                alerts = repo.pending_alerts(uow.session, limit=limit)
                outgoing = load_views(
                    uow.session, alerts, default_channel=ctx.spec.surface.default_channel
                )
            report.considered = len(outgoing)
            if outgoing:
                poster = _Poster(ctx, port, report, now, lease)
                groups: dict[str, list[Outgoing]] = {}
                for out in outgoing:
                    groups.setdefault(out.channel, []).append(out)
                poster.plan(groups)
                run_paced(
                    groups,
                    poster.post,
                    interval=0.0 if port.dry_run else interval,
                    workers=workers,
                    should_stop=poster.should_stop,
                )
        if port.dry_run:
            _preview(outgoing, ctx.settings.atrisk_outbox_dir, preview)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _preview(outgoing: list[Outgoing], folder: object, preview: Preview | None) -> None:
    for out in outgoing[:PREVIEW_LIMIT]:
        preview_alert(out.channel, out.view, preview=preview)
    if len(outgoing) > PREVIEW_LIMIT:
        more = f"… and {len(outgoing) - PREVIEW_LIMIT} more in {folder}"
        preview_line(more, preview=preview)


def _failure_text(failure: SlackCallFailed, channel: str) -> tuple[str, str]:
    """The ops notice key and text for a permanent failure."""
    if failure.error in TOKEN_ERRORS:
        return (
            f"post:{failure.error}",
            f"Alerts cannot be posted: Slack says {failure.error}; {TOKEN_HINT}.",
        )
    hint = HINTS.get(failure.error.removeprefix("history_"), RENDER_HINT)
    text = (
        f"Alerts for {channel} cannot be posted: Slack says {failure.error}; {hint}. "
        "They are marked failed."
    )
    return f"post:{failure.error}:{channel}", text


class _Poster:
    """Posts one alert at a time per channel; ``run_paced`` calls ``post`` from its threads."""

    def __init__(
        self, ctx: Root, slack: SlackPort, report: PostReport, now: Clock, lease: job_lock.Lease
    ):
        self.ctx, self.slack, self.report, self.now = ctx, slack, report, now
        self.lease = lease
        self._since: dict[str, dt.datetime] = {}  # channel → oldest alert that may be posted
        self._found: dict[str, dict[str, Posted]] = {}  # channel → alert key → where it is
        self._limited: set[str] = set()  # channels rate-limited past the cap: left for later

    def should_stop(self) -> bool:
        """The run stops on a refused token, or as soon as its claim is lost."""
        if not self.lease.held and self.report.stopped is None:
            self.report.stopped = CLAIM_LOST
        return self.report.stopped is not None

    def plan(self, groups: dict[str, list[Outgoing]]) -> None:
        for channel, items in groups.items():
            tried = [o.created_at for o in items if o.attempts > 0]
            if tried:
                self._since[channel] = min(tried) - HISTORY_MARGIN

    # ------------------------------------------------------------ one alert

    def post(self, channel: str, out: Outgoing) -> bool:
        """Reconcile or post one alert; True when a message was sent (the channel's rate used)."""
        if channel in self._limited:  # Slack asked this channel to wait longer than we do
            self.report.count("left_pending", "ratelimited")
            return False
        if out.attempts > 0:
            try:
                found = self._history(channel).get(out.alert_key)
            except SlackCallFailed as failure:
                if failure.error not in ("channel_not_found", "not_in_channel", "is_archived"):
                    history = SlackCallFailed(
                        f"history_{failure.error}", permanent=failure.permanent
                    )
                    return self._fail(channel, out, history)
                found = None
            if found is not None:
                self._save(out, found, outcome="reconciled")
                return False
        if out.follows is not None:
            return self._update(out, out.follows)
        try:
            payload = render_any(out.view)
        except ValueError as exc:
            log.warning("alert %s cannot be rendered: %s", out.alert_key, exc)
            return self._fail(channel, out, SlackCallFailed("render_error", permanent=True))
        with self.ctx.uow() as uow:
            claimed = repo.claim_attempt(
                uow.session, alert_id=out.alert_id, seen_attempts=out.attempts
            )
            uow.commit()
        if not claimed:
            self.report.count("skipped")
            return False
        message = Message(
            channel=channel,
            text=payload["text"],
            blocks=payload["blocks"],
            metadata=payload["metadata"],
        )
        attempts = [out.attempts + 1]  # the attempt this run holds on the alert

        def may_resend() -> bool:
            """After a rate limit: still our claim, and one more attempt on the alert is ours."""
            if not self.lease.renew():
                return False
            with self.ctx.uow() as uow:
                ours = repo.claim_attempt(
                    uow.session, alert_id=out.alert_id, seen_attempts=attempts[0]
                )
                uow.commit()
            attempts[0] += int(ours)
            return ours

        try:
            posted = self.slack.post(
                message,
                key=out.alert_key,
                folder=out.view.as_of.isoformat(),
                may_resend=may_resend,
            )
        except SlackCallFailed as failure:
            if failure.error == "ratelimited":
                self._limited.add(channel)
            self._fail(channel, out, failure)
            return True
        self._save(out, posted, outcome="posted")
        return True

    def _update(self, out: Outgoing, where: Posted) -> bool:
        """Update the open play's message with this alert instead of posting a new one."""
        payload = render_any(out.view, acted=out.acted)
        message = Message(where.channel, payload["text"], payload["blocks"], payload["metadata"])
        folder = out.view.as_of.isoformat()
        try:
            self.slack.update(message, ts=where.ts, key=out.alert_key, folder=folder)
        except SlackCallFailed as failure:
            return self._fail(where.channel, out, failure)
        self._save(out, where, outcome="updated")
        return True

    def _save(self, out: Outgoing, posted: Posted, *, outcome: str) -> None:
        with self.ctx.uow() as uow:
            repo.mark_posted(
                uow.session,
                alert_id=out.alert_id,
                channel=posted.channel,
                ts=posted.ts,
                at=self.now(),
            )
            uow.commit()
        self.report.count(outcome)

    def _fail(self, channel: str, out: Outgoing, failure: SlackCallFailed) -> bool:
        with self.ctx.uow() as uow:
            repo.record_error(
                uow.session, alert_id=out.alert_id, error=failure.error, permanent=failure.permanent
            )
            uow.commit()
        self.report.count("failed" if failure.permanent else "left_pending", failure.error)
        if failure.permanent:
            key, text = _failure_text(failure, channel)
            notify_ops(self.ctx, key, text, slack=self.slack, about="bot", now=self.now)
            if failure.error in TOKEN_ERRORS:
                self.report.stopped = failure.error
        return False

    def _history(self, channel: str) -> dict[str, Posted]:
        """Alerts already in the channel since its oldest retried alert: key → where it is."""
        if channel not in self._found:
            since = self._since.get(channel, self.now() - dt.timedelta(days=1))
            self._found[channel] = self.slack.posted_alerts(channel, since)
        return self._found[channel]
