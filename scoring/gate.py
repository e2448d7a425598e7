"""The promotion gate: candidates compared with their uncertainty, the simpler one preferred.

Each candidate (the logistic model, LightGBM) is scored on the same test rows, which span
several snapshot dates. The uncertainty of ROC AUC comes from a paired bootstrap that
resamples *accounts* (all of an account's snapshots together, since they are not
independent), so both candidates are judged on the same resamples: the interval of their
difference says whether the more complex model is clearly better (its lower bound is above
zero). When it is not, the simpler model wins. The winner must then meet the accuracy floor.
Intervals are percentile intervals (Efron & Tibshirani, *An Introduction to the Bootstrap*,
1993, ch. 13) on ``resamples`` draws.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from scoring.registry import KIND_NAMES

SIMPLEST_FIRST = ("logistic", "lightgbm")


@dataclass(frozen=True)
class Candidate:
    """One candidate's test ROC AUC with its 95 % interval, and ``metric`` (the spec's)."""

    kind: str
    roc_auc: float | None
    low: float | None
    high: float | None
    metric: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def words(self) -> str:
        if self.roc_auc is None:
            return f"{KIND_NAMES[self.kind]}: no ROC AUC (one class)"
        return (
            f"{KIND_NAMES[self.kind]} ROC AUC {self.roc_auc:.3f} "
            f"(95 % interval {self.low:.3f}–{self.high:.3f})"
        )


@dataclass(frozen=True)
class Verdict:
    """The winner, whether it passes, the sentence why, and every candidate's reading."""

    chosen: str
    passed: bool
    why: str
    candidates: dict[str, Candidate]
    difference: tuple[float, float, float] | None  # complex − simple: point, low, high


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None


def bootstrap_aucs(
    y: np.ndarray, scores: dict[str, np.ndarray], accounts: pd.Series, *, resamples: int, seed: int
) -> dict[str, np.ndarray]:
    """ROC AUC of every score on the same account-level resamples (NaN: one class drawn)."""
    codes, uniques = pd.factorize(pd.Series(accounts).astype("str"))
    members = [np.flatnonzero(codes == k) for k in range(len(uniques))]
    rng = np.random.default_rng(seed)
    out = {name: np.full(resamples, np.nan) for name in scores}
    for b in range(resamples):
        pick = rng.integers(0, len(members), len(members))
        rows = np.concatenate([members[k] for k in pick]) if len(members) else np.zeros(0, int)
        yb = y[rows]
        if 0 < yb.sum() < len(yb):
            for name, p in scores.items():
                out[name][b] = roc_auc_score(yb, p[rows])
    return out


def _interval(draws: np.ndarray) -> tuple[float, float] | tuple[None, None]:
    ok = draws[~np.isnan(draws)]
    if len(ok) < 20:
        return None, None
    low, high = np.quantile(ok, [0.025, 0.975])
    return round(float(low), 4), round(float(high), 4)


def read_candidate(
    kind: str,
    y: np.ndarray,
    p: np.ndarray,
    accounts: pd.Series,
    metric_value: float | None,
    *,
    resamples: int = 400,
    seed: int = 7,
) -> Candidate:
    """One score's ROC AUC on ``y`` with its account-level bootstrap interval."""
    yv = np.asarray(y, dtype=int)
    draws = bootstrap_aucs(yv, {kind: p}, accounts, resamples=resamples, seed=seed)
    auc = _auc(yv, p)
    low, high = _interval(draws[kind])
    return Candidate(kind, None if auc is None else round(auc, 4), low, high, metric_value)


def judge(
    y: np.ndarray,
    scores: dict[str, np.ndarray],
    metric_values: dict[str, float | None],
    accounts: pd.Series,
    *,
    metric: str,
    floor: float,
    resamples: int = 400,
    seed: int = 7,
    recorded: str = "churn",
) -> Verdict:
    """Pick the model to serve from ``scores`` (kind → test risk, simplest kind first).

    A more complex candidate replaces the simpler one only when the 95 % interval of its ROC
    AUC advantage lies above zero. The winner passes when its ``metric`` meets ``floor``.
    """
    yv = np.asarray(y, dtype=int)
    draws = bootstrap_aucs(yv, scores, accounts, resamples=resamples, seed=seed)
    candidates: dict[str, Candidate] = {}
    for kind, p in scores.items():
        auc = _auc(yv, p)
        low, high = _interval(draws[kind])
        value = metric_values.get(kind)
        candidates[kind] = Candidate(kind, None if auc is None else round(auc, 4), low, high, value)
    kinds = [k for k in SIMPLEST_FIRST if k in scores]
    chosen, difference = kinds[0], None
    for challenger in kinds[1:]:
        a, b = candidates[chosen].roc_auc, candidates[challenger].roc_auc
        if a is None or b is None:
            continue
        low, high = _interval(draws[challenger] - draws[chosen])
        if low is None or high is None:
            continue
        difference = (round(b - a, 4), low, high)
        if low > 0:
            chosen = challenger
    below = candidates[chosen].metric is None or (candidates[chosen].metric or 0.0) < floor
    meets = [k for k in kinds if (candidates[k].metric or 0.0) >= floor]
    if below and meets:
        chosen = meets[0]  # the simpler model fails the floor: the best one that meets it serves
    passed, why = _verdict(candidates, chosen, difference, metric, floor, recorded)
    return Verdict(chosen, passed, why, candidates, difference)


