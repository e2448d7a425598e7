"""The steps of a scoring run between the database and the pure core, one function each.

``features_at`` reads the day's features (built-in, aggregated in SQL, or the team's own
table); ``score_with`` scores them; ``drift_rows``, ``score_rows`` and ``alert_rows`` turn the
results into the rows the run writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy.orm import Session

from bot.daily import alert_policy
from bot.lifecycle.training import BYO_LABEL, feature_params
from playbooks import Playbook, choose
from scoring.drift import drift_table
from scoring.errors import NotEnoughSignal
from scoring.predict import score_accounts, wording_for
from scoring.reasons import SHOWN_REASONS, plain_value
from scoring.registry import ModelArtifact
from scoring.sql_features import build_features_sql
from storage.repositories import scores as repo
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
    if spec.contract.features == "account_features":
        return _byo_features(ctx, as_of)
    features = build_features_sql(ctx.engine, as_of, feature_params(spec))
    if features.empty:
        raise NotEnoughSignal(f"no active accounts on {as_of}: nothing to score")
    return features, _key_feature_warnings(features, spec.contract.key_features)


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
    table = load_account_features(ctx.engine)
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
    frame = score_accounts(
        model,
        features,
        threshold=spec.surface.threshold,
        top_share=spec.surface.top_share,
        wording=wording_for(model) if explain else None,
    )
    return Scored(model.version, frame)


def drift_rows(
    model: ModelArtifact, features: pd.DataFrame, spec: Spec
) -> tuple[list[dict[str, Any]], list[str]]:
    """PSI per feature against the model's training reference, and a warning when any drifted."""
    results = drift_table(model.references, features, spec.drift.psi_threshold)
    rows = [{"feature": d.feature, "psi": d.psi, "drifted": d.drifted} for d in results]
    drifted = [d for d in results if d.drifted]
    if not drifted:
        return rows, []
    names = ", ".join(f"{d.feature} (PSI {d.psi:.2f})" for d in drifted)
    many = len(drifted) > spec.drift.max_drifted_features
    note = (
        f"; more than drift.max_drifted_features={spec.drift.max_drifted_features}" if many else ""
    )
    return rows, [f"{len(drifted)} feature(s) drifted from the training data: {names}{note}"]


def score_rows(
    run_id: int, model_id: int, as_of: dt.date, frame: pd.DataFrame, *, shadow: bool
) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "account_id": str(aid),
            "model_version_id": model_id,
            "as_of": as_of,
            "shadow": shadow,
            "risk": float(risk),
            "flagged": bool(flagged),
            "rank": int(rank),
            "reasons": reasons,
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


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: plain_value(v) for k, v in row.items()}


def alert_rows(
    session: Session,
    scored: Scored,
    features: pd.DataFrame,
    spec: Spec,
    as_of: dt.date,
    library: Iterable[Playbook],
) -> list[dict[str, Any]]:
    """An alert row per decision of the alert policy over today's flagged accounts."""
    flagged = scored.frame[scored.frame["flagged"]].sort_values("rank")
    if flagged.empty:
        return []
    ids = [str(a) for a in flagged.index]
    contacts = repo.account_contacts(session).reindex(ids)
    channels = repo.csm_channels(session)
    previous = repo.last_alert_risks(session, account_ids=ids, before=as_of)
    lookback = max(spec.surface.cooldown_days, spec.feedback.outcome_days) + 1
    history = repo.alert_history(session, since=as_of - dt.timedelta(days=lookback))
    candidates = [
        alert_policy.AlertCandidate(
            account_id=aid,
            csm_email=_text(contacts.at[aid, "csm_email"]),
            risk=float(flagged.at[aid, "risk"]),
            rank=int(flagged.at[aid, "rank"]),
            previous_risk=previous.get(aid),
        )
        for aid in ids
    ]
    decisions = alert_policy.select_alerts(candidates, history, spec, as_of)
    by_id = {c.account_id: c for c in candidates}
    rows_of = features.loc[[d.account_id for d in decisions]].to_dict("index")
    out = []
    for d in decisions:
        c = by_id[d.account_id]
        reasons = list(flagged.at[d.account_id, "reasons"])[:SHOWN_REASONS]
        values = _plain_row(rows_of[d.account_id])
        arr = contacts.at[d.account_id, "arr"]
        out.append(
            {
                "alert_key": f"{d.account_id}:{as_of.isoformat()}",
                "account_id": d.account_id,
                "as_of": as_of,
                "csm_email": c.csm_email,
                "channel": channels.get(c.csm_email or "", spec.surface.default_channel),
                "risk": c.risk,
                "previous_risk": c.previous_risk,
                "arr": None if pd.isna(arr) else float(arr),
                "reasons": reasons,
                "playbooks": [p.as_dict() for p in choose(library, reasons, values)],
                "fallback": False,
                "status": d.status,
            }
        )
    return out


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)
