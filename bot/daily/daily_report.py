"""What one daily job did (``DailyReport``, printed by ``atrisk run --json``), read back from
the day's run once the job has written and posted it."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from bot.daily import fallback
from bot.daily.day_writer import Written
from scoring.registry import kind_of
from storage.models import Alert, ModelVersion, ScoringRun

if TYPE_CHECKING:
    from bot.ports import Root


@dataclass
class DailyReport:
    """What one daily job did; ``atrisk run --json`` prints it."""

    as_of: dt.date
    trigger: str
    run_id: int | None = None
    status: str = "not run"  # the run's: succeeded | failed; or skipped (another replica ran it)
    model_version: str | None = None
    model_kind: str | None = None  # lightgbm | logistic | rules
    reused: bool = False  # the day was scored before: only pending alerts were posted
    ingested: str | None = None
    fallback: bool = False
    fallback_cause: str | None = None
    served_from: dt.date | None = None
    banner: str | None = None
    n_scored: int = 0
    n_flagged: int = 0
    n_alerts: int = 0
    alerts: dict[str, int] = field(default_factory=dict)  # the day's alerts by status
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. the data ends before the day
    posting_failed: bool = False  # posting raised or stopped early: the alerts stay pending
    written: Written | None = field(default=None, repr=False)  # what the run wrote, if it ran

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "written"}


def describe_run(ctx: Root, report: DailyReport, run_id: int) -> None:
    """Fill ``report`` from the day's run ``run_id``: status, counts, model, fallback and the
    banner, and the day's alerts by status."""
    with ctx.uow() as uow:
        s = uow.session
        run = s.get(ScoringRun, run_id)
        assert run is not None
        report.run_id, report.status = run.id, run.status
        report.n_scored, report.n_flagged, report.n_alerts = run.n_scored, run.n_flagged, 0
        report.fallback, report.fallback_cause = run.fallback, run.fallback_cause
        if run.model_version_id is not None:
            model = s.get(ModelVersion, run.model_version_id)
            report.model_version = model.version if model else None
            report.model_kind = kind_of(model.extras) if model else None
        if run.served_from_run_id is not None:
            served = s.get(ScoringRun, run.served_from_run_id)
            if served is not None:
                report.served_from = served.as_of
                report.banner = fallback.banner_text(served.as_of)
        elif run.fallback:
            report.banner = fallback.no_scores_text(run.as_of)
        counts = s.execute(
            select(Alert.status, func.count())
            .where(Alert.as_of == report.as_of)
            .group_by(Alert.status)
        ).all()
        report.alerts = {str(status): int(n) for status, n in counts}
        report.n_alerts = sum(report.alerts.values())
