"""Are the day's scores fresh model output? If not, which last good run is served instead.

The model is *paused* for a day when a person disabled it, the input was refused by the
contract or is stale, the live model's accuracy on matured outcomes is below the floor, the
scoring run failed, or too many features drifted (decided in ``bot.daily.decide``). Then the
last good scores are served: those of the newest run that succeeded with the model on fresh
input (``status='succeeded'``, ``fallback=False``) no older than ``WINDOW_DAYS`` before the
day. Older scores are not served at all: the day posts nothing new and says so.

Every answer built from served scores carries the banner of ``bot.blockkit.alerts.banner_text``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from bot.blockkit.alerts import banner_text
from bot.daily.decide import FallbackCause
from bot.lifecycle.accuracy import live_accuracy
from bot.lifecycle.model_state import read_state
from bot.spec import Spec
from storage.held import HeldPerEngine
from storage.lead_models import LeadActivity
from storage.models import AccountFeatureRow, IntegrationRun, ScoringRun, Ticket, Usage
from storage.product import product_of
from storage.state_key import state_key

WINDOW_DAYS = 14  # last good scores older than this are not served


def no_scores_text(as_of: dt.date) -> str:
    return (
        f"Model paused — no good scores from the {WINDOW_DAYS} days before "
        f"{as_of.isoformat()}; nothing new is posted."
    )


def disabled_cause(session: Session) -> FallbackCause | None:
    state = read_state(session)
    if state.state != "disabled":
        return None
    return FallbackCause("disabled", f"disabled by {state.changed_by}: {state.reason}")


def newest_event(source: Session | Connection, spec: Spec, as_of: dt.date) -> dt.date | None:
    """The newest day with input data usable for ``as_of`` (features see data before it).

    ``source``: a connection to the source engine (or a session where the application
    database holds the source tables too).
    """
    session = source
    if spec.contract.features == "account_features":
        day = session.scalar(
            select(func.max(AccountFeatureRow.as_of)).where(AccountFeatureRow.as_of <= as_of)
        )
        return day
    end = dt.datetime.combine(as_of, dt.time(), tzinfo=dt.UTC)
    if spec.entity.kind == "lead":  # the newest lead activity
        ts = session.scalar(select(func.max(LeadActivity.ts)).where(LeadActivity.ts < end))
        if ts is None:
            return None
        return ts.date() if isinstance(ts, dt.datetime) else dt.date.fromisoformat(str(ts)[:10])
    days: list[dt.date] = []
    usage = session.scalar(select(func.max(Usage.date)).where(Usage.date < as_of))
    if usage is not None:
        days.append(usage)
    for column in (IntegrationRun.ts, Ticket.opened_at):
        ts = session.scalar(select(func.max(column)).where(column < end))
        if ts is not None:
            days.append(ts.date() if isinstance(ts, dt.datetime) else dt.date.fromisoformat(ts))
    return max(days, default=None)


def stale_cause(source: Session | Connection, spec: Spec, as_of: dt.date) -> FallbackCause | None:
    """Stale: the newest event is more than ``freshness.stale_after_days`` before ``as_of``."""
    limit = spec.freshness.stale_after_days
    newest = newest_event(source, spec, as_of)
    if newest is None:
        return FallbackCause("stale_input", f"there is no input data before {as_of.isoformat()}")
    age = (as_of - newest).days
    if age <= limit:
        return None
    return FallbackCause(
        "stale_input",
        f"the newest input is from {newest.isoformat()}, {age} days before {as_of.isoformat()} "
        f"(freshness.stale_after_days is {limit})",
    )


def accuracy_cause(
    session: Session, spec: Spec, as_of: dt.date, source: Connection | None = None
) -> FallbackCause | None:
    """Below the floor on matured outcomes (churned, or for leads converted, within the
    horizon); ``source`` holds a lead spec's ``leads`` (default: ``session``'s database)."""
    reading = live_accuracy(session, spec, as_of, source)
    if not reading.below_floor:
        return None
    return FallbackCause(
        "accuracy_below_floor",
        f"model {reading.model_version}: {reading.describe()}",
    )


def before_scoring(
    session: Session, spec: Spec, as_of: dt.date, source: Connection | None = None
) -> FallbackCause | None:
    """The causes known before the model runs, in order: disabled, stale input, accuracy.

    ``source``: a connection to the source engine (default: ``session``'s database).
    """
    return (
        disabled_cause(session)
        or stale_cause(source if source is not None else session, spec, as_of)
        or accuracy_cause(session, spec, as_of, source)
    )


def last_good_run(
    session: Session,
    as_of: dt.date,
    *,
    exclude_run_id: int | None = None,
    window_days: int = WINDOW_DAYS,
) -> ScoringRun | None:
    """The newest succeeded, fresh (non-fallback) run in the ``window_days`` up to ``as_of``."""
    query = select(ScoringRun).where(
        ScoringRun.status == "succeeded",
        ScoringRun.fallback.is_(False),
        ScoringRun.as_of <= as_of,
        ScoringRun.as_of >= as_of - dt.timedelta(days=window_days),
    )
    if exclude_run_id is not None:
        query = query.where(ScoringRun.id != exclude_run_id)
    return session.scalars(
        query.order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc()).limit(1)
    ).first()


@dataclass(frozen=True)
class Serving:
    """Which run's scores answers use now, and the banner to show (None: fresh output)."""

    run_id: int | None
    scored_on: dt.date | None
    paused: bool
    cause: str | None
    banner: str | None


_served: HeldPerEngine[Serving] = HeldPerEngine(most=4)  # two products, a day turning


def served_nothing() -> ColumnElement[bool]:
    """A paused run that scored nothing and had no good scores to serve (e.g. a day scored
    before any data was ingested): once a later run exists it says nothing about the model,
    so it neither holds the kill switch in ``fallback`` nor decides what is served."""
    return and_(
        ScoringRun.fallback.is_(True),
        ScoringRun.served_from_run_id.is_(None),
        ScoringRun.n_scored == 0,
    )


def serving(session: Session, today: dt.date) -> Serving:
    """What ``/atrisk`` answers, App Home and ``atrisk status`` serve right now: the newest
    day's run, passing over a run that served nothing when a later run was made after it.

    Kept per process (``storage.held``) until a run or the kill switch changes
    (``storage.state_key``): every answer asks it, and it reads four rows to say the same."""
    key = state_key(session)
    return _served.get(
        session.get_bind().engine,
        (product_of(session), key.runs, key.model, today),
        lambda: _serving(session, today),
    )


def _serving(session: Session, today: dt.date) -> Serving:
    newest_id = session.scalar(select(func.max(ScoringRun.id)))
    latest = session.scalars(
        select(ScoringRun)
        .where(ScoringRun.status != "running", ScoringRun.as_of <= today)
        .where(or_(ScoringRun.id == newest_id, not_(served_nothing())))
        .order_by(ScoringRun.as_of.desc(), ScoringRun.id.desc())
        .limit(1)
    ).first()
    state = read_state(session)
    if latest is None:
        cause = f"{state.state}: {state.reason}" if state.paused else None
        text = no_scores_text(today) if state.paused else None
        return Serving(None, None, state.paused, cause, text)
    fresh = latest.status == "succeeded" and not latest.fallback
    if fresh and not state.paused:
        return Serving(latest.id, latest.as_of, False, None, None)
    served: ScoringRun | None
    if latest.fallback:
        cause = latest.fallback_cause
        served = (
            session.get(ScoringRun, latest.served_from_run_id)
            if latest.served_from_run_id is not None
            else None
        )
    else:
        cause = (
            f"{state.state}: {state.reason}"
            if state.paused
            else f"run_failed: {latest.error or 'the scoring run failed'}"
        )
        served = last_good_run(session, latest.as_of)
    if served is None:
        return Serving(None, None, True, cause, no_scores_text(latest.as_of))
    return Serving(served.id, served.as_of, True, cause, banner_text(served.as_of))
