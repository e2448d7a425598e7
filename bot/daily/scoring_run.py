"""One scoring run: ``compute_scoring`` scores the day, ``run_scoring`` also writes it.

Features for every active account at ``as_of`` → calibrated risk from the live model (and
the shadow model beside it) → the alert budget → reasons for the flagged → drift against the
training reference: a ``ScoringResult``, nothing written. ``run_scoring`` then writes the run,
its scores, drift rows and pending alerts in one transaction (``bot.daily.day_writer``, the
same writer the daily job uses); posting happens after, from the outbox. A run that fails is
recorded as ``failed`` with its error and writes nothing else.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from bot.daily.day_writer import Written, write_day
from bot.daily.decide import DayPlan, ScoringResult
from bot.daily.default_day import default_day
from bot.daily.flag_budget import floor_note
from bot.daily.scoring_frames import (
    Scored,
    drift_rows,
    features_at,
    flagged_accounts,
    score_rows,
    score_with,
)
from bot.daily.step_timer import StepTimer
from bot.errors import RunFailed, expected_errors
from bot.lifecycle.model_registry import artifact_of, model_for_day
from scoring.errors import ArtifactTampered
from scoring.registry import ModelArtifact
from storage.connection import brief
from storage.models import utcnow
from storage.repositories import model_versions as model_repo
from storage.repositories import scores as repo

if TYPE_CHECKING:
    from bot.ports import Root

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """A registry model ready to score with, and its row id."""

    model: ModelArtifact
    id: int


@dataclass
class ScoringReport:
    """What a run did: its id, models, counts, warnings, and the live scores (for ``--out``)."""

    run_id: int
    as_of: dt.date
    status: str
    model_version: str | None
    shadow_version: str | None = None
    n_scored: int = 0
    n_flagged: int = 0
    n_alerts: int = 0  # new alerts to post (pending)
    n_alerts_existing: int = 0  # already written for this day by an earlier run
    not_posted: dict[str, int] = field(default_factory=dict)  # new held_out / suppressed
    drifted: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    posting: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds per step
    cpu_timings: dict[str, float] = field(default_factory=dict)  # CPU seconds per step
    scores: pd.DataFrame | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "model_version": self.model_version,
            "shadow_version": self.shadow_version,
            "counts": {
                "scored": self.n_scored,
                "flagged": self.n_flagged,
                "alerts_new": self.n_alerts,
                "alerts_existing": self.n_alerts_existing,
                "alerts_not_posted": self.not_posted,
            },
            "drifted_features": self.drifted,
            "warnings": self.warnings,
            "posting": self.posting,
            "seconds": self.timings,
            "cpu_seconds": self.cpu_timings,
        }


def run_scoring(
    ctx: Root, *, as_of: dt.date | None = None, trigger: str = "cli", post: bool = True
) -> ScoringReport:
    """Score every active account at ``as_of`` and write the run; then post unless told not to.

    A failure is recorded as a ``failed`` run with its error (nothing else is written) and
    raised: expected errors as they are, anything else as ``RunFailed``.
    """
    ctx.require_schema()
    as_of = as_of or default_day(ctx).day
    timer = StepTimer()
    try:
        result = compute_scoring(ctx, as_of, timer)
    except expected_errors() as e:
        _record_failure(ctx, as_of, trigger, str(e))
        raise
    with ctx.uow() as uow:
        plan = DayPlan(as_of, None, None, list(result.flagged))
        written = write_day(
            uow.session,
            plan,
            spec=ctx.spec,
            library=ctx.playbooks,
            trigger=trigger,
            scoring=result,
            timer=timer,
        )
        uow.commit()
    timer.lap("commit")
    report = scoring_report(result, written)
    report.timings, report.cpu_timings = dict(timer.laps), dict(timer.cpu_laps)
    report.posting = _post(ctx, report) if post else pending_sentence(report, posted=False)
    return report


def compute_scoring(ctx: Root, as_of: dt.date, timer: StepTimer | None = None) -> ScoringResult:
    """Score every active account at ``as_of`` with the live model (and the shadow beside it)
    and return the result; writes nothing. An unexpected error is raised as ``RunFailed``.
    ``timer`` (default: a new one) records each step's seconds; they are the result's
    ``timings``."""
    timer = timer or StepTimer()
    try:
        warnings: list[str] = []
        shadow: Loaded | None = None
        with ctx.uow() as uow:
            accuracy = ctx.spec.accuracy
            live_row, note = model_for_day(
                uow.session, as_of, metric=accuracy.metric, floor=accuracy.floor
            )
            if note:
                warnings.append(note)
            live = Loaded(artifact_of(live_row), live_row.id)
            shadow_row = model_repo.in_state(uow.session, state="shadow")
            if shadow_row is not None and (shadow_row.trained_as_of or as_of) > as_of:
                warnings.append(
                    f"shadow model {shadow_row.version} skipped: trained on data after {as_of}"
                )
            elif shadow_row is not None and note is None:
                try:
                    shadow = Loaded(artifact_of(shadow_row), shadow_row.id)
                except ArtifactTampered as e:
                    warnings.append(f"shadow model skipped: {e}")
        timer.lap("load_models")
        return _score(ctx, as_of, live, shadow, warnings, timer)
    except expected_errors():
        raise
    except Exception as e:
        log.exception("scoring for %s failed", as_of)
        raise RunFailed(f"scoring for {as_of} failed: {brief(e)}") from e


def _score(
    ctx: Root,
    as_of: dt.date,
    live: Loaded,
    shadow: Loaded | None,
    warnings: list[str],
    timer: StepTimer,
) -> ScoringResult:
    spec = ctx.spec
    features, feature_warnings = features_at(ctx, as_of)
    warnings += feature_warnings
    timer.lap("features")
    scored: Scored = score_with(live.model, features, spec)
    shadow_scored = score_with(shadow.model, features, spec, explain=False) if shadow else None
    timer.lap("score_and_explain")
    drift, drift_warnings = drift_rows(live.model, features, spec, as_of)
    warnings += drift_warnings
    timer.lap("drift")
    rows = score_rows(live.id, as_of, scored.frame, features=features, shadow=False)
    if shadow is not None and shadow_scored is not None:
        rows += score_rows(shadow.id, as_of, shadow_scored.frame, shadow=True)
    timer.lap("score_rows")
    flagged = flagged_accounts(rows)
    surface = spec.surface
    note = floor_note(
        scored.frame["risk"].to_numpy() if len(scored.frame) else [],
        len(flagged),
        threshold=surface.threshold,
        top_share=surface.top_share,
        risk_floor=surface.risk_floor,
        noun="leads" if spec.entity.kind == "lead" else "accounts",
    )
    if note:
        warnings.append(note)
    return ScoringResult(
        as_of=as_of,
        model_version_id=live.id,
        model_version=live.model.version,
        scores=rows,
        drift=drift,
        flagged=flagged,
        n_scored=len(scored.frame),
        floor_note=note,
        shadow_version=shadow.model.version if shadow else None,
        warnings=warnings,
        frame=scored.frame,
        timings=dict(timer.laps),
    )


def scoring_report(result: ScoringResult, written: Written) -> ScoringReport:
    """What ``atrisk score`` prints: the result and what writing it added."""
    new = written.new_alerts
    return ScoringReport(
        run_id=written.run_id,
        as_of=result.as_of,
        status="succeeded",
        model_version=result.model_version,
        shadow_version=result.shadow_version,
        n_scored=result.n_scored,
        n_flagged=len(result.flagged),
        n_alerts=sum(1 for a in new if a["status"] == "pending"),
        n_alerts_existing=written.n_existing,
        not_posted=dict(Counter(a["status"] for a in new if a["status"] != "pending")),
        drifted=[d["feature"] for d in result.drift if d["drifted"]],
        warnings=list(result.warnings),
        timings=dict(result.timings),
        scores=result.frame,
    )


def _record_failure(ctx: Root, as_of: dt.date, trigger: str, error: str) -> int:
    """A failed run row with the error (its own transaction; nothing else is written)."""
    with ctx.uow() as uow:
        model = model_repo.in_state(uow.session, state="live")
        run = repo.add_run(
            uow.session,
            as_of=as_of,
            status="failed",
            trigger=trigger,
            model_version_id=model.id if model is not None else None,
            error=error[:4000],
            finished_at=utcnow(),
        )
        uow.commit()
        return run.id


def pending_sentence(report: ScoringReport, *, posted: bool) -> str:
    n = report.n_alerts
    if n == 0:
        return "no new alerts"
    return f"{n} new alert{'s' if n != 1 else ''} pending in the outbox" + (
        "" if posted else " (not posted: --no-post)"
    )


def _post(ctx: Root, report: ScoringReport) -> str:
    """Post the pending alerts with the Slack outbox, when that part is installed."""
    try:
        from bot.delivery import post_alerts
    except ModuleNotFoundError as e:
        if e.name != "bot.delivery.post_alerts":
            raise
        return pending_sentence(report, posted=True) + " (no Slack poster installed)"
    try:
        result = post_alerts.post_pending(ctx)
    except Exception as e:  # the alerts are safe in the outbox; the next run posts them
        log.exception("posting the pending alerts failed")
        return f"posting failed, the alerts stay pending: {type(e).__name__}: {e}"
    return f"posted: {result}"
