"""The live model's accuracy on matured outcomes: is the model still good enough to post?

The metric is the spec's ``accuracy.metric``: ROC AUC (``roc_auc``) or the area under the
precision-recall curve as average precision (``pr_auc``).

A score made on day ``d`` has *matured* once ``d + horizon_days`` has passed: by then we know
whether the account churned within the horizon (``churned_at`` in ``(d, d + horizon]``), which
is exactly what the score predicted. The live model's metric over its matured scores is
compared with ``accuracy.floor``; below it the daily job serves the last good scores instead.

Which scores: the live model's (not shadow) scores of succeeded, non-fallback runs whose
``as_of`` lies in the ``WINDOW_DAYS`` before ``as_of - horizon_days``, at most ``MAX_RUNS`` runs
at least a week apart (the newest first), and only accounts still active on the score's day.
Fewer than ``MIN_CLASS`` churned or retained accounts is not enough to judge: no reading.

Under ``entity: lead`` the label is the lead's: converted within the horizon
(``converted_at`` in ``(d, d + horizon]``), read from the source engine's ``leads`` table, of
leads still open on the score's day; the same floor pauses the lead model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, and_, case, or_, select
from sqlalchemy.orm import Session

from bot.spec import Spec
from scoring.evaluate import METRIC_NAMES, matured_metric
from storage.dates import day_or_none
from storage.lead_models import Lead
from storage.models import Account, ModelVersion, Score, ScoringRun

WINDOW_DAYS = 28
MAX_RUNS = 4
RUN_GAP_DAYS = 7
MIN_CLASS = 10


@dataclass(frozen=True)
class AccuracyReading:
    """The live model's metric on matured outcomes (``value`` None: not enough to judge)."""

    model_version: str | None
    value: float | None
    n: int
    n_churned: int
    runs: tuple[dt.date, ...]
    floor: float
    metric: str = "roc_auc"
    #: the positive outcome in words: ``churned`` (accounts) or ``converted`` (leads)
    outcome: str = "churned"

    @property
    def name(self) -> str:
        return METRIC_NAMES[self.metric]

    @property
    def below_floor(self) -> bool:
        return self.value is not None and self.value < self.floor

    def describe(self) -> str:
        if self.value is None:
            return (
                f"not enough matured outcomes yet ({self.n_churned} {self.outcome} of {self.n} "
                f"scored; at least {MIN_CLASS} {self.outcome} and {MIN_CLASS} "
                f"{'not converted' if self.outcome == 'converted' else 'retained'} are needed)"
            )
        days = ", ".join(d.isoformat() for d in self.runs)
        return (
            f"{METRIC_NAMES[self.metric]} {self.value:.3f} on {self.n} matured scores "
            f"({self.n_churned} {self.outcome}) from {days}; floor {self.floor:.2f}"
        )


def pick_runs(candidates: Sequence[tuple[int, dt.date]]) -> list[tuple[int, dt.date]]:
    """Newest first, at most ``MAX_RUNS`` runs at least ``RUN_GAP_DAYS`` apart."""
    chosen: list[tuple[int, dt.date]] = []
    for run_id, day in sorted(candidates, key=lambda r: (r[1], r[0]), reverse=True):
        if chosen and (chosen[-1][1] - day).days < RUN_GAP_DAYS:
            continue
        chosen.append((run_id, day))
        if len(chosen) == MAX_RUNS:
            break
    return chosen


def live_model(session: Session) -> ModelVersion | None:
    return session.scalars(
        select(ModelVersion).where(ModelVersion.state == "live").order_by(ModelVersion.id.desc())
    ).first()


