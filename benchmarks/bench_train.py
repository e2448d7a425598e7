"""Training at scale, and the model's quality where the true churn process is known.

Generates a synthetic company, builds the training snapshots (``--snapshots`` of them,
``--every-days`` apart), audits, fits LightGBM against the baseline, calibrates and
serialises, timing each step. With ground truth at hand it also reports the test-period
ROC AUC against the oracle (the true monthly hazard) and the baseline, the calibration
error, and how often the top reason names the true dominant driver on month-start
snapshots of the held-out months. Prints one JSON object:
    python -m benchmarks.bench_train [--accounts 20000] [--months 14] [--snapshots 12]
        [--every-days 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from scoring.audit import audit
from scoring.catalog import CATEGORICAL_FEATURES, MODEL_FEATURES
from scoring.evaluate import budget_flags
from scoring.features import FeatureBuilder, FeatureParams
from scoring.labels import LABEL, split_by_time, training_set
from scoring.predict import model_matrix, risk, score_accounts, wording_for
from scoring.reasons import BUILTIN_GROUPS
from scoring.registry import serialise
from scoring.train import TrainConfig, TrainResult, fit, split_held_out
from storage.repositories.sources import SourceFrames, frames_from_tables

END = dt.date(2026, 11, 1)


def train(frame: pd.DataFrame, config: TrainConfig) -> TrainResult:
    return fit(
        frame,
        [f for f in MODEL_FEATURES if f in frame.columns],
        list(CATEGORICAL_FEATURES),
        config,
        split=split_by_time,
        groups=dict(BUILTIN_GROUPS),
    )


def observable_oracle(rows: pd.DataFrame) -> np.ndarray:
    """The true log-odds without each account's latent noise (which no data can reveal)."""
    from synth.hazard import FAMILIES, SEGMENT_BASE

    segment = {"SMB": 0, "Mid-Market": 1, "Enterprise": 2}
    base = SEGMENT_BASE[rows["segment"].astype("str").map(segment).fillna(1).astype(int).to_numpy()]
    return np.asarray(base + rows[list(FAMILIES)].to_numpy().sum(axis=1))


def quality(
    result: TrainResult,
    frame: pd.DataFrame,
    src: SourceFrames,
    truth: pd.DataFrame,
    config: TrainConfig,
) -> dict[str, Any]:
    """Oracle and baseline comparison on the test rows; driver match on month starts."""
    model = result.model
    truth = truth.assign(month=pd.to_datetime(truth["month"]))
    _, held, _ = split_by_time(frame, config.validation_share)
    _, test, _ = split_held_out(held, config.seed)
    month = pd.to_datetime(test["as_of"]).dt.to_period("M").dt.to_timestamp()
    rows = test.assign(month=month).merge(truth, on=["account_id", "month"], how="inner")
    model_auc = roc_auc_score(
        rows[LABEL], risk(model, model_matrix(rows, model.features, model.categories))
    )
    oracle_auc = roc_auc_score(rows[LABEL], rows["hazard"])
    observable = observable_oracle(rows)
    observable_auc = roc_auc_score(rows[LABEL], observable)
    first_held = pd.Timestamp(held["as_of"].min())
    months = sorted(
        m
        for m in truth["month"].unique()
        if pd.Timestamp(m) >= first_held.to_period("M").to_timestamp()
    )[-3:]
    builder = FeatureBuilder(src, FeatureParams())
    snaps = pd.concat(
        [builder.at(pd.Timestamp(m).date()).assign(as_of=pd.Timestamp(m)) for m in months]
    )
    p = risk(model, model_matrix(snaps, model.features, model.categories))
    flagged = snaps[budget_flags(p, snaps["as_of"], config.threshold, config.top_share)]
    told = score_accounts(model, flagged, threshold=None, top_share=1.0, wording=wording_for(model))
    judged = (
        flagged.assign(
            top=[r[0]["family"] if r else None for r in told["reasons"]], month=flagged["as_of"]
        )
        .reset_index()
        .merge(truth, on=["account_id", "month"], how="inner")
    )
    dominant = judged[judged["driver_share"] > 0.5]
    test_m, base_m = result.metrics.test, result.metrics.baseline_test
    return {
        "test_rows": len(rows),
        "test_positives": int(rows[LABEL].sum()),
        "model_roc_auc": round(float(model_auc), 4),
        "oracle_roc_auc": round(float(oracle_auc), 4),
        "model_over_oracle": round(float(model_auc / oracle_auc), 4),
        "oracle_without_account_noise_roc_auc": round(float(observable_auc), 4),
        "model_over_oracle_without_account_noise": round(float(model_auc / observable_auc), 4),
        "baseline_roc_auc": base_m.roc_auc,
        "model_minus_baseline": round((test_m.roc_auc or 0.0) - (base_m.roc_auc or 0.0), 4),
        "ece": test_m.ece,
        "pr_auc": test_m.pr_auc,
        "precision_at_budget": test_m.precision_at_budget,
        "recall_at_budget": test_m.recall_at_budget,
        "driver_months": [pd.Timestamp(m).date().isoformat() for m in months],
        "driver_judged": len(dominant),
        "top_reason_matches_driver": round(
            float(np.mean(dominant["top"] == dominant["driver"])), 4
        ),
        "confusion": {
            str(k): {str(c): int(n) for c, n in v.items() if n}
            for k, v in pd.crosstab(dominant["driver"], dominant["top"]).to_dict("index").items()
        },
    }


def main(argv: list[str] | None = None) -> None:
    from synth import generate

    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--months", type=int, default=14)
    ap.add_argument("--snapshots", type=int, default=12)
    ap.add_argument("--every-days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-quality", action="store_true")
    args = ap.parse_args(argv)
    params, config = FeatureParams(), TrainConfig()
    t0 = time.perf_counter()
    company = generate(accounts=args.accounts, months=args.months, seed=args.seed, end=END)
    src = frames_from_tables(company.tables)
    generated = time.perf_counter() - t0
    history = args.every_days * (args.snapshots - 1) + params.horizon_days
    t0 = time.perf_counter()
    report = audit(src, END, params, history_days=history, every_days=args.every_days)
    audited = time.perf_counter() - t0
    t0 = time.perf_counter()
    frame = training_set(src, END, params, every_days=args.every_days, history_days=history)
    built = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    result = train(frame, config)
    fitted, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    text, _, extras = serialise(result.model)
    stored = time.perf_counter() - t0
    out: dict[str, Any] = {
        "accounts": args.accounts,
        "snapshots": int(frame["as_of"].nunique()),
        "every_days": args.every_days,
        "training_rows": len(frame),
        "positives": int(frame[LABEL].sum()),
        "audit_problems": report.problems,
        "generate_seconds": round(generated, 1),
        "audit_seconds": round(audited, 2),
        "training_set_seconds": round(built, 1),
        "fit_seconds": round(fitted, 1),
        "fit_cpu_seconds": round(fit_cpu, 1),
        "serialise_seconds": round(stored, 2),
        "train_seconds": round(audited + built + fitted + stored, 1),
        "target_seconds": 120,
        "kind": result.model.kind,
        "trees": result.model.booster.num_trees() if result.model.booster is not None else None,
        "artifact_kb": round(len(text) / 1024),
        "extras_kb": round(len(json.dumps(extras)) / 1024),
        "rows": result.metrics.rows,
        "split": result.split_sentence,
        "promoted": result.promoted,
        "why": result.why,
    }
    if not args.no_quality:
        out["quality"] = quality(result, frame, src, company.tables["ground_truth"], config)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
