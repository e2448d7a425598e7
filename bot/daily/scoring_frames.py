"""The steps of a scoring run between the database and the pure core, one function each.

``features_at`` reads the day's features (built-in, aggregated in SQL, or the team's own
table); ``score_with`` scores them; ``drift_rows`` and ``score_rows`` turn the results into the
rows the run writes, ``flagged_accounts`` into the day's alert candidates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select

from bot.daily.decide import FlaggedAccount
from bot.lifecycle.training_data import BYO_LABEL, feature_params
from scoring.drift_reading import measure_drift
from scoring.errors import NotEnoughSignal
from scoring.lead_features import LeadParams
from scoring.lead_scoring import FEATURE_SOURCE as LEAD_SOURCE
from scoring.lead_scoring import score_leads
from scoring.lead_sql_features import build_lead_features_sql
from scoring.predict import score_accounts, wording_for
from scoring.reasons import plain_records
from scoring.registry import ModelArtifact
from scoring.sql_features import build_features_sql
from storage.lead_models import Lead
from storage.repositories.sources import load_account_features

if TYPE_CHECKING:
    from bot.ports import Root
    from bot.spec import Spec


@dataclass(frozen=True)
class Scored:
    """One model's scores: ``risk, flagged, rank, reasons`` indexed by ``account_id``."""

    version: str
    frame: pd.DataFrame


def features_at(ctx: Root, as_of: dt.date) -> tuple[pd.DataFrame, list[str]]:
    """Every active account's features at ``as_of`` (index ``account_id``), and warnings."""
    spec = ctx.spec
    if spec.entity.kind == "lead":
        return lead_features_at(ctx, as_of), []
    if spec.contract.features == "account_features":
        return _byo_features(ctx, as_of)
    features = build_features_sql(ctx.source_engine, as_of, feature_params(spec))
    if features.empty:
        raise NotEnoughSignal(f"no active accounts on {as_of}: nothing to score")
    return features, _key_feature_warnings(features, spec.contract.key_features)


def lead_features_at(ctx: Root, as_of: dt.date) -> pd.DataFrame:
    """Every open lead's features at ``as_of`` (index ``lead_id``, the push-down), with what a
    lead alert shows besides: ``owner_email`` and ``horizon_days``. ``NotEnoughSignal`` when
    no lead is open."""
    horizon = ctx.spec.entity.horizon_days
    features = build_lead_features_sql(ctx.source_engine, as_of, LeadParams(horizon_days=horizon))
    if features.empty:
        raise NotEnoughSignal(f"no open leads on {as_of}: nothing to score")
    with ctx.source_engine.connect() as conn:
        owners = pd.read_sql(select(Lead.lead_id, Lead.owner_email), conn)
    owner_of = owners.set_index(owners["lead_id"].astype("str"))["owner_email"]
    features["owner_email"] = features.index.map(owner_of).astype("str")
    features["horizon_days"] = horizon
    return features


def _key_feature_warnings(features: pd.DataFrame, key_features: list[str]) -> list[str]:
    """A key feature no active account has ever used is probably misspelled in the spec."""
    col = "unadopted_key_features_names"
    if col not in features.columns or not key_features:
        return []
    unused = features[col].fillna("").astype("str")
    return [
        f"key feature {kf!r} never appears in usage for any active account: check its "
        "spelling in contract.key_features"
        for kf in key_features
        if unused.str.contains(kf, regex=False).all()
    ]


