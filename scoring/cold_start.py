"""What the rules score is worth on the labelled history, read like a trained model's test.

The rules are not fitted to the labels (only their probability scale is), so every labelled
snapshot row is a fair test row: ROC AUC with its account-level bootstrap interval
(``scoring.gate``), precision and recall at the alert budget, calibration.
"""

from __future__ import annotations

import pandas as pd

from scoring.evaluate import budget_flags, metrics
from scoring.families import model_matrix
from scoring.gate import read_candidate
from scoring.holdout import LABEL
from scoring.model_metrics import ModelMetrics, PeriodMetrics
from scoring.predict import risk
from scoring.registry import ModelArtifact
from scoring.train import TrainConfig


def rules_metrics(model: ModelArtifact, frame: pd.DataFrame, config: TrainConfig) -> ModelMetrics:
    """The rules score's metrics on every labelled row of ``frame`` (none: no labels yet)."""
    rows = frame.dropna(subset=[LABEL]) if LABEL in frame else frame.iloc[0:0]
    if rows.empty:
        return ModelMetrics(kind="rules", split="no labelled rows to read the rules score on")
    y = rows[LABEL].to_numpy(int)
    p = risk(model, model_matrix(rows, model.features, {}))
    days = rows["as_of"] if "as_of" in rows else pd.Series(0, index=rows.index)
    reading = metrics(y, p, flagged=budget_flags(p, days, config.threshold, config.top_share))
    accounts = rows["account_id"] if "account_id" in rows else pd.Series(rows.index)
    value = reading.get(config.metric)
    candidate = read_candidate("rules", y, p, accounts, value, seed=config.seed)
    return ModelMetrics(
        test=PeriodMetrics.from_json(reading),
        kind="rules",
        candidates={"rules": candidate.to_json()},
        rows={"labelled": len(rows)},
        split=(
            f"read on all {len(rows):,} labelled snapshot rows ({int(y.sum()):,} churned): the "
            "rules are not fitted to the labels, only their probability scale is"
        ),
    )
