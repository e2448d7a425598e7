"""Training and scoring leads through the same train/gate, scorer and reasons as accounts.

``train_leads`` fits on lead snapshots with ``scoring.train.fit`` (logistic vs LightGBM judged
on later snapshots, the winner refitted); ``score_leads`` is ``scoring.predict.score_accounts``
with the lead catalog's wording: reasons told per family (intent, engagement, trial, buying
group) in a rep's words, firmographics never told.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from scoring.catalog import is_actionable, reason_groups, render_reason
from scoring.labels import split_by_time
from scoring.lead_catalog import LEAD_CATEGORICAL, LEAD_FEATURES, LEAD_MODEL_FEATURES, lead_tellable
from scoring.predict import Wording, risky_side, score_accounts
from scoring.registry import ModelArtifact
from scoring.train import TrainConfig, TrainResult, fit

FEATURE_SOURCE = "leads"


def lead_wording(model: ModelArtifact) -> Wording:
    """How a lead model's reasons are told (the lead catalog; hotter side of the median only)."""
    median_side = risky_side(model.typical, LEAD_FEATURES)

    def render(feature: str, row: Mapping[str, Any]) -> str:
        return render_reason(feature, row, LEAD_FEATURES)

    def family(feature: str) -> str:
        info = LEAD_FEATURES.get(feature)
        return info.family if info else "other"

    def tellable(feature: str, value: Any) -> bool:
        return lead_tellable(feature, value) and median_side(feature, value)

    def actionable(feature: str) -> bool:
        return is_actionable(feature, LEAD_FEATURES)

    return Wording(
        render,
        family,
        reason_groups(model.features, LEAD_FEATURES),
        {},
        tellable,
        actionable,
        None,
    )


def train_leads(snapshots: pd.DataFrame, config: TrainConfig) -> TrainResult:
    """Fit on lead snapshots (``as_of``, ``lead_id``, features…, ``label``), split by time.

    Raises ``NotEnoughSignal`` and ``LeakSuspected`` as ``scoring.train.fit`` does.
    """
    frame = snapshots.rename(columns={"lead_id": "account_id"})
    return fit(
        frame,
        list(LEAD_MODEL_FEATURES),
        list(LEAD_CATEGORICAL),
        config,
        split=split_by_time,
        groups=reason_groups(LEAD_MODEL_FEATURES, LEAD_FEATURES),
        feature_source=FEATURE_SOURCE,
    )


def score_leads(
    model: ModelArtifact,
    features: pd.DataFrame,
    *,
    threshold: float | None,
    top_share: float | None,
    floor: float = 0.0,
) -> pd.DataFrame:
    """Conversion probability, flag and rank per open lead; reasons for the flagged ones.

    Returns ``risk`` (the probability of converting within the horizon), ``flagged``, ``rank``
    and ``reasons`` (stored as ``Reason.to_json()``), indexed like ``features``.
    """
    return score_accounts(
        model,
        features,
        threshold=threshold,
        top_share=top_share,
        wording=lead_wording(model),
        floor=floor,
    )


__all__ = ["FEATURE_SOURCE", "lead_wording", "score_leads", "train_leads"]
