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
from sqlalchemy import select

from scoring.errors import NotEnoughSignal
from scoring.labels import LABEL, snapshot_dates
from scoring.lead_features import LeadParams, conversion_labels, lead_columns
from scoring.lead_scoring import train_leads
from scoring.lead_sql_features import build_lead_features_sql
from scoring.train import TrainConfig, TrainResult
from storage.models import Lead

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
    n_pos = int(frame[LABEL].sum())
    if n_pos < ctx.spec.training.min_positives:
        raise NotEnoughSignal(
            f"training refused:\n- {n_pos} conversions within {params.horizon_days} days on "
            f"{len(days)} snapshot days; at least training.min_positives="
            f"{ctx.spec.training.min_positives} are needed"
        )
    return frame, []


def fit_leads(frame: pd.DataFrame, config: TrainConfig) -> TrainResult:
    """``train_leads`` on snapshots keyed ``account_id`` (the lead id)."""
    return train_leads(frame.rename(columns={"account_id": "lead_id"}), config)
