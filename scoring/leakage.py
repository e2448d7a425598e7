"""Leakage caught before a model ships: a feature that alone nearly separates the labels.

A churn signal is a leading indicator; none of them alone tells churned from retained
snapshots almost perfectly. One that does was most likely written after the outcome (a
``renewal_date`` a CRM moves to the churn date, a status field updated when the account
left). ``find_leaks`` measures each numeric feature's own ROC AUC on the training rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from scoring.errors import ScoringError

SEPARATES = 0.9  # a single leading indicator stays far below this on every data set we know


class LeakSuspected(ScoringError):
    """A feature alone nearly separates churned from retained rows: training is stopped."""


@dataclass(frozen=True)
class Leak:
    feature: str
    roc_auc: float  # of the feature alone, direction-free (max of AUC and 1 − AUC)


def find_leaks(
    frame: pd.DataFrame, features: list[str], label: str, *, limit: float = SEPARATES
) -> list[Leak]:
    """Numeric features whose own ROC AUC on ``frame[label]`` reaches ``limit``, worst first."""
    y = frame[label].to_numpy(dtype=int)
    out: list[Leak] = []
    for name in features:
        if name not in frame or not pd.api.types.is_numeric_dtype(frame[name]):
            continue
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        known = ~np.isnan(values)
        yk = y[known]
        if known.sum() < 20 or not 0 < yk.sum() < len(yk):
            continue
        auc = float(roc_auc_score(yk, values[known]))
        auc = max(auc, 1.0 - auc)
        if auc >= limit:
            out.append(Leak(name, round(auc, 3)))
    return sorted(out, key=lambda leak: -leak.roc_auc)


RENEWAL_FEATURES = ("days_to_renewal", "renewal_within_horizon")  # both read renewal_date


def refuse_leaks(leaks: list[Leak]) -> None:
    """Raise ``LeakSuspected`` naming each leaking feature, the likely cause and the fixes."""
    if not leaks:
        return
    named = ", ".join(f"{leak.feature} (ROC AUC {leak.roc_auc:.3f} on its own)" for leak in leaks)
    hint = ""
    renewal = [leak.feature for leak in leaks if leak.feature in RENEWAL_FEATURES]
    if renewal:
        hint = (
            f" For {' and '.join(renewal)} this is typically a renewal_date set to the churn "
            "date when an account leaves (many CRMs keep the current term's end); both renewal "
            "features read it."
        )
    raise LeakSuspected(
        f"training stopped: {named} alone nearly separates churned from retained accounts. "
        "The likely cause is a field updated after the outcome, so the model would learn the "
        f"answer instead of the warning signs.{hint} Fix the field in the source so it holds "
        "what was known at the time, or leave the feature out with "
        "training.exclude_features in atrisk.yml."
    )
