"""Lead scoring on Harbor Data's sales funnel, a world the product's generator did not make:
the model trained through the same gate ranks nearly as well as the world's true conversion
probability, and the top reason names the true driver of most alerted leads."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from scoring.lead_features import LeadParams, LeadSources, lead_training_set
from scoring.lead_scoring import score_leads, train_leads
from scoring.predict import model_matrix, risk
from scoring.train import TrainConfig
from tests.worlds.lead_world import make_lead_world


def test_on_harbor_leads_the_model_nears_the_oracle_and_names_the_driver() -> None:
    world = make_lead_world()
    src = LeadSources(world.leads, world.activity)
    days = sorted(d.date() for d in world.truth["as_of"].unique())
    matured = [d for d in days if d + dt.timedelta(days=14) < world.end]
    snapshots = lead_training_set(src, matured, LeadParams(horizon_days=14))
    later = snapshots["as_of"].dt.date.isin(matured[-2:])
    model = train_leads(snapshots[~later], TrainConfig(horizon_days=14, floor=0.6)).model
    test = snapshots[later].merge(
        world.truth.drop(columns="label"), on=["as_of", "lead_id"], how="left", validate="1:1"
    )
    assert test["probability"].notna().all()
    features = test.set_index("lead_id")
    p = risk(model, model_matrix(features, model.features, model.categories))
    model_auc = roc_auc_score(test["label"], p)
    oracle_auc = roc_auc_score(test["label"], test["probability"])
    assert model_auc >= 0.97 * oracle_auc, (model_auc, oracle_auc)
    hits: list[bool] = []
    for _day, rows in features.groupby("as_of"):
        scored = score_leads(model, rows, threshold=None, top_share=0.1)
        alerted = rows[scored["flagged"].to_numpy()].assign(reasons=scored["reasons"])
        dominant = alerted[alerted["driver_share"] > 0.5]
        hits += [
            bool(r and r[0]["family"] == d)
            for r, d in zip(dominant["reasons"], dominant["driver"], strict=True)
        ]
    assert len(hits) >= 100, len(hits)
    assert float(np.mean(hits)) >= 0.8, float(np.mean(hits))
    pd.testing.assert_index_equal(features.index, test.set_index("lead_id").index)
