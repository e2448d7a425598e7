"""A day's drift: each feature's PSI against its weekday reference and its weight in the pause.

``measure_drift`` compares the day's features with the model's reference for that weekday
(``scoring.drift_reference``; a model without one uses the reference binned from its
training rows), moves ``AGEING`` features by the days since the reference, and weighs each
feature by its importance in the model on the day's accounts (``scoring.importance``). A
feature's ``weight`` is that share, or 0 when it moves by construction and is not judged
against that move (``CYCLIC`` always; ``AGEING`` without a weekday reference). The day's
**weighted PSI** is ``Σ weight × min(PSI, 1)``: the share of the model whose inputs moved,
a feature counting in full once its PSI reaches 1 (a distribution replaced, not shifted), so a
model hardly using a feature is not paused by it, however far that feature moves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.drift import drift_table
from scoring.drift_reference import AGEING, CYCLIC, as_of_day
from scoring.importance import importance_shares
from scoring.registry import ModelArtifact

PSI_CAP = 1.0  # PSI at which a feature counts as wholly moved


@dataclass(frozen=True)
class FeatureDrift:
    """One feature on one day: PSI, whether it is over the threshold, its weight in the pause."""

    feature: str
    psi: float
    drifted: bool
    weight: float

    def row(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "psi": self.psi,
            "drifted": self.drifted,
            "weight": self.weight,
        }


def measure_drift(
    model: ModelArtifact, features: pd.DataFrame, as_of: dt.date, threshold: float
) -> list[FeatureDrift]:
    """PSI of every referenced feature at ``as_of``, most drifted first (see the module doc)."""
    weekday = model.weekday_references.for_day(as_of) if model.weekday_references else None
    frame = features
    if weekday is not None:
        moved = {
            f: as_of_day(features[f], f, as_of, weekday.day)
            for f in AGEING
            if f in features.columns
        }
        frame = features.assign(**moved)
    shares = importance_shares(model, features)
    results = drift_table(weekday.features if weekday else model.references, frame, threshold)
    return [
        FeatureDrift(
            d.feature,
            d.psi,
            d.drifted,
            0.0
            if _by_construction(d.feature, judged=weekday is not None)
            else round(shares.get(d.feature, 0.0), 6),
        )
        for d in results
    ]


def _by_construction(feature: str, *, judged: bool) -> bool:
    return feature in CYCLIC or (feature in AGEING and not judged)


def weighted_psi(rows: Iterable[Mapping[str, Any]]) -> float | None:
    """``Σ weight × min(PSI, PSI_CAP)`` over drift rows, between 0 and 1 (None when no row
    has a weight: a run measured before weights were recorded)."""
    pairs = [(r.get("weight"), float(r["psi"])) for r in rows]
    if not any(w is not None for w, _ in pairs):
        return None
    return float(sum(float(w) * min(p, PSI_CAP) for w, p in pairs if w is not None))
