"""``atrisk train``: audit the data, build the snapshots, train, judge, and register the model.

Built-in features come from the source tables (snapshots every ``snapshot_every_days`` over
``history_days``, labels over ``horizon_days``); a team's own ``account_features`` table is
used as it is (rows without a label are scored, never trained on). A model that passes the
gate goes ``live`` when there is none, else ``shadow``; one that fails stays a ``candidate``.
Nothing is written unless the whole training succeeds: the model row is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from scoring import catalog, reasons
from scoring.audit import audit, audit_account_features, check_columns
from scoring.errors import FeatureSpecError, NotEnoughSignal
from scoring.features import FeatureParams, lookback_days
from scoring.labels import LABEL, drop_treated, split_by_time, training_set
from scoring.model_metrics import ModelMetrics
from scoring.registry import next_version, serialise
from scoring.train import TrainConfig, TrainResult, fit
from storage.repositories import model_versions as repo
from storage.repositories.feedback import treated_accounts
from storage.repositories.scores import latest_data_date
from storage.repositories.sources import load_account_features, load_sources

if TYPE_CHECKING:
    from bot.ports import Root
    from bot.spec import Spec

BYO_LABEL = "churned_within_horizon"
BYO_KEYS = ("account_id", "as_of", BYO_LABEL)

Progress = Callable[[int, int], None]


@dataclass
class TrainingReport:
    """What ``atrisk train`` says: the version and state, why, the metrics and any warnings."""

    as_of: dt.date
    version: str
    state: str
    promoted: bool
    why: str
    feature_source: str
    split: str
    metrics: ModelMetrics
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "version": self.version,
            "state": self.state,
            "promoted": self.promoted,
            "why": self.why,
            "feature_source": self.feature_source,
            "split": self.split,
            "metrics": self.metrics.to_json(),
            "warnings": self.warnings,
        }


def feature_params(spec: Spec) -> FeatureParams:
    return FeatureParams(
        key_features=tuple(spec.contract.key_features) or FeatureParams().key_features,
        horizon_days=spec.entity.horizon_days,
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
    )
    return replace(base, **overrides)


def default_as_of(ctx: Root) -> dt.date:
    """The day after the newest ingested data (so every stored day is used), else today."""
    with ctx.uow() as uow:
        through = latest_data_date(uow.session)
    return through + dt.timedelta(days=1) if through else dt.datetime.now(dt.UTC).date()


def _refuse(problems: list[str]) -> None:
    if problems:
        raise NotEnoughSignal("training refused:\n" + "\n".join(f"- {p}" for p in problems))


def builtin_frame(
    ctx: Root, as_of: dt.date, *, progress: Progress | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Audited training snapshots from the source tables, and the audit's warnings.

    The cheap label audit runs first, so a hopeless history is refused before any feature
    is built; the feature columns are checked once the snapshots exist.
    """
    spec = ctx.spec
    params = feature_params(spec)
    history, every = spec.training.history_days, spec.training.snapshot_every_days
    since = as_of - dt.timedelta(days=history + spec.entity.horizon_days + lookback_days(params))
    src = load_sources(ctx.source_engine, since=since, until=as_of)
    report = audit(
        src,
        as_of,
        params,
        history_days=history,
        every_days=every,
        min_positives=spec.training.min_positives,
    )
    _refuse(report.problems)
    frame = training_set(
        src, as_of, params, every_days=every, history_days=history, progress=progress
    )
    check_columns(report, frame, [c for c in catalog.MODEL_FEATURES if c in frame.columns])
    _refuse(report.problems)
    return frame, list(report.warnings)


def byo_frame(ctx: Root, as_of: dt.date) -> tuple[pd.DataFrame, list[str]]:
    """Labelled rows of the team's ``account_features`` up to ``as_of``, label as ``label``."""
    spec = ctx.spec
    table = load_account_features(ctx.source_engine)
    if table.empty:
        raise NotEnoughSignal(
            "the account_features table is empty: ingest it (`atrisk ingest SOURCE`) first"
        )
    absent = [k for k in spec.contract.key_features if k not in table.columns]
    if absent:
        columns = ", ".join(c for c in table.columns if c not in BYO_KEYS)
        raise FeatureSpecError(
            f"contract.key_features names {', '.join(map(repr, absent))}, which "
            f"{'is not a column' if len(absent) == 1 else 'are not columns'} of "
            f"account_features (its columns: {columns})"
        )
    table = table[table["as_of"] <= pd.Timestamp(as_of)]
    report = audit_account_features(table, min_positives=spec.training.min_positives)
    _refuse(report.problems)
    labelled = table[table[BYO_LABEL].notna()].rename(columns={BYO_LABEL: LABEL})
    labelled[LABEL] = labelled[LABEL].astype(int)
    return labelled, list(report.warnings)


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


