"""Lead scoring quality on a synthetic funnel whose true conversion process is known.

Trained through the same train/gate as churn (``scoring.train.fit``: logistic vs LightGBM on
later snapshots, the winner refitted) on every matured decision day but the last two, and
judged on those two, which it never saw:

* ROC AUC at least 0.97 × the oracle's (the true 14-day conversion probability from
  ``ground_truth``, on the same rows);
* for alerted leads (the top 10 % of each day) whose true dominant driver carries most of the
  probability's lift (``driver_share > 0.5``), the top reason's family names that driver in at
  least 80 % of cases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from scoring.lead_catalog import LEAD_FAMILIES
from scoring.lead_features import LeadParams, LeadSources, lead_training_set
from scoring.lead_scoring import score_leads, train_leads
from scoring.predict import model_matrix, risk
from scoring.train import TrainConfig
from synth.leads import generate_leads

END = dt.date(2026, 11, 22)
TOP_SHARE = 0.1


@pytest.fixture(scope="module")
def judged() -> dict[str, Any]:
    funnel = generate_leads(leads=3000, days=210, seed=11, end=END)
    truth = funnel.tables["ground_truth"].assign(as_of=lambda t: pd.to_datetime(t["as_of"]))
    src = LeadSources(funnel.tables["leads"], funnel.tables["lead_activity"])
    days = sorted(d.date() for d in truth["as_of"].unique())
    matured = [d for d in days if d + dt.timedelta(days=14) < END]
    snapshots = lead_training_set(src, matured, LeadParams(horizon_days=14))
    later = snapshots["as_of"].dt.date.isin(matured[-2:])
    config = TrainConfig(horizon_days=14, top_share=TOP_SHARE, floor=0.6)
    model = train_leads(snapshots[~later], config).model
    test = snapshots[later].merge(truth, on=["as_of", "lead_id"], how="left", validate="1:1")
    assert test["probability"].notna().all()  # every scored lead has its oracle
    features = test.set_index("lead_id")
    p = risk(model, model_matrix(features, model.features, model.categories))
    hits: list[bool] = []
    families: set[str] = set()
    for _day, rows in features.groupby("as_of"):
        scored = score_leads(model, rows, threshold=None, top_share=TOP_SHARE)
        families |= {r["family"] for told in scored["reasons"] for r in told}
        alerted = rows[scored["flagged"].to_numpy()].assign(reasons=scored["reasons"])
        dominant = alerted[alerted["driver_share"] > 0.5]
        hits += [
            bool(r and r[0]["family"] == driver)
            for r, driver in zip(dominant["reasons"], dominant["driver"], strict=True)
        ]
    return {
        "model_auc": float(roc_auc_score(test["label"], p)),
        "oracle_auc": float(roc_auc_score(test["label"], test["probability"])),
        "driver_match": float(np.mean(hits)),
        "judged_leads": float(len(hits)),
        "families": families,
    }


def test_the_lead_model_ranks_nearly_as_well_as_the_true_conversion_probability(
    judged: dict[str, Any],
) -> None:
    assert judged["model_auc"] >= 0.97 * judged["oracle_auc"], judged


def test_the_top_reason_names_the_true_driver_of_most_alerted_leads(
    judged: dict[str, Any],
) -> None:
    assert judged["judged_leads"] >= 150, judged
    assert judged["driver_match"] >= 0.8, judged


def test_firmographics_are_never_a_reason(judged: dict[str, Any]) -> None:
    assert judged["families"] <= set(LEAD_FAMILIES), judged["families"]
    assert len(judged["families"]) == len(LEAD_FAMILIES)
