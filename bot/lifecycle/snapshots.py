"""Where training snapshots come from: the source frames, or the source engine itself.

An embedded or ingested source is read into frames once (``load_sources``) and the features of
every snapshot date are built by pandas (``FeatureBuilder``). A source read in place (a URL
``contract.source``, e.g. a warehouse) is never copied: the audit reads counts and first days
aggregated by the engine, and each snapshot's features are the daily run's SQL push-down
(``build_features_sql``), so one row per active account per snapshot date comes back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from scoring.audit import SourceSummary, TableSpan, summarize
from scoring.features import FeatureBuilder, FeatureParams, lookback_days
from scoring.sql_features import build_features_sql
from storage.repositories.sources import event_summary, load_accounts, load_sources

if TYPE_CHECKING:
    from bot.ports import Root

FeaturesAt = Callable[[dt.date], pd.DataFrame]


def training_sources(
    ctx: Root, as_of: dt.date, params: FeatureParams
) -> tuple[SourceSummary, FeaturesAt]:
    """The audit's summary of the sources and the features at a date, for training before
    ``as_of`` over ``training.history_days``."""
    spec = ctx.spec
    days = spec.training.history_days + spec.entity.horizon_days + lookback_days(params)
    since = as_of - dt.timedelta(days=days)
    engine = ctx.source_engine
    if not ctx.source_in_place:
        src = load_sources(engine, since=since, until=as_of)
        return summarize(src), FeatureBuilder(src, params).at
    accounts = load_accounts(engine)
    events = event_summary(engine, since=since, until=as_of)
    created = pd.to_datetime(accounts["created_at"])
    spans = [
        TableSpan(
            "accounts",
            len(accounts),
            created.min().date() if len(accounts) else None,
            created.max().date() if len(accounts) else None,
        ),
        *(TableSpan(name, *span) for name, span in events.spans.items()),
    ]
    summary = SourceSummary(accounts, spans, events.feature_first_use, events.data_start)
    return summary, lambda day: build_features_sql(engine, day, params)
