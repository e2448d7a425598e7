"""What training reads: the audit of the sources and the labelled snapshots with their features.

``training_inputs`` is shared by ``atrisk train`` (``bot.lifecycle.training``) and ``atrisk
audit``, so the audit sees every row and feature training would. Built-in features come from
the source tables (snapshots every ``snapshot_every_days`` over ``history_days``, labels over
``horizon_days``); a team's own ``account_features`` table is used as it is (rows without a
label are scored, never trained on). Accounts a play was opened on are left out
(``without_treated``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from bot.lifecycle.snapshots import training_sources
from scoring import catalog, reasons
from scoring.audit import AuditReport, audit, audit_account_features, check_columns
from scoring.errors import FeatureSpecError
from scoring.features import FeatureParams
from scoring.labels import LABEL, drop_treated, snapshot_plan, snapshots
from scoring.outcome_words import outcome_words
from scoring.train import TrainConfig
from storage.repositories.feedback import treated_accounts
from storage.repositories.scores import latest_data_date
from storage.repositories.sources import load_account_features

if TYPE_CHECKING:
    from bot.ports import Root
    from bot.spec import Spec

BYO_LABEL = "churned_within_horizon"
BYO_KEYS = ("account_id", "as_of", BYO_LABEL)

Progress = Callable[[int, int], None]


def feature_params(spec: Spec) -> FeatureParams:
    return FeatureParams(
        key_features=tuple(spec.contract.key_features) or FeatureParams().key_features,
        horizon_days=spec.entity.horizon_days,
        renewal_term_months=spec.entity.renewal_term_months,
        renewal_terms_by_plan=tuple(sorted(spec.entity.renewal_terms_by_plan.items())),
    )


def train_config(spec: Spec, **overrides: Any) -> TrainConfig:
    base = TrainConfig(
        horizon_days=spec.entity.horizon_days,
        validation_share=spec.training.validation_share,
        min_positives=spec.training.min_positives,
        threshold=spec.surface.threshold,
        top_share=spec.surface.top_share,
        metric=spec.accuracy.metric,
        floor=spec.accuracy.floor,
        words=outcome_words(spec.entity.kind),
    )
    return replace(base, **overrides)


def default_as_of(ctx: Root) -> dt.date:
    """The day after the newest ingested data (so every stored day is used), else today."""
    with ctx.uow() as uow:
        through = latest_data_date(uow.session)
    return through + dt.timedelta(days=1) if through else dt.datetime.now(dt.UTC).date()


def builtin_frame(
    ctx: Root, as_of: dt.date, *, progress: Progress | None = None
) -> tuple[pd.DataFrame | None, AuditReport]:
    """Training snapshots from the source tables and the audit of them (None: the audit's
    problems stop training before any feature is built).

    The cheap label audit runs first, so a hopeless history is refused before any feature
    is built; the feature columns are checked once the snapshots exist.
    """
    spec = ctx.spec
    params = feature_params(spec)
    history, every = spec.training.history_days, spec.training.snapshot_every_days
    summary, features_at = training_sources(ctx, as_of, params)
    report = audit(
        summary,
        as_of,
        params,
        history_days=history,
        every_days=every,
        min_positives=spec.training.min_positives,
    )
    if report.problems:
        return None, report
    dates = snapshot_plan(summary.data_start, as_of, params, every_days=every, history_days=history)
    frame = snapshots(features_at, dates, summary.accounts, params, as_of, progress=progress)
    check_columns(report, frame, [c for c in catalog.MODEL_FEATURES if c in frame.columns])
    return (None if report.problems else frame), report


def byo_frame(ctx: Root, as_of: dt.date) -> tuple[pd.DataFrame | None, AuditReport]:
    """Labelled rows of the team's ``account_features`` up to ``as_of`` (label as ``label``)
    and the audit of them (None: the audit's problems stop training)."""
    spec = ctx.spec
    table = load_account_features(ctx.source_engine)
    report = AuditReport(horizon_days=0, min_positives=spec.training.min_positives)
    if table.empty:
        report.problems.append(
            "the account_features table is empty: ingest it (`atrisk ingest SOURCE`) first"
        )
        return None, report
    absent = [k for k in spec.contract.key_features if k not in table.columns]
    if absent:
        columns = ", ".join(c for c in table.columns if c not in BYO_KEYS)
        report.problems.append(
            f"contract.key_features names {', '.join(map(repr, absent))}, which "
            f"{'is not a column' if len(absent) == 1 else 'are not columns'} of "
            f"account_features (its columns: {columns})"
        )
        return None, report
    table = table[table["as_of"] <= pd.Timestamp(as_of)]
    report = audit_account_features(table, min_positives=spec.training.min_positives)
    if report.problems:
        return None, report
    labelled = table[table[BYO_LABEL].notna()].rename(columns={BYO_LABEL: LABEL})
    labelled[LABEL] = labelled[LABEL].astype(int)
    return labelled, report


def byo_features(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Feature and categorical columns of a team's own table (text columns are categorical)."""
    cols = [c for c in frame.columns if c not in (*BYO_KEYS, LABEL)]
    if not cols:
        raise FeatureSpecError("account_features has no feature columns besides the keys")
    cats = [c for c in cols if not pd.api.types.is_numeric_dtype(frame[c])]
    return cols, cats


def undeclared_warning(features: list[str], declared: Mapping[str, object]) -> list[str]:
    """A warning naming the ``account_features`` columns ``contract.columns`` does not declare:
    they still shape the score but read ``column = value`` in the neutral family "other"."""
    missing = [f for f in features if f not in declared]
    if not missing:
        return []
    return [
        f"account_features column(s) {', '.join(missing)} are not declared in contract.columns: "
        "their reasons read 'column = value' with no family; declare each with its label, "
        "family and whether a person can act on it (docs/spec.md)"
    ]


def without_treated(ctx: Root, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Leave out snapshots of accounts inside a treated window (``scoring.labels.drop_treated``)
    and say how many clean rows remain; no note when nothing was treated."""
    with ctx.uow() as uow:
        treated = treated_accounts(uow.session)
    clean, dropped = drop_treated(frame, treated, ctx.spec.entity.horizon_days)
    if not dropped:
        return frame, []
    return clean, [
        f"training on {len(clean):,} clean rows: {dropped:,} snapshot rows of accounts with a "
        f"playbook acted on within {ctx.spec.entity.horizon_days} days of their label window "
        "were left out (a save would teach the model that the risk was low)"
    ]


@dataclass
class Inputs:
    """What training reads: the rows, the feature columns and how they are told."""

    frame: pd.DataFrame
    features: list[str]
    categorical: list[str]
    config: TrainConfig
    groups: dict[str, str]
    one_hot: dict[str, str]
    warnings: list[str]
    cold_start: list[str]  # why a trained model is not possible yet (the audit's words)


def training_inputs(
    ctx: Root,
    as_of: dt.date,
    *,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> tuple[AuditReport, Inputs | None]:
    """The audit and the training rows and features, as ``atrisk train`` and ``atrisk audit``
    read them (None when the audit's problems stop training)."""
    spec = ctx.spec
    config = train_config(spec, **(overrides or {}))
    if spec.contract.features == "account_features":
        frame, report = byo_frame(ctx, as_of)
        if frame is None:
            return report, None
        features, cats = byo_features(frame)
        report.warnings += undeclared_warning(features, spec.contract.columns)
        config = replace(config, drop_empty_features=False)
        groups: dict[str, str] = {}
        one_hot = reasons.one_hot_groups(frame, [f for f in features if f not in cats])
    else:
        frame, report = builtin_frame(ctx, as_of, progress=progress)
        if frame is None:
            return report, None
        features = [
            f
            for f in catalog.MODEL_FEATURES
            if f in frame.columns and f not in spec.training.exclude_features
        ]
        cats = [c for c in catalog.CATEGORICAL_FEATURES if c in features]
        groups, one_hot = dict(reasons.BUILTIN_GROUPS), {}
    frame, note = without_treated(ctx, frame)
    report.warnings += note
    if frame.empty:
        report.problems.append(
            f"no training rows before {as_of}: the data must cover at least "
            f"{spec.entity.horizon_days} days before the training date"
        )
        return report, None
    got = Inputs(frame, features, cats, config, groups, one_hot, report.warnings, report.cold_start)
    return report, got