def _verdict(
    candidates: dict[str, Candidate],
    chosen: str,
    difference: tuple[float, float, float] | None,
    metric: str,
    floor: float,
    recorded: str = "churn",
) -> tuple[bool, str]:
    readings = "; ".join(c.words() for c in candidates.values())
    winner = candidates[chosen]
    if winner.metric is None:
        return False, "the test period holds a single class, so accuracy cannot be measured"
    if difference is None:
        choice = f"{KIND_NAMES[chosen]} chosen"
    elif chosen != SIMPLEST_FIRST[0] and difference[1] <= 0:
        choice = (
            f"{KIND_NAMES[chosen]} chosen: the logistic model is below the floor and LightGBM "
            f"meets it (difference {difference[0]:+.3f}, 95 % interval {difference[1]:+.3f} to "
            f"{difference[2]:+.3f})"
        )
    elif chosen == SIMPLEST_FIRST[0]:
        choice = (
            f"{KIND_NAMES[chosen]} chosen: LightGBM is not clearly better "
            f"(difference {difference[0]:+.3f}, 95 % interval {difference[1]:+.3f} to "
            f"{difference[2]:+.3f} includes 0), so the simpler model serves"
        )
    else:
        choice = (
            f"{KIND_NAMES[chosen]} chosen: clearly better than the logistic model "
            f"(difference {difference[0]:+.3f}, 95 % interval {difference[1]:+.3f} to "
            f"{difference[2]:+.3f})"
        )
    if winner.metric < floor:
        return False, (
            f"{choice}, but its {metric} {winner.metric:.3f} is below the accuracy floor "
            f"{floor:.2f} ({readings}); train over a longer history "
            f"(training.history_days) once more {recorded} "
            f"{'have' if recorded.endswith('s') else 'has'} been recorded, or lower "
            "accuracy.floor if this accuracy is useful"
        )
    return True, f"{choice}; {metric} {winner.metric:.3f} meets the floor {floor:.2f} ({readings})"


def against_rules(
    y: np.ndarray,
    kind: str,
    trained: np.ndarray,
    rules: np.ndarray,
    accounts: pd.Series,
    *,
    resamples: int = 400,
    seed: int = 7,
) -> tuple[bool, str, Candidate]:
    """Whether a trained model that met the floor replaces the live rules score.

    Both are scored on the same test rows and compared on the same account-level resamples.
    The trained model replaces the rules when its ROC AUC there is higher (it beats them);
    unlike between trained candidates, it need not be *clearly* better: the rules are a
    stand-in whose weights were never validated on this data, while the trained model has
    just met the floor on later data. The interval of the difference is reported either way.
    Returns the decision, the sentence why, and the rules score's reading on those rows.
    """
    yv = np.asarray(y, dtype=int)
    draws = bootstrap_aucs(
        yv, {"rules": rules, kind: trained}, accounts, resamples=resamples, seed=seed
    )
    auc_rules, auc_trained = _auc(yv, rules), _auc(yv, trained)
    low, high = _interval(draws["rules"])
    reading = Candidate(
        "rules", None if auc_rules is None else round(auc_rules, 4), low, high, None
    )
    if auc_rules is None or auc_trained is None:
        return False, "the test period holds a single class: the rules score stays live", reading
    d_low, d_high = _interval(draws[kind] - draws["rules"])
    if d_low is None or d_high is None:
        return False, "too few test accounts to compare with the rules score", reading
    difference = (
        f"difference {auc_trained - auc_rules:+.3f}, 95 % interval {d_low:+.3f} to {d_high:+.3f}"
    )
    if auc_trained > auc_rules:
        return True, f"it beats the live {reading.words()} ({difference})", reading
    why = f"it does not beat the live {reading.words()} ({difference}): the rules score stays"
    return False, why, reading