def train_model(
    ctx: Root,
    *,
    as_of: dt.date | None = None,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> TrainingReport:
    """Train on data before ``as_of`` and register the model (one transaction)."""
    ctx.require_schema()
    spec = ctx.spec
    as_of = as_of or default_as_of(ctx)
    config = train_config(spec, **(overrides or {}))
    source = spec.contract.features
    if spec.entity.kind == "lead":
        return _train_leads(ctx, as_of, config, progress)
    if source == "account_features":
        frame, warnings = byo_frame(ctx, as_of)
        features, cats = byo_features(frame)
        warnings += undeclared_warning(features, spec.contract.columns)
        config = replace(config, drop_empty_features=False)
        groups: dict[str, str] = {}
        one_hot = reasons.one_hot_groups(frame, [f for f in features if f not in cats])
    else:
        frame, warnings = builtin_frame(ctx, as_of, progress=progress)
        features = [
            f
            for f in catalog.MODEL_FEATURES
            if f in frame.columns and f not in spec.training.exclude_features
        ]
        cats = [c for c in catalog.CATEGORICAL_FEATURES if c in features]
        groups, one_hot = dict(reasons.BUILTIN_GROUPS), {}
    frame, note = without_treated(ctx, frame)
    warnings = warnings + note
    if frame.empty:
        raise NotEnoughSignal(
            f"no training rows before {as_of}: the data must cover at least "
            f"{spec.entity.horizon_days} days before the training date"
        )
    result = fit(
        frame,
        features,
        cats,
        config,
        split=split_by_time,
        groups=groups,
        one_hot=one_hot,
        feature_source=source,
    )
    return register(ctx, result, as_of=as_of, warnings=warnings + result.warnings)


def _train_leads(
    ctx: Root, as_of: dt.date, config: TrainConfig, progress: Progress | None
) -> TrainingReport:
    """``entity: lead``: lead snapshots, the same gate, the lead product's registry."""
    from bot.lifecycle.lead_training import fit_leads, lead_frame

    frame, warnings = lead_frame(ctx, as_of, progress=progress)
    frame, note = without_treated(ctx, frame)
    result = fit_leads(frame, config)
    return register(ctx, result, as_of=as_of, warnings=warnings + note + result.warnings)


def register(
    ctx: Root, result: TrainResult, *, as_of: dt.date, warnings: list[str]
) -> TrainingReport:
    """Write the model row: live if none is, shadow beside a live one, else candidate."""
    with ctx.uow() as uow:
        session = uow.session
        live = repo.in_state(session, state="live")
        state = "candidate" if not result.promoted else ("shadow" if live else "live")
        version = next_version(as_of, repo.version_names(session))
        if state == "shadow":
            old = repo.in_state(session, state="shadow")
            if old is not None:
                repo.set_state(session, old, state="retired", note=f"shadow replaced by {version}")
        result.model.version = version
        text, sha, extras = serialise(result.model)
        repo.add_version(
            session,
            version=version,
            state=state,
            trained_as_of=as_of,
            train_start=_date(result.train_start),
            train_end=_date(result.train_end),
            feature_source=result.model.feature_source,
            features=result.model.features,
            params=result.params,
            metrics=result.metrics.to_json(),
            data_fingerprint=result.fingerprint,
            artifact=text,
            artifact_sha256=sha,
            extras=extras,
            note=result.why,
        )
        uow.commit()
    return TrainingReport(
        as_of=as_of,
        version=version,
        state=state,
        promoted=result.promoted,
        why=result.why,
        feature_source=result.model.feature_source,
        split=result.split_sentence,
        metrics=result.metrics,
        warnings=warnings,
    )


def _date(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()