def _byo_features(ctx: Root, as_of: dt.date) -> tuple[pd.DataFrame, list[str]]:
    """The unlabelled rows of the newest ``account_features`` snapshot on or before ``as_of``."""
    table = load_account_features(ctx.source_engine)
    table = table[table["as_of"] <= pd.Timestamp(as_of)]
    if BYO_LABEL in table.columns:
        table = table[table[BYO_LABEL].isna()]
    if table.empty:
        raise NotEnoughSignal(
            f"account_features has no unlabelled rows on or before {as_of}: nothing to score"
        )
    day = table["as_of"].max()
    rows = table[table["as_of"] == day].drop_duplicates("account_id", keep="last")
    warnings = []
    age = (pd.Timestamp(as_of) - day).days
    if age > ctx.spec.freshness.stale_after_days:
        warnings.append(
            f"account_features snapshot is from {day.date()}, {age} days before {as_of}"
        )
    return rows.set_index("account_id").drop(
        columns=["as_of", BYO_LABEL], errors="ignore"
    ), warnings


def score_with(
    model: ModelArtifact, features: pd.DataFrame, spec: Spec, *, explain: bool = True
) -> Scored:
    if model.feature_source == LEAD_SOURCE:  # a lead model: the lead catalog's reasons
        leads = score_leads(
            model,
            features,
            threshold=spec.surface.threshold,
            top_share=spec.surface.top_share,
            floor=spec.surface.risk_floor,
        )
        return Scored(model.version, leads)
    frame = score_accounts(
        model,
        features,
        threshold=spec.surface.threshold,
        top_share=spec.surface.top_share,
        wording=wording_for(model, spec.declared_columns()) if explain else None,
        floor=spec.surface.risk_floor,
    )
    return Scored(model.version, frame)


def drift_rows(
    model: ModelArtifact, features: pd.DataFrame, spec: Spec, as_of: dt.date
) -> tuple[list[dict[str, Any]], list[str]]:
    """PSI and pause weight per feature (``scoring.drift_reading``), and a warning naming the
    features over ``drift.psi_threshold`` that count towards a pause."""
    results = measure_drift(model, features, as_of, spec.drift.psi_threshold)
    rows = [d.row() for d in results]
    drifted = [d for d in results if d.drifted and d.weight > 0]
    if not drifted:
        return rows, []
    names = ", ".join(
        f"{d.feature} (PSI {d.psi:.2f}, {d.weight:.0%} of the model)" for d in drifted
    )
    return rows, [f"{len(drifted)} feature(s) drifted from the training data: {names}"]


def score_rows(
    model_id: int,
    as_of: dt.date,
    frame: pd.DataFrame,
    *,
    shadow: bool,
    features: pd.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """A score row per account (no run id yet); flagged live rows keep their feature values,
    so a later day served from this run chooses playbooks with them."""
    flagged_ids = [aid for aid, f in zip(frame.index, frame["flagged"], strict=True) if f]
    kept: dict[Any, dict[str, Any]] = {}
    if features is not None and not shadow and flagged_ids:
        kept = dict(zip(flagged_ids, plain_records(features.loc[flagged_ids]), strict=True))
    return [
        {
            "account_id": str(aid),
            "model_version_id": model_id,
            "as_of": as_of,
            "shadow": shadow,
            "risk": float(risk),
            "flagged": bool(flagged),
            "rank": int(rank),
            "reasons": reasons,
            "features": kept.get(aid),
        }
        for aid, risk, flagged, rank, reasons in zip(
            frame.index,
            frame["risk"].to_numpy(),
            frame["flagged"].to_numpy(),
            frame["rank"].to_numpy(),
            frame["reasons"],
            strict=True,
        )
    ]


def flagged_accounts(rows: Iterable[Mapping[str, Any]]) -> list[FlaggedAccount]:
    """The live flagged score rows as alert candidates, by rank."""
    flagged = [r for r in rows if r["flagged"] and not r["shadow"]]
    return [
        FlaggedAccount(
            account_id=r["account_id"],
            risk=r["risk"],
            rank=r["rank"],
            reasons=list(r["reasons"]),
            features=dict(r["features"] or {}),
            model_version_id=r["model_version_id"],
        )
        for r in sorted(flagged, key=lambda r: (r["rank"], -r["risk"], r["account_id"]))
    ]
