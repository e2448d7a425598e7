"""How good a risk score is: ranking, the alert budget, calibration, and each segment apart.

The alert budget is what the CSMs actually see: accounts over ``threshold``, or the top
``top_share`` of accounts by risk. Precision and recall are read at that budget. Per-segment
metrics are the bias audit: a model that is good overall but blind for one segment shows it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

METRIC_NAMES: dict[str, str] = {"roc_auc": "ROC AUC", "pr_auc": "PR AUC"}


@dataclass(frozen=True)
class MetricReading:
    """One ranking metric on matured outcomes; ``value`` is None when there is too little to judge.

    ``why_not`` says what is missing (a class with fewer than ``min_class`` accounts).
    """

    metric: str
    value: float | None
    n: int
    n_churned: int
    why_not: str | None = None

    @property
    def name(self) -> str:
        """The metric in words: ``ROC AUC`` or ``PR AUC``."""
        return METRIC_NAMES[self.metric]


def matured_metric(
    y_true: Any, risk: Any, metric: str = "roc_auc", *, min_class: int = 1
) -> MetricReading:
    """The spec's ``accuracy.metric`` of ``risk`` against what happened (1 = churned).

    ``roc_auc`` is scikit-learn's ``roc_auc_score``, ``pr_auc`` its ``average_precision_score``.
    Fewer than ``min_class`` churned or retained accounts give no value, and say so.
    """
    if metric not in METRIC_NAMES:
        raise ValueError(f"unknown metric {metric!r}: choose one of {', '.join(METRIC_NAMES)}")
    y = np.asarray(y_true, dtype=int)
    p = np.asarray(risk, dtype=float)
    n, churned = len(y), int(y.sum())
    need = max(1, min_class)
    if churned < need or n - churned < need:
        why = (
            f"{churned} churned of {n} scored; at least {need} churned and {need} retained "
            "are needed"
        )
        return MetricReading(metric, None, n, churned, why)
    score = roc_auc_score if metric == "roc_auc" else average_precision_score
    return MetricReading(metric, float(score(y, p)), n, churned)


def risk_order(risk: np.ndarray, arr: Any = None, ids: Any = None) -> np.ndarray:
    """Row positions from the highest risk down; equal risks by higher ARR, then by id."""
    r = np.asarray(risk, dtype=float)
    a = np.zeros(len(r)) if arr is None else np.nan_to_num(np.asarray(arr, dtype=float))
    i = np.arange(len(r)) if ids is None else np.asarray([str(v) for v in ids])
    return np.lexsort((i, -a, -r))


def flag_mask(
    risk: np.ndarray,
    *,
    threshold: float | None,
    top_share: float | None,
    floor: float = 0.0,
    arr: Any = None,
    ids: Any = None,
) -> np.ndarray:
    """Which accounts are flagged: risk ≥ ``threshold``, else the top ``top_share`` by risk
    (ties broken by higher ``arr``, then ``ids``); never one whose risk is below ``floor``."""
    r = np.asarray(risk, dtype=float)
    if threshold is not None:
        return np.asarray((r >= threshold) & (r >= floor))
    share = 0.05 if top_share is None else top_share
    k = min(len(r), math.ceil(share * len(r))) if len(r) else 0
    mask = np.zeros(len(r), dtype=bool)
    if k:
        mask[risk_order(r, arr, ids)[:k]] = True
    return mask & (r >= floor) & (r > 0)


def budget_flags(
    risk: np.ndarray, days: pd.Series, threshold: float | None, top_share: float | None
) -> np.ndarray:
    """The alert budget applied day by day (each ``as_of`` is one daily run)."""
    r = np.asarray(risk, dtype=float)
    out = np.zeros(len(r), dtype=bool)
    codes = pd.factorize(pd.Series(days).to_numpy())[0]
    for code in np.unique(codes):
        sel = np.flatnonzero(codes == code)
        out[sel] = flag_mask(r[sel], threshold=threshold, top_share=top_share)
    return out


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE over ``bins`` equal-width bins: the row-weighted gap between mean risk and churn rate."""
    yv, pv = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    if len(yv) == 0:
        return float("nan")
    idx = np.minimum((pv * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            total += sel.sum() * abs(pv[sel].mean() - yv[sel].mean())
    return float(total / len(yv))


def _or_none(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), 6)


def metrics(
    y: np.ndarray,
    p: np.ndarray,
    *,
    threshold: float | None = None,
    top_share: float | None = None,
    flagged: np.ndarray | None = None,
) -> dict[str, Any]:
    """ROC AUC, PR AUC, precision/recall at the alert budget, Brier and ECE for one set of rows.

    ``flagged`` overrides the budget (e.g. a mask computed over all rows, for a segment).
    Ranking metrics are ``None`` when the rows hold a single class (they are undefined there).
    """
    yv, pv = np.asarray(y, dtype=int), np.asarray(p, dtype=float)
    positives = int(yv.sum())
    two_classes = 0 < positives < len(yv)
    if flagged is None:
        flagged = flag_mask(pv, threshold=threshold, top_share=top_share)
    hits = int((yv[flagged] == 1).sum())
    out: dict[str, Any] = {
        "rows": len(yv),
        "positives": positives,
        "roc_auc": _or_none(roc_auc_score(yv, pv)) if two_classes else None,
        "pr_auc": _or_none(average_precision_score(yv, pv)) if two_classes else None,
        "flagged": int(flagged.sum()),
        "precision_at_budget": _or_none(hits / flagged.sum()) if flagged.any() else None,
        "recall_at_budget": _or_none(hits / positives) if positives else None,
        "brier": _or_none(float(np.mean((pv - yv) ** 2))) if len(yv) else None,
        "ece": _or_none(expected_calibration_error(yv, pv)),
    }
    return out


def metrics_by_segment(
    y: np.ndarray,
    p: np.ndarray,
    segments: pd.Series | np.ndarray,
    *,
    threshold: float | None = None,
    top_share: float | None = None,
    flagged: np.ndarray | None = None,
    min_positives: int = 10,
) -> dict[str, dict[str, Any]]:
    """The same metrics for each segment (missing segment is reported as ``(none)``).

    The budget is applied over all rows first, as in production, then read per segment. A
    segment with fewer than ``min_positives`` churned rows gets no ranking metrics, and a
    ``note`` saying so: an AUC on a handful of churned rows means nothing.
    """
    seg = pd.Series(segments).astype("string").fillna("(none)").to_numpy()
    yv, pv = np.asarray(y), np.asarray(p)
    if flagged is None:
        flagged = flag_mask(pv, threshold=threshold, top_share=top_share)
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(set(seg)):
        sel = seg == name
        reading = metrics(yv[sel], pv[sel], flagged=flagged[sel])
        if reading["positives"] < min_positives:
            reading.update(roc_auc=None, pr_auc=None)
            reading["note"] = (
                f"{reading['positives']} churned rows: too few to judge (at least "
                f"{min_positives} needed)"
            )
        out[str(name)] = reading
    return out
