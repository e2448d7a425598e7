"""Ops-channel notices: tell the owners about a failure once per cause, not once per alert.

The ``ops_notices`` table holds one row per cause (``notice_key``); the first caller to
insert it sends the message. A notice whose send failed is sent again the next time the
same cause is reported.
"""

from __future__ import annotations

import logging
from typing import Literal

from bot.blockkit.notices import ops_notice
from bot.delivery.preview import preview_line
from bot.ports import Clock, Message, Root, SlackCallFailed, SlackPort
from storage.models import utcnow
from storage.repositories import alert_outbox as repo

log = logging.getLogger(__name__)

About = Literal["data", "model", "bot"]


def owner_ids(ctx: Root, about: About | None = None) -> list[str]:
    """The Slack ids of the owners of ``about`` (all owners when None)."""
    owners = ctx.spec.owners
    groups = [getattr(owners, about)] if about else [owners.data, owners.model, owners.bot]
    return [i for group in groups for i in group]


def notify_ops(
    ctx: Root,
    key: str,
    text: str,
    *,
    slack: SlackPort | None = None,
    about: About | None = None,
    now: Clock = utcnow,
) -> bool:
    """Post ``text`` (plain words, escaped here) to the ops channel through ``slack`` (default:
    the root's port), mentioning the owners of ``about`` (all owners when None), unless ``key``
    was already reported (for this product: a lead spec's keys are its own). Returns True
    when this call reported it."""
    key = ctx.spec.job_name(key)
    with ctx.uow() as uow:
        claimed = repo.claim_notice(uow.session, key=key, text=text, at=now())
        uow.commit()
    if not claimed:
        return False
    port = slack if slack is not None else ctx.slack
    message = ops_notice(owner_ids(ctx, about), text)
    channel = ctx.spec.surface.ops_channel
    posted = True
    try:
        port.post(Message(channel=channel, text=message), key=key, folder="ops")
    except SlackCallFailed as failure:
        log.warning("could not tell %s about %s: Slack said %s", channel, key, failure.error)
        posted = False
    if port.dry_run:
        preview_line(f"ops → {channel}: {text}")
    with ctx.uow() as uow:
        repo.finish_notice(uow.session, key=key, posted=posted, at=now())
        uow.commit()
    return True
