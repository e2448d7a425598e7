"""Feature drift: how far today's feature distribution has moved from the training reference.

At training time each feature's distribution is binned (deciles for numbers, levels for
categories, plus a bucket for missing values) and stored with the model. Each statistic is
one pure function of two share vectors returning ``(score, drifted)``; ``STATS`` names them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from scoring.errors import FeatureSpecError

EPS = 1e-4  # share given to an empty bin so the logarithm stays finite
OTHER = "(other)"


@dataclass(frozen=True)
class Reference:
    """One feature's binned training distribution; the last share is the missing-value bucket."""

    feature: str
    kind: Literal["numeric", "categorical"]
    edges: tuple[float, ...]
    levels: tuple[str, ...]
    shares: tuple[float, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "edges": list(self.edges),
            "levels": list(self.levels),
            "shares": list(self.shares),
        }

    @classmethod
    def from_json(cls, feature: str, data: dict[str, Any]) -> Reference:
        return cls(
            feature=feature,
            kind=data["kind"],
            edges=tuple(float(v) for v in data["edges"]),
            levels=tuple(str(v) for v in data["levels"]),
            shares=tuple(float(v) for v in data["shares"]),
        )


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def counts(ref: Reference, series: pd.Series) -> np.ndarray:
    """Row counts of ``series`` in the reference's bins (missing last)."""
    missing = series.isna().to_numpy()
    if ref.kind == "numeric":
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        idx = np.searchsorted(np.asarray(ref.edges), values[~missing], side="right")
        found = np.bincount(idx, minlength=len(ref.edges) + 1).astype(float)
    else:
        text = series[~missing].astype("string").to_numpy()
        known = {lvl: i for i, lvl in enumerate(ref.levels)}
        idx = np.array([known.get(str(v), len(ref.levels)) for v in text], dtype=int)
        found = np.bincount(idx, minlength=len(ref.levels) + 1).astype(float)
    return np.append(found, float(missing.sum()))


def reference_of(feature: str, series: pd.Series, bins: int = 10) -> Reference:
    """Bin a training column: quantile edges for numbers, the most common levels for text.

    Numbers also get an edge just above every value held by at least one row in ``bins``
    (a point mass) and just above the largest value. Quantiles alone collapse where most rows
    share one value (``days_since_last_activity`` = 1 on a working day): the single edge left
    puts 1 and 4 days in one open-ended bin, and a move from one to the other, or beyond
    anything seen in training, would read as no drift at all.
    """
    if _is_numeric(series):
        values = pd.to_numeric(series, errors="coerce").dropna().to_numpy(dtype=float)
        edges = tuple(float(v) for v in _numeric_edges(values, bins))
        ref = Reference(feature, "numeric", edges, (), ())
    else:
        top = series.dropna().astype("string").value_counts().index[: bins * 2]
        ref = Reference(feature, "categorical", (), tuple(str(v) for v in top), ())
    c = counts(ref, series)
    shares = c / c.sum() if c.sum() else c
    return Reference(ref.feature, ref.kind, ref.edges, ref.levels, tuple(float(v) for v in shares))


def _numeric_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Quantile edges, plus an edge just above each point mass and above the maximum."""
    if not len(values):
        return np.array([])
    qs = np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1])
    levels, n = np.unique(values, return_counts=True)
    heavy = levels[n * bins >= len(values)]
    above = np.nextafter(np.append(heavy, levels[-1]), np.inf)
    return np.unique(np.concatenate([qs, above]))


def psi(reference: np.ndarray, current: np.ndarray, threshold: float = 0.25) -> tuple[float, bool]:
    """Population stability index of two share vectors, and whether it exceeds ``threshold``."""
    r = np.clip(np.asarray(reference, dtype=float), EPS, None)
    c = np.clip(np.asarray(current, dtype=float), EPS, None)
    r, c = r / r.sum(), c / c.sum()
    score = float(np.sum((c - r) * np.log(c / r)))
    return score, score > threshold


Stat = Callable[[np.ndarray, np.ndarray, float], tuple[float, bool]]
STATS: dict[str, Stat] = {"psi": psi}


def get_stat(name: str) -> Stat:
    """A drift statistic by name; an unknown name is refused with the valid ones listed."""
    try:
        return STATS[name]
    except KeyError:
        raise FeatureSpecError(
            f"unknown drift statistic {name!r}; valid: {', '.join(sorted(STATS))}"
        ) from None


@dataclass(frozen=True)
class DriftResult:
    feature: str
    psi: float
    drifted: bool


def drift_table(
    references: dict[str, Reference], frame: pd.DataFrame, threshold: float
) -> list[DriftResult]:
    """PSI of every referenced feature present in ``frame``, most drifted first."""
    out: list[DriftResult] = []
    for name, ref in references.items():
        if name not in frame.columns or not ref.shares:
            continue
        cur = counts(ref, frame[name])
        if cur.sum() == 0:
            continue
        score, drifted = psi(np.asarray(ref.shares), cur / cur.sum(), threshold)
        out.append(DriftResult(name, round(score, 6), drifted))
    return sorted(out, key=lambda d: -d.psi)
