"""Explanation throughput: LightGBM's exact TreeSHAP (our path) vs ``shap.TreeExplainer``.

Trains a model on a synthetic company, then explains the same rows both ways and prints one
JSON object: seconds, rows per second, the speed ratio (shap's time / ours) and the largest
absolute difference between the two sets of contributions.
    python -m benchmarks.bench_explain [--accounts 5000] [--rows 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from scoring.catalog import CATEGORICAL_FEATURES, MODEL_FEATURES
from scoring.features import FeatureParams
from scoring.labels import split_by_time, training_set
from scoring.predict import contributions, model_matrix
from scoring.reasons import BUILTIN_GROUPS
from scoring.train import TrainConfig, TrainResult, fit

END = dt.date(2026, 11, 1)


def trained_result(accounts: int, months: int, seed: int) -> tuple[TrainResult, pd.DataFrame]:
    """A model trained as ``atrisk train`` would, and its training snapshots."""
    from storage.repositories.sources import frames_from_tables
    from synth import generate

    src = frames_from_tables(generate(accounts=accounts, months=months, seed=seed, end=END).tables)
    frame = training_set(src, END, FeatureParams(), every_days=7, history_days=540)
    features = [f for f in MODEL_FEATURES if f in frame.columns]
    result = fit(
        frame,
        features,
        list(CATEGORICAL_FEATURES),
        TrainConfig(candidates=("lightgbm",)),  # TreeSHAP is what is measured
        split=split_by_time,
        groups=dict(BUILTIN_GROUPS),
    )
    return result, frame


def best_of(repeat: int, fns: dict[str, Callable[[], Any]]) -> dict[str, tuple[float, Any]]:
    """The fastest of ``repeat`` runs of each function, run in turn (so load hits all alike)."""
    best: dict[str, tuple[float, Any]] = {k: (float("inf"), None) for k in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            out = fn()
            took = time.perf_counter() - t0
            if took < best[name][0]:
                best[name] = (took, out)
    return best


def main(argv: list[str] | None = None) -> None:
    import shap

    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=5000)
    ap.add_argument("--months", type=int, default=14)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    result, frame = trained_result(args.accounts, args.months, args.seed)
    model = result.model
    rows = frame.sample(min(args.rows, len(frame)), random_state=args.seed)
    x = model_matrix(rows, model.features, model.categories)

    explainer = shap.TreeExplainer(model.booster)

    def theirs() -> np.ndarray:
        return np.asarray(shap.TreeExplainer(model.booster).shap_values(x))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        timed = best_of(
            args.repeat,
            {
                "ours": lambda: contributions(model, x),
                "shap": theirs,
                "values_only": lambda: explainer.shap_values(x),
            },
        )
    (ours_s, ours), (shap_s, values) = timed["ours"], timed["shap"]
    values_only_s = timed["values_only"][0]
    diff = float(np.max(np.abs(ours[:, :-1] - values.reshape(ours[:, :-1].shape))))
    bias = float(np.max(np.abs(ours[:, -1] - explainer.expected_value)))
    print(
        json.dumps(
            {
                "rows": len(x),
                "features": len(model.features),
                "trees": model.booster.num_trees(),
                "ours_seconds": round(ours_s, 4),
                "ours_rows_per_second": round(len(x) / ours_s),
                "shap_seconds": round(shap_s, 4),
                "shap_rows_per_second": round(len(x) / shap_s),
                "ratio_shap_over_ours": round(shap_s / ours_s, 2),
                "shap_values_only_seconds": round(values_only_s, 4),
                "ratio_values_only": round(values_only_s / ours_s, 2),
                "max_abs_difference": diff,
                "max_abs_difference_bias": bias,
                "agree": diff < 1e-6,
            }
        )
    )


if __name__ == "__main__":
    main()
