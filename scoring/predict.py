"""Scoring with a stored model: calibrated risk, the alert budget, and reasons for the flagged.

Pure: a ``ModelArtifact`` and a features frame (indexed by ``account_id``) in, a frame out.
Training and scoring both build the model matrix here, so categories map the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.catalog import (
    FEATURES,
    NEUTRAL_FAMILY,
    FeatureInfo,
    causal_edges,
    is_actionable,
    reason_groups,
    render_reason,
)
from scoring.causes import apply_shifts, cause_shifts
from scoring.errors import FeatureSpecError
from scoring.evaluate import flag_mask, risk_order
from scoring.reasons import (
    Actionable,
    FamilyOf,
    Render,
    Tellable,
    explain_rows,
)
from scoring.registry import ModelArtifact

# 0: LightGBM's default, every core (TreeSHAP is the costly part of a run and splits by row).
THREADS = 0


def model_matrix(
    features: pd.DataFrame, names: list[str], categories: dict[str, list[str]]
) -> pd.DataFrame:
    """The model's columns in the model's order: categoricals on the stored levels, the rest float.

    A level never seen in training becomes missing, which LightGBM handles as such.
    """
    absent = [f for f in names if f not in features.columns]
    if absent:
        raise FeatureSpecError(
            f"the model needs feature(s) {', '.join(absent)} that the data does not have; "
            "check the feature source or retrain"
        )
    out: dict[str, pd.Series | pd.Categorical] = {}
    for name in names:
        col = features[name]
        if name in categories:
            out[name] = as_category(col, categories[name])
        else:
            out[name] = pd.to_numeric(col, errors="coerce").astype(float)
    return pd.DataFrame(out, index=features.index)


def as_category(col: pd.Series, levels: list[str]) -> pd.Categorical:
    """Text of ``col`` on fixed ``levels``; unknown levels and missing values become missing."""
    text = col.astype("str")
    return pd.Categorical(text.where(text.isin(levels)), categories=levels)


def raw_margin(model: ModelArtifact, matrix: pd.DataFrame) -> np.ndarray:
    """The model's log-odds before calibration, one value per row."""
    if model.kind == "rules":
        assert model.rules is not None
        return model.rules.margin(matrix)
    if model.kind == "logistic":
        assert model.linear is not None
        return model.linear.margin(matrix)
    assert model.booster is not None
    return np.asarray(
        model.booster.predict(matrix, raw_score=True, num_threads=THREADS), dtype=float
    )


def contributions(model: ModelArtifact, matrix: pd.DataFrame) -> np.ndarray:
    """Exact contributions (one column per feature, then the bias), in raw-score space:
    TreeSHAP for LightGBM, coefficient × standardised value for a logistic model, weight ×
    scaled value for the rules score."""
    if model.kind == "rules":
        assert model.rules is not None
        return model.rules.contributions(matrix, model.features)
    if model.kind == "logistic":
        assert model.linear is not None
        return model.linear.contributions(matrix, model.features)
    assert model.booster is not None
    return np.asarray(
        model.booster.predict(matrix, pred_contrib=True, num_threads=THREADS), dtype=float
    )


def risk(model: ModelArtifact, matrix: pd.DataFrame) -> np.ndarray:
    """Calibrated probability of churn within the horizon."""
    return model.calibration.apply(raw_margin(model, matrix))


@dataclass(frozen=True)
class Wording:
    """How reasons are told: labels, families, groups and what a person can act on."""

    render: Render
    family_of: FamilyOf
    groups: dict[str, str]
    one_hot: dict[str, str]
    tellable: Tellable | None = None
    actionable: Actionable | None = None
    catalog: Mapping[str, FeatureInfo] | None = None  # for symptom → cause credit

    def shifts(
        self, population: pd.DataFrame, rows: pd.DataFrame, features: list[str]
    ) -> dict[str, tuple[str, np.ndarray]]:
        """How much of each symptom's push its declared cause explains (``scoring.causes``)."""
        if self.catalog is None:
            return {}
        edges = causal_edges(self.catalog)
        return cause_shifts(population, rows, features, edges, self.catalog)


