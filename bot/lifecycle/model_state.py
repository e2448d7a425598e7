"""The kill switch: ``active``, ``disabled`` (by a person, with a reason) or ``fallback``.

``disable`` and ``enable`` are what ``atrisk model disable --reason R`` / ``enable`` and the
admins' ``/atrisk model disable <reason>`` / ``enable`` call. Every change, by a person or by the
daily job, is written to ``model_state_events`` (who, when, why) in the same transaction as the
state itself, and announced once in the ops channel.

``fallback`` is entered and left only by the daily job (``enter_fallback`` / ``leave_fallback``);
it never overrides ``disabled``: only a person turns a disabled model back on.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.errors import AtriskError
from storage.models import ModelState, ModelStateEvent
from storage.product import LEAD, product_of

if TYPE_CHECKING:
    from bot.ports import Root

log = logging.getLogger(__name__)

STATE_ROW_ID = 1
#: each product has its own kill switch: the lead product's row (churn's is ``STATE_ROW_ID``)
LEAD_STATE_ROW_ID = 2


def state_row_id(session: Session) -> int:
    """The kill switch row of the product ``session`` is scoped to."""
    return LEAD_STATE_ROW_ID if product_of(session) == LEAD else STATE_ROW_ID


AUTOMATIC = "atrisk (automatic)"
MAX_REASON = 500


class KillSwitchError(AtriskError):
    """A kill-switch change that cannot be made as asked (e.g. no reason given)."""


class AlreadyDisabled(KillSwitchError):
    """The model is disabled already: the first reason stands and nobody is told again."""


@dataclass(frozen=True)
class ModelStatus:
    """The kill switch as people see it."""

    state: str
    reason: str | None = None
    changed_by: str | None = None
    changed_at: dt.datetime | None = None

    @property
    def paused(self) -> bool:
        return self.state != "active"


def read_state(session: Session) -> ModelStatus:
    """The current state; a database where nobody switched anything yet is ``active``."""
    row = session.get(ModelState, state_row_id(session))
    if row is None:
        return ModelStatus("active")
    return ModelStatus(row.state, row.reason, row.changed_by, row.changed_at)


def set_state(session: Session, state: str, reason: str | None, actor: str) -> ModelStatus:
    """Write the state and its audit event in ``session`` (the caller commits)."""
    now = dt.datetime.now(dt.UTC)
    row = session.get(ModelState, state_row_id(session))
    if row is None:
        row = ModelState(id=state_row_id(session), state=state)
        session.add(row)
    row.state, row.reason, row.changed_by, row.changed_at = state, reason, actor, now
    session.add(ModelStateEvent(state=state, reason=reason, actor=actor, at=now))
    session.flush()
    return ModelStatus(state, reason, actor, now)


def model_name(ctx: Root) -> str:
    """What people call the model of this installation: ``lead model`` or ``churn model``."""
    return "lead model" if ctx.spec.entity.kind == LEAD else "churn model"


def current(ctx: Root) -> ModelStatus:
    with ctx.uow() as uow:
        return read_state(uow.session)


def disable(ctx: Root, reason: str, actor: str) -> ModelStatus:
    """Switch the model off: every alert and answer serves the last good scores with a banner."""
    reason = " ".join((reason or "").split())[:MAX_REASON]
    if not reason:
        raise KillSwitchError(
            "Say why the model is being disabled, e.g. "
            "`atrisk model disable --reason 'bad data since Monday'`."
        )
    actor = actor.strip() or "unknown"
    with ctx.uow() as uow:
        uow.session.get(
            ModelState, state_row_id(uow.session), with_for_update=True
        )  # one disable wins
        before = read_state(uow.session)
        if before.state == "disabled":
            when = f"{before.changed_at:%Y-%m-%d %H:%M} UTC" if before.changed_at else "?"
            raise AlreadyDisabled(
                f"The model is already disabled by {before.changed_by} at {when}: "
                f"{before.reason}. Nothing changed; enable it first to disable it for "
                "another reason."
            )
        status = set_state(uow.session, "disabled", reason, actor)
        uow.commit()
    announce(
        ctx,
        f"model-state:disabled:{status.changed_at:%Y%m%dT%H%M%S%f}",
        f":octagonal_sign: {actor} disabled the {model_name(ctx)}: {reason}. Alerts and answers "
        "now serve the last good scores with a banner until someone runs `atrisk model enable`.",
    )
    log.info("model disabled by %s: %s", actor, reason)
    return status


def enable(ctx: Root, actor: str) -> ModelStatus:
    """Switch the model back on; the next daily run scores with it again."""
    actor = actor.strip() or "unknown"
    with ctx.uow() as uow:
        before = read_state(uow.session)
        status = set_state(uow.session, "active", None, actor)
        uow.commit()
    was = f" (it was {before.state}" + (f": {before.reason})" if before.reason else ")")
    announce(
        ctx,
        f"model-state:active:{status.changed_at:%Y%m%dT%H%M%S%f}",
        f":white_check_mark: {actor} enabled the {model_name(ctx)}{was}. "
        "The next daily run scores with it again.",
    )
    log.info("model enabled by %s", actor)
    return status


def enter_fallback(session: Session, cause: str) -> bool:
    """Mark the model ``fallback`` (unless a person disabled it); True when the state changed."""
    now = read_state(session)
    if now.state == "disabled" or (now.state == "fallback" and now.reason == cause):
        return False
    set_state(session, "fallback", cause, AUTOMATIC)
    return True


def leave_fallback(session: Session) -> bool:
    """Back to ``active`` after a good run; a disabled model stays disabled."""
    if read_state(session).state != "fallback":
        return False
    set_state(session, "active", "a scoring run succeeded with fresh input", AUTOMATIC)
    return True


def announce(ctx: Root, key: str, text: str, about: str = "model") -> None:
    """One message per ``key`` in the ops channel, mentioning the owners of ``about``
    (``data``, ``model`` or ``bot``); a dry run into the outbox folder without a Slack token."""
    from bot.delivery.ops_notices import notify_ops

    notify_ops(ctx, key, text, about=about)  # type: ignore[arg-type]
