"""The drift reference of a newly trained model: its features on every weekday up to the cut-off.

``scoring.drift_reference`` says why: a run is compared with the same weekday, so weekly
usage rhythms never read as drift. The features are built by the same SQL as a daily run's,
on each of the ``drift.reference_weeks × 7`` days ending on the training date (each reads
only data before its day, like the run itself).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from scoring.drift_reference import reference_days, weekday_references
from scoring.features import FeatureParams
from scoring.registry import ModelArtifact
from scoring.sql_features import build_features_sql

if TYPE_CHECKING:
    from bot.ports import Root


def attach_weekday_references(
    ctx: Root, model: ModelArtifact, as_of: dt.date, params: FeatureParams
) -> None:
    """Give ``model`` its per-weekday drift reference (built-in features only: a team's own
    ``account_features`` snapshots are not daily, their training reference stays)."""
    if model.feature_source != "builtin":
        return
    frames = {}
    for day in reference_days(as_of, ctx.spec.drift.reference_weeks):
        features = build_features_sql(ctx.source_engine, day, params)
        if not features.empty:
            frames[day] = features
    if frames:
        model.weekday_references = weekday_references(frames, model.features)
