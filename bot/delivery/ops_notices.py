"""Ops-channel notices: tell the owners about a failure once per cause, not once per alert.

The ``ops_notices`` table holds one row per cause (``notice_key``); the first caller to
insert it sends the message. A notice whose send failed is sent again the next time the
same cause is reported.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Literal

from slack_sdk import WebClient

from bot.adapters.dry_run import file_name, preview_line
from bot.adapters.slack_web import classify, make_client
from bot.blockkit.notices import ops_notice
from bot.bootstrap import Context
from storage.models import utcnow
from storage.repositories import alert_outbox as repo

log = logging.getLogger(__name__)

About = Literal["data", "model", "bot"]


def owner_ids(ctx: Context, about: About | None = None) -> list[str]:
    """The Slack ids of the owners of ``about`` (all owners when None)."""
    owners = ctx.spec.owners
    groups = [getattr(owners, about)] if about else [owners.data, owners.model, owners.bot]
    return [i for group in groups for i in group]


def notify_ops(
    ctx: Context,
    key: str,
    text: str,
    *,
    client: WebClient | None = None,
    about: About | None = None,
    dry_run: bool | None = None,
    now: Callable[[], dt.datetime] = utcnow,
) -> bool:
    """Post ``text`` (plain words, escaped here) to the ops channel, mentioning the owners of
    ``about`` (all owners when None), unless ``key`` was already reported. Returns True when
    this call reported it."""
    with ctx.uow() as uow:
        claimed = repo.claim_notice(uow.session, key=key, text=text, at=now())
        uow.commit()
    if not claimed:
        return False
    message = ops_notice(owner_ids(ctx, about), text)
    channel = ctx.spec.surface.ops_channel
    dry = ctx.settings.dry_run if dry_run is None else dry_run
    posted = True
    if dry:
        folder = ctx.settings.atrisk_outbox_dir / "ops"
        folder.mkdir(parents=True, exist_ok=True)
        payload = {"channel": channel, **message}
        (folder / file_name(key)).write_text(json.dumps(payload, indent=2, ensure_ascii=False))
        preview_line(f"ops → {channel}: {text}")
    else:
        try:
            (client or make_client(ctx.settings)).chat_postMessage(channel=channel, **message)
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            log.warning("could not tell %s about %s: Slack said %s", channel, key, failure.error)
            posted = False
    with ctx.uow() as uow:
        repo.finish_notice(uow.session, key=key, posted=posted, at=now())
        uow.commit()
    return True