def risky_side(
    typical: dict[str, float], catalog: Mapping[str, FeatureInfo] | None = None
) -> Tellable:
    """A catalog feature is told only on its risky side of the training median: more failures
    than usual, fewer users than usual; features without a direction always."""
    known = FEATURES if catalog is None else catalog

    def tellable(feature: str, value: Any) -> bool:
        info, middle = known.get(feature), typical.get(feature)
        if info is None or info.higher_is_riskier is None or middle is None:
            return True
        try:
            v = float(value)
        except (TypeError, ValueError):
            return True
        return v > middle if info.higher_is_riskier else v < middle

    return tellable


def wording_for(model: ModelArtifact, declared: Mapping[str, FeatureInfo] | None = None) -> Wording:
    """How ``model``'s reasons are told: the built-in catalog, or for a team's own
    ``account_features`` the columns declared in ``atrisk.yml`` (``declared``).

    Groups are read from the catalog at scoring time (not from the stored model), so a model
    trained before a catalog change is told the current way. A team's column that is not
    declared has the neutral family and reads ``column = value``; it is never guessed.
    """
    if model.feature_source == "account_features":
        catalog = dict(declared or {})

        def render(feature: str, row: Mapping[str, Any]) -> str:
            return render_reason(feature, row, catalog)

        def family(feature: str) -> str:
            info = catalog.get(feature)
            return info.family if info else NEUTRAL_FAMILY

        def actionable(feature: str) -> bool:
            return feature not in catalog or is_actionable(feature, catalog)

        return Wording(
            render,
            family,
            reason_groups(model.features, catalog),
            dict(model.one_hot),
            risky_side(model.typical, catalog),
            actionable,
            catalog,
        )

    def builtin_family(feature: str) -> str:
        info = FEATURES.get(feature)
        return info.family if info else NEUTRAL_FAMILY

    return Wording(
        render_reason,
        builtin_family,
        reason_groups(model.features, FEATURES),
        {},
        risky_side(model.typical),
        is_actionable,
        FEATURES,
    )


def score_accounts(
    model: ModelArtifact,
    features: pd.DataFrame,
    *,
    threshold: float | None,
    top_share: float | None,
    wording: Wording | None = None,
    floor: float = 0.0,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Risk, flag and rank for every row; reasons (best first) for the flagged ones.

    Returns columns ``risk, flagged, rank, reasons`` indexed like ``features``. Nothing with a
    risk below ``floor`` is flagged; equal risks rank by higher ``arr``, then account id.
    Without ``wording`` nothing is explained (e.g. a shadow model). A symptom's push is
    credited to its declared cause by what the cause explains among ``population`` (default:
    ``features``, the accounts scored together; see ``scoring.causes``).
    """
    matrix = model_matrix(features, model.features, model.categories)
    p = risk(model, matrix)
    arr = pd.to_numeric(features["arr"], errors="coerce") if "arr" in features else None
    ids = features.index
    flagged = flag_mask(p, threshold=threshold, top_share=top_share, floor=floor, arr=arr, ids=ids)
    order = risk_order(p, arr, ids)
    rank = np.empty(len(p), dtype=int)
    rank[order] = np.arange(1, len(p) + 1)
    out = pd.DataFrame({"risk": p, "flagged": flagged, "rank": rank}, index=features.index)
    reasons: list[list[dict[str, object]]] = [[] for _ in range(len(p))]
    if wording is not None and flagged.any():
        idx = np.flatnonzero(flagged)
        phi = contributions(model, matrix.iloc[idx])
        reference = features if population is None else population
        phi = apply_shifts(
            phi, model.features, wording.shifts(reference, features.iloc[idx], model.features)
        )
        told = explain_rows(
            phi,
            model.features,
            features.iloc[idx],
            render=wording.render,
            family_of=wording.family_of,
            groups=wording.groups,
            one_hot=wording.one_hot,
            tellable=wording.tellable,
            actionable=wording.actionable,
        )
        for i, r in zip(idx, told, strict=True):
            reasons[int(i)] = [reason.to_json() for reason in r]  # stored as JSON
    out["reasons"] = reasons
    return out
