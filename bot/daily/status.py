"""One status for ``atrisk status`` and ``/atrisk status``: model, last run, freshness, fallback.

``read_status`` builds it once; the CLI and Slack only render it, so both say the same thing
about the same database. Freshness has one definition:

- the scores served (fresh output, or the last good scores while paused) are **stale** when
  they are more than ``freshness.stale_after_days`` old, or when there are none;
- they are **late** when they are older than the most recent daily run that was due, counting
  a run as due ``freshness.latency_budget_seconds`` after its cron time;
- the **input** is stale when the newest source event is more than ``stale_after_days`` old.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from bot.daily import fallback
from bot.daily.cron import cron_trigger
from bot.daily.default_day import default_day
from bot.daily.newest_input import newest_input
from bot.lifecycle import model_state
from bot.lifecycle.accuracy import AccuracyReading, live_accuracy, live_model
from bot.spec import Spec
from scoring.model_metrics import ModelMetrics
from scoring.registry import kind_of
from storage.models import ScoringRun

if TYPE_CHECKING:
    from bot.ports import Root


@dataclass(frozen=True)
class Freshness:
    """How fresh the served scores and the input are (see the module docstring)."""

    scores_as_of: dt.date | None  # the day the served scores were made
    age_days: int | None
    stale_after_days: int
    due_as_of: dt.date | None  # the day whose run should have finished by now
    newest_input: dt.date | None
    input_stale: bool

    @property
    def stale(self) -> bool:
        return self.age_days is None or self.age_days > self.stale_after_days

    @property
    def on_time(self) -> bool:
        return self.due_as_of is None or (
            self.scores_as_of is not None and self.scores_as_of >= self.due_as_of
        )

    def describe(self) -> str:
        """One sentence, the same on every surface."""
        late = (
            f"; the run for {self.due_as_of.isoformat()} is late"
            if not self.on_time and self.due_as_of is not None
            else ""
        )
        if self.scores_as_of is None:
            return "stale: no scores yet" + late
        mark = "stale" if self.stale else "fresh"
        return (
            f"{mark}: scores of {self.scores_as_of.isoformat()}, {self.age_days} "
            f"{'day' if self.age_days == 1 else 'days'} old "
            f"(stale after {self.stale_after_days}){late}"
        )


@dataclass(frozen=True)
class RunSummary:
    """The newest scoring run and its result."""

    id: int
    as_of: dt.date
    status: str
    trigger: str | None
    finished_at: dt.datetime | None
    n_scored: int
    n_flagged: int
    n_alerts: int
    fallback: bool
    fallback_cause: str | None
    served_from: dt.date | None
    error: str | None


@dataclass
class Status:
    """What both status surfaces show (``atrisk status --json`` prints it)."""

    now: dt.datetime
    model_state: str
    state_reason: str | None
    state_changed_by: str | None
    state_changed_at: dt.datetime | None
    live_model: str | None
    live_model_trained_as_of: dt.date | None
    live_model_kind: str | None  # lightgbm | logistic | rules
    model_metric: tuple[str, float] | None  # the spec's metric on the training test period
    last_run: RunSummary | None
    serving: fallback.Serving
    freshness: Freshness
    accuracy: AccuracyReading
    accuracy_target: float
    next_daily_run: dt.datetime | None
    default_day: dt.date | None = None  # what `atrisk score`/`run` use without --as-of
    data_through: dt.date | None = None  # the newest day of ingested data
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["freshness"].update(
            stale=self.freshness.stale,
            on_time=self.freshness.on_time,
            text=self.freshness.describe(),
        )
        return out


def zone(spec: Spec) -> ZoneInfo:
    return ZoneInfo(spec.freshness.timezone)


def due_as_of(spec: Spec, now: dt.datetime) -> dt.date | None:
    """The local day of the newest daily run that should have finished by ``now``."""
    trigger = cron_trigger(spec.freshness.cron, zone(spec))
    budget = dt.timedelta(seconds=spec.freshness.latency_budget_seconds)
    found = trigger.last_fire_day(now.astimezone(dt.UTC) - budget)  # real time, not wall time
    return found[0] if found is not None else None


def freshness(
    session: Session, spec: Spec, now: dt.datetime, source: Connection | None = None
) -> Freshness:
    """The one freshness reading (see the module docstring); ``source`` is a connection to the
    source engine (default: ``session``'s database)."""
    today = now.astimezone(zone(spec)).date()
    newest = fallback.newest_event(source if source is not None else session, spec, today)
    return freshness_with(session, spec, now, newest)


def freshness_with(
    session: Session,
    spec: Spec,
    now: dt.datetime,
    newest: dt.date | None,
    served: fallback.Serving | None = None,
) -> Freshness:
    """``freshness`` given the newest day of input (``newest_input``) and, when already read,
    what is served today (``fallback.serving``)."""
    today = now.astimezone(zone(spec)).date()
    scores = (served if served is not None else fallback.serving(session, today)).scored_on
    limit = spec.freshness.stale_after_days
    return Freshness(
        scores_as_of=scores,
        age_days=(today - scores).days if scores is not None else None,
        stale_after_days=limit,
        due_as_of=due_as_of(spec, now),
        newest_input=newest,
        input_stale=newest is None or (today - newest).days > limit,
    )


def _run_summary(session: Session, run: ScoringRun | None) -> RunSummary | None:
    if run is None:
        return None
    served = session.get(ScoringRun, run.served_from_run_id) if run.served_from_run_id else None
    return RunSummary(
        id=run.id,
        as_of=run.as_of,
        status=run.status,
        trigger=run.trigger,
        finished_at=run.finished_at,
        n_scored=run.n_scored or 0,
        n_flagged=run.n_flagged or 0,
        n_alerts=run.n_alerts or 0,
        fallback=bool(run.fallback),
        fallback_cause=run.fallback_cause,
        served_from=served.as_of if served is not None else None,
        error=run.error,
    )


def _accuracy(ctx: Root, session: Session, today: dt.date) -> AccuracyReading:
    """The live model's accuracy; only a lead spec reads the source (its leads) for it."""
    if ctx.spec.entity.kind != "lead":
        return live_accuracy(session, ctx.spec, today)
    with ctx.source_engine.connect() as source:
        return live_accuracy(session, ctx.spec, today, source)


def read_status(ctx: Root, now: dt.datetime | None = None) -> Status:
    """The status of the model, the last run and the scores served, at ``now``."""
    now = now or dt.datetime.now(dt.UTC)
    spec = ctx.spec
    today = now.astimezone(zone(spec)).date()
    metric = spec.accuracy.metric
    with ctx.uow() as uow:
        s = uow.session
        state = model_state.read_state(s)
        model = live_model(s)
        value = ModelMetrics.from_json(model.metrics).metric(metric) if model else None
        last = s.scalars(
            select(ScoringRun).order_by(ScoringRun.started_at.desc(), ScoringRun.id.desc())
        ).first()
        served = fallback.serving(s, today)
        status = Status(
            now=now,
            model_state=state.state,
            state_reason=state.reason,
            state_changed_by=state.changed_by,
            state_changed_at=state.changed_at,
            live_model=model.version if model else None,
            live_model_kind=kind_of(model.extras) if model else None,
            live_model_trained_as_of=model.trained_as_of if model else None,
            model_metric=(metric, value) if value is not None else None,
            last_run=_run_summary(s, last),
            serving=served,
            freshness=freshness_with(s, spec, now, newest_input(ctx, s, today), served),
            accuracy=_accuracy(ctx, s, today),
            accuracy_target=spec.accuracy.target,
            next_daily_run=cron_trigger(spec.freshness.cron, zone(spec)).get_next_fire_time(
                None, now.astimezone(zone(spec))
            ),
        )
    chosen = default_day(ctx, now)
    status.default_day, status.data_through = chosen.day, chosen.data_through
    warning = chosen.warning()
    if warning:
        status.notes.append(warning[:1].upper() + warning[1:])
    if model is None:
        status.notes.append("No live model: run `atrisk train` to train and promote one.")
    if not status.freshness.on_time:
        status.notes.append(f"Scores are late: the run for {status.freshness.due_as_of} is due.")
    if status.freshness.input_stale:
        status.notes.append("Input is stale: ingest fresh source data.")
    return status