def _matured(
    session: Session, run_id: int, model_id: int, day: dt.date, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """(churned within the horizon, risk) of one run's scores of accounts active that day."""
    churned_at = Account.churned_at
    end = day + dt.timedelta(days=horizon)
    label = case((and_(churned_at > day, churned_at <= end), 1), else_=0)
    query = (
        select(label, Score.risk)
        .join(Account, Account.account_id == Score.account_id)
        .where(
            Score.run_id == run_id,
            Score.model_version_id == model_id,
            Score.shadow.is_(False),
            or_(churned_at.is_(None), churned_at > day),  # not already gone when scored
        )
    )
    rows = session.connection().execute(query).all()  # Core rows: this reads every account
    if not rows:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=float)
    labels, risks = zip(*rows, strict=True)  # plain tuples: numpy is slow on Row objects
    return np.array(labels, dtype=int), np.array(risks, dtype=float)


def _matured_leads(
    session: Session, source: Connection, run_id: int, model_id: int, day: dt.date, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """(converted within the horizon, risk) of one lead run's scores of leads open that day;
    the scores come from the application store, the conversions from the source's ``leads``."""
    rows = (
        session.connection()
        .execute(
            select(Score.account_id, Score.risk).where(
                Score.run_id == run_id,
                Score.model_version_id == model_id,
                Score.shadow.is_(False),
                Score.product == "lead",
            )
        )
        .all()
    )
    if not rows:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=float)
    risk = {str(lead): float(r) for lead, r in rows}
    closed: dict[str, tuple[dt.date | None, dt.date | None]] = {}
    ids = sorted(risk)
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        found = source.execute(
            select(Lead.lead_id, Lead.converted_at, Lead.disqualified_at).where(
                Lead.lead_id.in_(chunk)
            )
        )
        closed.update({str(lead): (day_or_none(c), day_or_none(d)) for lead, c, d in found})
    end = day + dt.timedelta(days=horizon)
    labels, risks = [], []
    for lead, r in risk.items():
        converted, disqualified = closed.get(lead, (None, None))
        if (converted is not None and converted <= day) or (
            disqualified is not None and disqualified <= day
        ):
            continue  # not open when scored
        labels.append(int(converted is not None and day < converted <= end))
        risks.append(r)
    return np.array(labels, dtype=int), np.array(risks, dtype=float)


def live_accuracy(
    session: Session, spec: Spec, as_of: dt.date, source: Connection | None = None
) -> AccuracyReading:
    """The live model's metric on scores that have matured by ``as_of``.

    ``source``: a connection to the source engine, where a lead spec's ``leads`` are read
    (default: ``session``'s database).
    """
    model = live_model(session)
    floor, metric = spec.accuracy.floor, spec.accuracy.metric
    lead = spec.entity.kind == "lead"
    outcome = "converted" if lead else "churned"
    if model is None:
        return AccuracyReading(None, None, 0, 0, (), floor, metric, outcome)
    horizon = spec.entity.horizon_days
    newest = as_of - dt.timedelta(days=horizon)
    oldest = newest - dt.timedelta(days=WINDOW_DAYS - 1)
    candidates = session.execute(
        select(ScoringRun.id, ScoringRun.as_of).where(
            ScoringRun.status == "succeeded",
            ScoringRun.fallback.is_(False),
            ScoringRun.model_version_id == model.id,
            ScoringRun.as_of.between(oldest, newest),
        )
    ).all()
    runs = pick_runs([(int(r[0]), r[1]) for r in candidates])
    if not runs:
        return AccuracyReading(model.version, None, 0, 0, (), floor, metric, outcome)
    if lead:
        conn = source if source is not None else session.connection()
        parts = [
            _matured_leads(session, conn, run_id, model.id, day, horizon) for run_id, day in runs
        ]
    else:
        parts = [_matured(session, run_id, model.id, day, horizon) for run_id, day in runs]
    labels = np.concatenate([p[0] for p in parts])
    risks = np.concatenate([p[1] for p in parts])
    n, n_churned = len(labels), int(labels.sum())
    days = tuple(d for _, d in runs)
    reading = matured_metric(labels, risks, metric, min_class=MIN_CLASS)
    return AccuracyReading(model.version, reading.value, n, n_churned, days, floor, metric, outcome)
