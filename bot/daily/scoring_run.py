"""``atrisk score``: one scoring run end to end, written as one transaction.

Features for every active account at ``as_of`` → calibrated risk from the live model (and
the shadow model beside it) → the alert budget → reasons for the flagged → drift against the
training reference → alert decisions with playbooks. The run, its scores, drift rows and
pending alerts are committed together (the outbox); posting happens after, from the outbox.
A run that fails is recorded as ``failed`` with its error and writes nothing else.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from bot.daily.scoring_frames import (
    Scored,
    alert_rows,
    drift_rows,
    features_at,
    score_rows,
    score_with,
)
from bot.errors import RunFailed, expected_errors
from bot.lifecycle.model_registry import artifact_of, require_live
from bot.lifecycle.training import default_as_of
from scoring.errors import ArtifactTampered
from scoring.registry import ModelArtifact
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
    timings: dict[str, float] = field(default_factory=dict)
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
        }


def run_scoring(
    ctx: Root, *, as_of: dt.date | None = None, trigger: str = "cli", post: bool = True
) -> ScoringReport:
    """Score every active account at ``as_of`` and write the run; then post unless told not to."""
    ctx.require_schema()
    as_of = as_of or default_as_of(ctx)
    model_id: int | None = None
    try:
        warnings: list[str] = []
        shadow: Loaded | None = None
        with ctx.uow() as uow:
            live_row = require_live(uow.session)
            model_id = live_row.id
            live = Loaded(artifact_of(live_row), live_row.id)
            shadow_row = model_repo.in_state(uow.session, state="shadow")
            if shadow_row is not None:
                try:
                    shadow = Loaded(artifact_of(shadow_row), shadow_row.id)
                except ArtifactTampered as e:
                    warnings.append(f"shadow model skipped: {e}")
        report = _score_and_write(ctx, as_of, trigger, live, shadow, warnings)
    except expected_errors() as e:
        _record_failure(ctx, as_of, trigger, model_id, str(e))
        raise
    except Exception as e:
        run_id = _record_failure(ctx, as_of, trigger, model_id, f"{type(e).__name__}: {e}")
        log.exception("scoring run %s failed", run_id)
        raise RunFailed(f"scoring run {run_id} for {as_of} failed: {type(e).__name__}: {e}") from e
    report.posting = _post(ctx, report) if post else _pending_sentence(report, posted=False)
    return report


def _score_and_write(
    ctx: Root,
    as_of: dt.date,
    trigger: str,
    live: Loaded,
    shadow: Loaded | None,
    warnings: list[str],
) -> ScoringReport:
    spec = ctx.spec
    clock = _Clock()
    library = ctx.playbooks
    features, feature_warnings = features_at(ctx, as_of)
    warnings += feature_warnings
    clock.lap("features")
    scored: Scored = score_with(live.model, features, spec)
    shadow_scored = score_with(shadow.model, features, spec, explain=False) if shadow else None
    clock.lap("score_and_explain")
    drift, drift_warnings = drift_rows(live.model, features, spec)
    warnings += drift_warnings
    clock.lap("drift")
    with ctx.uow() as uow:
        session = uow.session
        decided = alert_rows(session, scored, features, spec, as_of, library)
        clock.lap("alerts")
        run = repo.add_run(
            session,
            as_of=as_of,
            status="succeeded",
            trigger=trigger,
            model_version_id=live.id,
            n_scored=len(scored.frame),
            n_flagged=int(scored.frame["flagged"].sum()),
            warnings=warnings,
        )
        repo.add_scores(session, score_rows(run.id, live.id, as_of, scored.frame, shadow=False))
        if shadow is not None and shadow_scored is not None:
            rows = score_rows(run.id, shadow.id, as_of, shadow_scored.frame, shadow=True)
            repo.add_scores(session, rows)
        repo.add_drift(session, [{"run_id": run.id, **d} for d in drift])
        alerts = [{**a, "run_id": run.id, "model_version_id": live.id} for a in decided]
        new = repo.add_alerts(session, alerts)
        run.n_alerts = sum(1 for a in new if a["status"] == "pending")
        run.finished_at = utcnow()
        uow.commit()
        run_id = run.id
    clock.lap("write")
    return ScoringReport(
        run_id=run_id,
        as_of=as_of,
        status="succeeded",
        model_version=live.model.version,
        shadow_version=shadow.model.version if shadow else None,
        n_scored=len(scored.frame),
        n_flagged=int(scored.frame["flagged"].sum()),
        n_alerts=run.n_alerts,
        n_alerts_existing=len(alerts) - len(new),
        not_posted=dict(Counter(a["status"] for a in new if a["status"] != "pending")),
        drifted=[d["feature"] for d in drift if d["drifted"]],
        warnings=warnings,
        timings=clock.laps,
        scores=scored.frame,
    )


class _Clock:
    """Seconds spent in each step of a run (reported with ``--json``)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def _record_failure(
    ctx: Root, as_of: dt.date, trigger: str, model_id: int | None, error: str
) -> int:
    """A failed run row with the error (its own transaction; nothing else is written)."""
    with ctx.uow() as uow:
        run = repo.add_run(
            uow.session,
            as_of=as_of,
            status="failed",
            trigger=trigger,
            model_version_id=model_id,
            error=error[:4000],
            finished_at=utcnow(),
        )
        uow.commit()
        return run.id


def _pending_sentence(report: ScoringReport, *, posted: bool) -> str:
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
        return _pending_sentence(report, posted=True) + " (no Slack poster installed)"
    try:
        result = post_alerts.post_pending(ctx)
    except Exception as e:  # the alerts are safe in the outbox; the next run posts them
        log.exception("posting the pending alerts failed")
        return f"posting failed, the alerts stay pending: {type(e).__name__}: {e}"
    return f"posted: {result}"
