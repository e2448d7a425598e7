"""``atrisk train`` under ``entity: lead``: lead snapshots from the source tables, the same gate.

Snapshots every ``training.snapshot_every_days`` over ``training.history_days`` whose label
has matured (converted within ``entity.horizon_days`` after the snapshot, all before
``as_of``), features by SQL push-down (``scoring.lead_sql_features``), leads acted on around a
snapshot left out as for accounts, then ``scoring.lead_scoring.train_leads`` (logistic vs
LightGBM judged on later snapshots) and the same registration as a churn model, in the lead
product's registry.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import func, select

from scoring.audit import AuditReport, PeriodLabels, TableSpan
from scoring.errors import NotEnoughSignal, ScoringError
from scoring.labels import LABEL, snapshot_dates, split_by_time
from scoring.lead_catalog import LEAD_CATEGORICAL, LEAD_MODEL_FEATURES
from scoring.lead_features import LeadParams, conversion_labels, lead_columns
from scoring.lead_scoring import train_leads
from scoring.lead_sql_features import build_lead_features_sql
from scoring.train import TrainConfig, TrainResult, prepare
from storage.dates import day_or_none
from storage.lead_models import Lead, LeadActivity

if TYPE_CHECKING:
    from bot.lifecycle.training import Progress
    from bot.ports import Root


def lead_params(ctx: Root) -> LeadParams:
    return LeadParams(horizon_days=ctx.spec.entity.horizon_days)


def lead_snapshot_days(first_created: dt.date, as_of: dt.date, ctx: Root) -> list[dt.date]:
    """Snapshot days whose ``horizon_days`` label window closed before ``as_of``, newest last."""
    spec = ctx.spec
    last = as_of - dt.timedelta(days=spec.entity.horizon_days + 1)
    first = max(
        first_created + dt.timedelta(days=2 * lead_params(ctx).window_days),
        as_of - dt.timedelta(days=spec.training.history_days),
    )
    return snapshot_dates(first, last, spec.training.snapshot_every_days)


def lead_frame(
    ctx: Root, as_of: dt.date, *, progress: Progress | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Labelled lead snapshots (``account_id`` = lead id, ``as_of``, features…, ``label``).

    Raises ``NotEnoughSignal`` when no lead or no matured snapshot day exists before ``as_of``.
    """
    params = lead_params(ctx)
    with ctx.source_engine.connect() as conn:
        leads = pd.read_sql(select(Lead), conn)
    if leads.empty:
        raise NotEnoughSignal("the leads table is empty: ingest it (`atrisk ingest SOURCE`) first")
    cols = lead_columns(leads)
    first = pd.Timestamp(leads["created_at"].min()).date()
    days = lead_snapshot_days(first, as_of, ctx)
    if not days:
        raise NotEnoughSignal(
            f"no lead snapshot before {as_of} has a matured label: the leads must go back at "
            f"least {ctx.spec.entity.horizon_days + 2 * params.window_days} days"
        )
    frames = []
    for i, day in enumerate(days):
        f = build_lead_features_sql(ctx.source_engine, day, params)
        f[LABEL] = conversion_labels(cols.loc[f.index], day, params.horizon_days)
        frames.append(f.reset_index().assign(as_of=pd.Timestamp(day)))
        if progress is not None:
            progress(i + 1, len(days))
    frame = pd.concat(frames, ignore_index=True).rename(columns={"lead_id": "account_id"})
    return frame, []


def too_few_conversions(ctx: Root, frame: pd.DataFrame) -> str | None:
    """The refusal when the snapshots hold fewer than ``training.min_positives`` conversions."""
    n_pos, need = int(frame[LABEL].sum()), ctx.spec.training.min_positives
    if n_pos >= need:
        return None
    return (
        f"{n_pos} conversions within {ctx.spec.entity.horizon_days} days on "
        f"{frame['as_of'].nunique()} snapshot days; at least training.min_positives={need} "
        "are needed"
    )


def lead_inputs(
    ctx: Root, as_of: dt.date, config: TrainConfig, *, progress: Progress | None = None
) -> tuple[AuditReport, pd.DataFrame | None]:
    """The lead audit and the training snapshots, as ``atrisk train`` and ``atrisk audit``
    read them under ``entity: lead``: every refusal training gives before fitting is in
    ``report.problems`` in its words (the snapshots are None when one stops training)."""
    from bot.lifecycle.training_data import without_treated

    spec = ctx.spec
    report = AuditReport(horizon_days=spec.entity.horizon_days, min_positives=config.min_positives)
    report.tables = lead_table_spans(ctx)
    try:
        frame, report.warnings = lead_frame(ctx, as_of, progress=progress)
    except NotEnoughSignal as e:
        report.problems.append(str(e))
        return report, None
    frame, note = without_treated(ctx, frame)
    report.warnings += note
    _describe(report, frame)
    thin = too_few_conversions(ctx, frame)
    if thin is not None:
        report.problems.append(thin)
        return report, None
    try:
        prepare(
            frame, list(LEAD_MODEL_FEATURES), list(LEAD_CATEGORICAL), config, split=split_by_time
        )
    except ScoringError as e:  # NotEnoughSignal, FeatureSpecError, …: what fit would raise
        report.problems.append(str(e).removeprefix("training refused:\n- "))
        return report, None
    return report, frame


def lead_table_spans(ctx: Root) -> list[TableSpan]:
    """Rows and the first and last day of ``leads`` (created) and ``lead_activity``."""
    spans = []
    with ctx.source_engine.connect() as conn:
        for name, table, col in (
            ("leads", Lead.__table__, Lead.created_at),
            ("lead_activity", LeadActivity.__table__, LeadActivity.ts),
        ):
            rows, first, last = conn.execute(
                select(func.count(), func.min(col), func.max(col)).select_from(table)
            ).one()
            spans.append(TableSpan(name, int(rows), day_or_none(first), day_or_none(last)))
    return spans


def _describe(report: AuditReport, frame: pd.DataFrame) -> None:
    """Snapshots, rows and conversions overall and per month (``churned_accounts`` counts
    converted leads: the report's field for the entity's positive outcome)."""
    days = pd.to_datetime(frame["as_of"])
    report.snapshots = report.snapshots_wanted = int(days.nunique())
    report.first_snapshot, report.last_snapshot = days.min().date(), days.max().date()
    report.rows, report.positives = len(frame), int(frame[LABEL].sum())
    report.churned_accounts = int(frame.loc[frame[LABEL] == 1, "account_id"].nunique())
    report.label_coverage = 1.0
    report.features_checked = True
    month = days.dt.strftime("%Y-%m")
    for period, part in frame.groupby(month, sort=True):
        report.periods.append(
            PeriodLabels(
                str(period),
                int(part["as_of"].nunique()),
                len(part),
                int(part[LABEL].sum()),
                int(part.loc[part[LABEL] == 1, "account_id"].nunique()),
            )
        )


def fit_leads(frame: pd.DataFrame, config: TrainConfig) -> TrainResult:
    """``train_leads`` on snapshots keyed ``account_id`` (the lead id)."""
    return train_leads(frame.rename(columns={"account_id": "lead_id"}), config)
