"""``atrisk status`` and the scheduled health check: model, last run, freshness, drift, accuracy.

The freshness SLA: the scores served must come from the daily run due most recently, counting
a run as due ``freshness.latency_budget_seconds`` after its cron time. The health check tells
the owners (once per cause) when scores are late, when some features drift (before enough do
to pause the model) and when matured accuracy falls below the target (the floor is the daily
job's business: it pauses the model).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.daily import fallback
from bot.daily.cron import cron_trigger, last_fire_before
from bot.lifecycle import model_state
from bot.lifecycle.accuracy import AccuracyReading, live_accuracy, live_model
from bot.spec import Spec
from storage.models import DriftStat, ScoringRun

if TYPE_CHECKING:
    from bot.ports import Root


@dataclass(frozen=True)
class Freshness:
    due_as_of: dt.date | None  # the day whose run should have finished by now
    scores_as_of: dt.date | None  # the newest fresh model output
    on_time: bool
    newest_input: dt.date | None
    input_stale: bool
    stale_after_days: int


@dataclass
class StatusReport:
    """What ``atrisk status`` shows (and ``--json`` prints)."""

    now: dt.datetime
    model_state: str
    state_reason: str | None
    state_changed_by: str | None
    state_changed_at: dt.datetime | None
    live_model: str | None
    live_model_trained_as_of: dt.date | None
    last_run: dict[str, Any] | None
    serving: fallback.Serving
    freshness: Freshness
    accuracy: AccuracyReading
    accuracy_target: float
    next_daily_run: dt.datetime | None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _tz(spec: Spec) -> ZoneInfo:
    return ZoneInfo(spec.freshness.timezone)


def due_as_of(spec: Spec, now: dt.datetime) -> dt.date | None:
    """The local day of the newest daily run that should have finished by ``now``."""
    trigger = cron_trigger(spec.freshness.cron, _tz(spec))
    budget = dt.timedelta(seconds=spec.freshness.latency_budget_seconds)
    fire = last_fire_before(trigger, now.astimezone(_tz(spec)) - budget)
    return fire.astimezone(_tz(spec)).date() if fire is not None else None


def freshness(session: Session, spec: Spec, now: dt.datetime) -> Freshness:
    today = now.astimezone(_tz(spec)).date()
    due = due_as_of(spec, now)
    good = fallback.last_good_run(session, today, window_days=3650)
    scores = good.as_of if good is not None else None
    newest = fallback.newest_event(session, spec, today)
    limit = spec.freshness.stale_after_days
    return Freshness(
        due_as_of=due,
        scores_as_of=scores,
        on_time=due is None or (scores is not None and scores >= due),
        newest_input=newest,
        input_stale=newest is None or (today - newest).days > limit,
        stale_after_days=limit,
    )


def _run_summary(session: Session, run: ScoringRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    served = session.get(ScoringRun, run.served_from_run_id) if run.served_from_run_id else None
    return {
        "id": run.id,
        "as_of": run.as_of,
        "status": run.status,
        "trigger": run.trigger,
        "finished_at": run.finished_at,
        "n_scored": run.n_scored,
        "n_flagged": run.n_flagged,
        "n_alerts": run.n_alerts,
        "fallback": run.fallback,
        "fallback_cause": run.fallback_cause,
        "served_from": served.as_of if served is not None else None,
        "error": run.error,
    }


def status_report(ctx: Root, now: dt.datetime | None = None) -> StatusReport:
    now = now or dt.datetime.now(dt.UTC)
    spec = ctx.spec
    today = now.astimezone(_tz(spec)).date()
    with ctx.uow() as uow:
        s = uow.session
        state = model_state.read_state(s)
        model = live_model(s)
        last = s.scalars(
            select(ScoringRun).order_by(ScoringRun.started_at.desc(), ScoringRun.id.desc())
        ).first()
        report = StatusReport(
            now=now,
            model_state=state.state,
            state_reason=state.reason,
            state_changed_by=state.changed_by,
            state_changed_at=state.changed_at,
            live_model=model.version if model else None,
            live_model_trained_as_of=model.trained_as_of if model else None,
            last_run=_run_summary(s, last),
            serving=fallback.serving(s, today),
            freshness=freshness(s, spec, now),
            accuracy=live_accuracy(s, spec, today),
            accuracy_target=spec.accuracy.target,
            next_daily_run=cron_trigger(spec.freshness.cron, _tz(spec)).get_next_fire_time(
                None, now.astimezone(_tz(spec))
            ),
        )
    if model is None:
        report.notes.append("No live model: run `atrisk train` to train and promote one.")
    if not report.freshness.on_time:
        report.notes.append(f"Scores are late: the run for {report.freshness.due_as_of} is due.")
    if report.freshness.input_stale:
        report.notes.append("Input is stale: ingest fresh source data.")
    return report


def drifted_features(session: Session, spec: Spec, run_id: int) -> list[tuple[str, float]]:
    rows = session.execute(
        select(DriftStat.feature, DriftStat.psi)
        .where(DriftStat.run_id == run_id, DriftStat.psi > spec.drift.psi_threshold)
        .order_by(DriftStat.psi.desc())
    ).all()
    return [(str(f), float(p)) for f, p in rows]


def health_check(ctx: Root, now: dt.datetime | None = None) -> list[str]:
    """Tell the owners about late scores, early drift and accuracy under target; the keys sent."""
    now = now or dt.datetime.now(dt.UTC)
    spec = ctx.spec
    notices: list[tuple[str, str, str]] = []
    with ctx.uow() as uow:
        s = uow.session
        fresh = freshness(s, spec, now)
        today = now.astimezone(_tz(spec)).date()
        good = fallback.last_good_run(s, today)
        drifted = drifted_features(s, spec, good.id) if good is not None else []
        reading = live_accuracy(s, spec, today)
    if not fresh.on_time and fresh.due_as_of is not None:
        notices.append(
            (
                f"late:{fresh.due_as_of.isoformat()}",
                f":hourglass: The daily run for {fresh.due_as_of.isoformat()} has not "
                f"produced fresh scores (newest: {fresh.scores_as_of or 'none'}). "
                "See `atrisk status`.",
                "data",
            )
        )
    if good is not None and drifted:
        named = ", ".join(f"{f} (PSI {p:.2f})" for f, p in drifted[:5])
        notices.append(
            (
                f"drift-warning:{good.id}",
                f":chart_with_upwards_trend: {len(drifted)} feature(s) drifted in the run "
                f"of {good.as_of.isoformat()}: {named}. The model pauses when more than "
                f"{spec.drift.max_drifted_features} do.",
                "model",
            )
        )
    if reading.value is not None and reading.value < spec.accuracy.target:
        year, week, _ = today.isocalendar()
        notices.append(
            (
                f"accuracy-target:{year}-W{week:02d}",
                f":warning: Model {reading.model_version} is under its accuracy target "
                f"{spec.accuracy.target:.2f}: {reading.describe()}.",
                "model",
            )
        )
    for key, text, about in notices:
        model_state.announce(ctx, key, text, about)
    return [key for key, _, _ in notices]
