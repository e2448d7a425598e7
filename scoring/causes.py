"""Credit a symptom's push to its cause, in proportion to what the cause explains.

Some indicators are partly caused by others: an account that never used three of its key
features has fewer active users, so "78 of 297 seats active on a typical day" is, in part, a
symptom of "3 of 5 key features never used". SHAP splits the credit between the two however
the trees happened to split, and the symptom often wins. A CSM should hear the cause.

The catalog declares such edges (``FeatureInfo.caused_by``: symptom → cause). For each account
the symptom's risky excess over the population's median is split into the part its cause
explains and the rest:

    excess    = r(symptom) − median r(symptom)            (over the accounts scored)
    explained = line(cause) − median r(symptom)           (line: least squares of r on cause)
    share     = clip(explained ÷ excess, 0, 1)            (0 when excess ≤ 0 or explained ≤ 0)

where ``r`` orients the symptom so that higher is riskier, and a slope that does not point to
more risk explains nothing. That share of the symptom's positive
contribution moves to the cause; the total is unchanged, so attributions still add up to the
score. This is the asymmetric Shapley value idea (Frye, Rowat & Feige, "Asymmetric Shapley
values: incorporating causal knowledge into model-agnostic explainability", NeurIPS 2020;
also Heskes et al., "Causal Shapley values", NeurIPS 2020): with a known causal order, the
effect that flows from an ancestor through its descendant belongs to the ancestor. Here the
flow is measured by a straight line fitted over the accounts scored together (one day's
active accounts): a first-order reading that assumes nothing about how the data arose beyond
the edge itself.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scoring.catalog import FeatureInfo

MIN_ACCOUNTS = 20  # accounts with both values needed to read what a cause explains

Shifts = dict[str, tuple[str, np.ndarray]]  # symptom → (cause, share of its push per row)


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    return np.asarray(pd.to_numeric(frame[column], errors="coerce"), dtype=float)


def explained_share(
    population: pd.DataFrame,
    rows: pd.DataFrame,
    symptom: str,
    cause: str,
    higher_is_riskier: bool,
) -> np.ndarray:
    """For each of ``rows``: the share (0–1) of its symptom's risky excess that its cause explains.

    ``population``: the accounts scored together (the reference); ``rows``: the accounts
    explained (usually a subset). Missing values explain nothing; so does a cause whose slope
    does not point to more risk, or a population of fewer than ``MIN_ACCOUNTS``.
    """
    sign = 1.0 if higher_is_riskier else -1.0
    s, c = sign * _numbers(population, symptom), _numbers(population, cause)
    known = ~(np.isnan(s) | np.isnan(c))
    none = np.zeros(len(rows))
    if known.sum() < MIN_ACCOUNTS or np.ptp(c[known]) == 0:
        return none
    s, c = s[known], c[known]
    slope = float(np.cov(c, s)[0, 1] / np.var(c, ddof=1))
    if slope <= 0:
        return none
    typical = np.median(s)
    explained = s.mean() + slope * (_numbers(rows, cause) - c.mean()) - typical
    excess = sign * _numbers(rows, symptom) - typical
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where((excess > 0) & (explained > 0), explained / excess, 0.0)
    return np.nan_to_num(np.clip(share, 0.0, 1.0), nan=0.0)


def cause_shifts(
    population: pd.DataFrame,
    rows: pd.DataFrame,
    features: list[str],
    edges: Mapping[str, str],
    catalog: Mapping[str, FeatureInfo],
) -> Shifts:
    """``explained_share`` for every declared edge whose symptom and cause are model inputs."""
    out: Shifts = {}
    for symptom, cause in edges.items():
        info = catalog.get(symptom)
        if (
            info is None
            or info.higher_is_riskier is None
            or symptom not in features
            or cause not in features
            or symptom not in population
            or cause not in population
        ):
            continue
        share = explained_share(population, rows, symptom, cause, info.higher_is_riskier)
        out[symptom] = (cause, share)
    return out


def apply_shifts(
    phi: np.ndarray, features: list[str], shifts: Mapping[str, tuple[str, np.ndarray]]
) -> np.ndarray:
    """Contributions with each symptom's positive push moved to its cause by its share.

    ``phi``: ``[rows, features (+ bias)]``; returns a copy whose rows sum to the same totals.
    """
    out = np.array(phi, dtype=float, copy=True)
    for symptom, (cause, share) in shifts.items():
        js, jc = features.index(symptom), features.index(cause)
        moved = np.asarray(share, dtype=float) * np.maximum(out[:, js], 0.0)
        out[:, js] -= moved
        out[:, jc] += moved
    return out
