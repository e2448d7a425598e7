"""Reason quality: does the top reason name the true driver, and is every reason actionable?

Trains a model the way ``atrisk train`` does on two companies with a known churn process, our
synthetic company (``synth``) and the independently written Harbor Data (``tests.worlds``,
where adoption causes part of the usage), plus Harbor Data's own-features table
(``make_account_features``) with its columns declared. For every data set it prints:

* ``driver_match``: among flagged accounts with a dominant true driver, the share whose top
  reason's family is that driver;
* ``attribute_reasons``: reasons (any of the three shown) told through a non-actionable
  attribute (seats, ARR, tenure, plan, segment, renewal, a declared attribute column);
* ``undeclared_reasons`` (own-features table): reasons whose feature is not a declared label;
* a few example alerts (risk and reasons as a CSM reads them).

    python -m benchmarks.bench_reasons [--synth-accounts 2000] [--world-accounts 1500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd

from scoring.catalog import CATEGORICAL_FEATURES, FEATURES, MODEL_FEATURES
from scoring.evaluate import budget_flags
from scoring.features import FeatureBuilder, FeatureParams
from scoring.labels import split_by_time, training_set
from scoring.predict import model_matrix, risk, score_accounts, wording_for
from scoring.reasons import BUILTIN_GROUPS, SHOWN_REASONS
from scoring.registry import ModelArtifact
from scoring.train import TrainConfig, fit
from storage.repositories.sources import frames_from_tables

SYNTH_END = dt.date(2026, 11, 1)


def _model(frame: pd.DataFrame, features: list[str], cats: list[str], **kw: Any) -> ModelArtifact:
    config = TrainConfig()
    return fit(frame, features, cats, config, split=split_by_time, **kw).model


def _builtin_model(src: Any, end: dt.date, params: FeatureParams) -> ModelArtifact:
    frame = training_set(src, end, params, every_days=7, history_days=540)
    features = [f for f in MODEL_FEATURES if f in frame.columns]
    return _model(frame, features, list(CATEGORICAL_FEATURES), groups=dict(BUILTIN_GROUPS))


def _flagged_reasons(
    model: ModelArtifact, snapshots: pd.DataFrame, wording: Any, top_share: float = 0.05
) -> pd.DataFrame:
    """The flagged rows of each day's snapshot, explained against that day's accounts."""
    p = risk(model, model_matrix(snapshots, model.features, model.categories))
    flags = budget_flags(p, snapshots["as_of"], None, top_share)
    parts = []
    for day in snapshots["as_of"].unique():
        on_day = (snapshots["as_of"] == day).to_numpy()
        flagged = snapshots[on_day & flags]
        told = score_accounts(
            model,
            flagged,
            threshold=None,
            top_share=1.0,
            wording=wording,
            population=snapshots[on_day],
        )
        parts.append(
            flagged.assign(risk=told["risk"].to_numpy(), reasons=told["reasons"].to_numpy())
        )
    return pd.concat(parts)


def _summary(judged: pd.DataFrame, attributes: set[str]) -> dict[str, Any]:
    shown = [r[:SHOWN_REASONS] for r in judged["reasons"]]
    top = [r[0]["family"] if r else None for r in shown]
    dominant = judged.assign(top=top)
    dominant = dominant[dominant["dominant"]]
    told = [x for r in shown for x in r]
    return {
        "flagged": len(judged),
        "with_dominant_driver": len(dominant),
        "driver_match": round(float(np.mean(dominant["top"] == dominant["driver"])), 3),
        "by_driver_n": {str(d): len(g) for d, g in dominant.groupby("driver")},
        "by_driver": {
            str(d): round(float(np.mean(g["top"] == d)), 3) for d, g in dominant.groupby("driver")
        },
        "reasons_shown": len(told),
        "attribute_reasons": sum(1 for x in told if x["feature"] in attributes),
        "examples": [
            f"{r:.0%} · " + " | ".join(x["text"] for x in rs)
            for r, rs in zip(judged["risk"][:5], shown[:5], strict=True)
        ],
    }


def _attributes() -> set[str]:
    return {
        name
        for name, info in FEATURES.items()
        if info.model_input and not getattr(info, "actionable", info.family != "commercial")
    }


def bench_synth(accounts: int, months: int, seed: int) -> dict[str, Any]:
    from synth import generate

    company = generate(accounts=accounts, months=months, seed=seed, end=SYNTH_END)
    src = frames_from_tables(company.tables)
    model = _builtin_model(src, SYNTH_END, FeatureParams())
    truth = company.tables["ground_truth"].assign(month=lambda t: pd.to_datetime(t["month"]))
    builder = FeatureBuilder(src, FeatureParams())
    days = [dt.date(2026, m, 1) for m in (8, 9, 10)]
    snaps = pd.concat([builder.at(d).assign(as_of=pd.Timestamp(d)) for d in days])
    judged = (
        _flagged_reasons(model, snaps, wording_for(model))
        .assign(month=lambda f: f["as_of"])
        .reset_index()
        .merge(truth, on=["account_id", "month"], how="inner")
    )
    judged["dominant"] = judged["driver_share"] > 0.5
    return _summary(judged, _attributes())


def _world(accounts: int, seed: int) -> Any:
    from tests.worlds import WorldConfig, make_world

    return make_world(WorldConfig(accounts=accounts, seed=seed))


def bench_world(world: Any) -> dict[str, Any]:
    cfg = world.config
    src = frames_from_tables(world.tables())
    params = FeatureParams(key_features=tuple(cfg.key_features))
    model = _builtin_model(src, cfg.end, params)
    builder = FeatureBuilder(src, params)
    days = pd.date_range(pd.Timestamp(cfg.end) - pd.Timedelta(days=90), cfg.end, freq="14D")
    snaps = pd.concat([builder.at(d.date()).assign(as_of=d) for d in days])
    judged = _flagged_reasons(model, snaps, wording_for(model)).reset_index()
    judged["driver"] = judged["account_id"].map(world.driver_of)
    judged["dominant"] = judged["driver"] != "none"
    return _summary(judged, _attributes())


# Harbor Data's own-features table as a team would declare it in atrisk.yml (contract.columns).
DECLARED: dict[str, dict[str, Any]] = {
    "tenure_months": {
        "label": "customer for {value} months",
        "family": "commercial",
        "actionable": False,
    },
    "monthly_charges": {
        "label": "{value} a month",
        "family": "commercial",
        "actionable": False,
        "unit": "currency",
    },
    "total_charges": {
        "label": "{value} billed so far",
        "family": "commercial",
        "actionable": False,
        "unit": "currency",
    },
    "contract_type": {"label": "{value} contract", "family": "commercial", "actionable": False},
    "payment_method": {"label": "pays by {value}", "family": "commercial", "actionable": False},
    "region": {"label": "{value} region", "family": "commercial", "actionable": False},
    "logins_30d": {
        "label": "{value} user-days of logins in the last 30 days",
        "family": "adoption",
        "direction": "lower_is_riskier",
    },
    "sync_errors_30d": {
        "label": "{value} failed syncs in the last 30 days",
        "family": "integrations",
        "direction": "higher_is_riskier",
    },
    "support_calls_30d": {
        "label": "{value} tickets opened in the last 30 days",
        "family": "support",
        "direction": "higher_is_riskier",
    },
    "unanswered_calls": {
        "label": "{value} tickets waiting for a first reply",
        "family": "support",
        "direction": "higher_is_riskier",
    },
    "failed_payments_90d": {
        "label": "{value} failed payments in the last 90 days",
        "family": "commercial",
        "direction": "higher_is_riskier",
    },
}


def bench_byo(world: Any) -> dict[str, Any]:
    from bot.lifecycle.training_data import byo_features
    from bot.spec import Column, Contract
    from scoring.labels import LABEL
    from tests.worlds import make_account_features

    table = make_account_features(world)
    frame = table.rename(columns={"churned_within_horizon": LABEL})
    features, cats = byo_features(frame)
    model = fit(
        frame,
        features,
        cats,
        TrainConfig(drop_empty_features=False, min_positives=20),
        split=split_by_time,
        feature_source="account_features",
    ).model
    contract = Contract(columns={k: Column(**v) for k, v in DECLARED.items()})
    declared = _declared(contract)
    last = frame[frame["as_of"] >= frame["as_of"].max() - pd.Timedelta(days=92)]
    snaps = last.set_index("account_id")
    judged = _flagged_reasons(model, snaps, wording_for(model, declared)).reset_index()
    judged["driver"] = judged["account_id"].map(world.driver_of)
    judged["dominant"] = judged["driver"] != "none"
    attributes = {k for k, v in DECLARED.items() if v.get("actionable") is False}
    out = _summary(judged, attributes)
    told = [x for r in judged["reasons"] for x in r[:SHOWN_REASONS]]
    out["undeclared_reasons"] = sum(1 for x in told if x["feature"] not in DECLARED)
    return out


def _declared(contract: Any) -> Any:
    from bot.spec import Spec

    spec = Spec.model_construct(contract=contract, surface=_Surface())
    return spec.declared_columns()


class _Surface:
    currency = "$"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synth-accounts", type=int, default=2000)
    ap.add_argument("--synth-months", type=int, default=16)
    ap.add_argument("--world-accounts", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    world = _world(args.world_accounts, args.seed)
    out = {
        "synth": bench_synth(args.synth_accounts, args.synth_months, args.seed),
        "world": bench_world(world),
        "world_own_features": bench_byo(world),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
