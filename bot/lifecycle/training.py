"""``atrisk train``: audit the data, build the snapshots, train, judge, and register the model.

Built-in features come from the source tables (snapshots every ``snapshot_every_days`` over
``history_days``, labels over ``horizon_days``); a team's own ``account_features`` table is
used as it is (rows without a label are scored, never trained on). A model that passes the
gate goes ``live`` when there is none, else ``shadow``; one that fails stays a ``candidate``.
Until a trained model can serve (too few churned accounts, or none meeting the floor), the
rules score (``scoring.rules``) is registered live; the first trained model that meets the
floor and beats it on the same test rows replaces it.
Nothing is written unless the whole training succeeds: the model row is one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from bot.lifecycle.model_registry import BACKFILL, artifact_of
from bot.lifecycle.training_data import (
    Inputs,
    Progress,
    default_as_of,
    feature_params,
    train_config,
    training_inputs,
)
from bot.lifecycle.weekday_reference import attach_weekday_references
from scoring import catalog
from scoring.audit import AuditReport
from scoring.cold_start import rules_metrics
from scoring.errors import FeatureSpecError, NotEnoughSignal, ScoringError
from scoring.families import rules_artifact
from scoring.labels import split_by_time
from scoring.model_metrics import Gate, ModelMetrics
from scoring.registry import data_fingerprint, kind_of, next_version, serialise
from scoring.rules import DECLARED_WEIGHT, rule_weights
from scoring.train import TrainConfig, TrainResult, fit, prepare
from storage.models import ModelVersion
from storage.repositories import model_versions as repo

if TYPE_CHECKING:
    from bot.ports import Root
    from bot.spec import Spec


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
    kind: str = "lightgbm"  # the family of ``version``: lightgbm | logistic | rules
    live_version: str | None = None  # what serves after training
    candidate: str | None = None  # a trained model registered below the floor, rules serving
    candidate_metrics: ModelMetrics | None = None
    backfill_until: dt.date | None = None  # trained for past days: serves them up to this day

    @property
    def backfill(self) -> bool:
        return self.backfill_until is not None

    def backfill_sentence(self) -> str:
        """What a backfill training did, in words (empty when it was not one)."""
        if self.backfill_until is None:
            return ""
        usable = self.metrics.gate.passed
        head = (
            f"Model {self.version} was trained on data up to {self.as_of}, before the live "
            f"model {self.live_version}'s training date, so it does not replace it: "
            f"{self.live_version} stays live"
        )
        if not usable:
            return head + f", and {self.version} stays a candidate ({self.why})."
        return (
            head + f", and {self.version} is registered as a candidate that scores past days "
            f"from {self.as_of} to {self.backfill_until} (`atrisk score --as-of DAY`)."
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "live_version": self.live_version,
            "candidate": self.candidate,
            "candidate_metrics": (
                self.candidate_metrics.to_json() if self.candidate_metrics else None
            ),
            "as_of": self.as_of.isoformat(),
            "version": self.version,
            "state": self.state,
            "promoted": self.promoted,
            "why": self.why,
            "feature_source": self.feature_source,
            "split": self.split,
            "metrics": self.metrics.to_json(),
            "warnings": self.warnings,
            "backfill_until": self.backfill_until.isoformat() if self.backfill_until else None,
        }


def _refuse(problems: list[str]) -> None:
    if problems:
        raise NotEnoughSignal("training refused:\n" + "\n".join(f"- {p}" for p in problems))


def preflight(ctx: Root, report: AuditReport, got: Inputs) -> None:
    """Add to ``report`` every refusal ``train_model`` would give on ``got`` before fitting,
    in its words: with a trained model live, too little churn is a refusal (the live model
    stays); without one, it is why the rules score serves (``cold_start``)."""
    trained_live = live_kind(ctx) not in (None, "rules")
    unknown = unknown_rule_weights(ctx.spec, got.features)
    if unknown:
        report.problems.append(unknown)
    if got.cold_start:
        if trained_live:
            report.problems.extend(got.cold_start)
        elif not rules_of(ctx.spec, got.features)[0]:
            report.problems.append(NO_RULES)
        return
    try:
        prepare(got.frame, got.features, got.categorical, got.config, split=split_by_time)
    except NotEnoughSignal as thin:
        (report.problems if trained_live else report.cold_start).append(str(thin))
        if not trained_live and not rules_of(ctx.spec, got.features)[0]:
            report.problems.append(NO_RULES)
    except ScoringError as e:
        report.problems.append(str(e))


def live_kind(ctx: Root) -> str | None:
    """The family of the live model (lightgbm, logistic, rules), or None without one."""
    with ctx.uow() as uow:
        row = repo.in_state(uow.session, state="live")
        return None if row is None else kind_of(row.extras)


def unknown_rule_weights(spec: Spec, features: list[str]) -> str | None:
    """The refusal for ``rules.weights`` naming a column that is not a feature, or None."""
    unknown = [f for f in spec.rules.weights if f not in features]
    if not unknown:
        return None
    return (
        f"rules.weights names {', '.join(map(repr, unknown))}, not a feature of the training "
        f"data (features: {', '.join(features)})"
    )


def train_model(
    ctx: Root,
    *,
    as_of: dt.date | None = None,
    overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> TrainingReport:
    """Train on data before ``as_of`` and register the model (one transaction).

    Without a live trained model, a history too thin to train on (the audit's cold start,
    or too little churn in a part of the split) or a best candidate below the accuracy floor
    puts the rules score live (``scoring.rules``); a trained model that meets the floor and
    beats a live rules score on the same test rows replaces it.
    """
    ctx.require_schema()
    as_of = as_of or default_as_of(ctx)
    if ctx.spec.entity.kind == "lead":
        return _train_leads(ctx, as_of, train_config(ctx.spec, **(overrides or {})), progress)
    audited, got = training_inputs(ctx, as_of, overrides=overrides, progress=progress)
    unknown = unknown_rule_weights(ctx.spec, got.features) if got is not None else None
    _refuse(audited.problems + ([unknown] if unknown else []))
    assert got is not None
    with ctx.uow() as uow:
        row = repo.in_state(uow.session, state="live")
        trained_live = row is not None and kind_of(row.extras) != "rules"
        incumbent = artifact_of(row) if row is not None and not trained_live else None
    if got.cold_start:
        if trained_live:
            _refuse(got.cold_start)
        return serve_rules(ctx, got, as_of=as_of, why=got.cold_start)
    try:
        result = fit(
            got.frame,
            got.features,
            got.categorical,
            got.config,
            split=split_by_time,
            groups=got.groups,
            one_hot=got.one_hot,
            feature_source=ctx.spec.contract.features,
            incumbent=incumbent,
            directions=rule_directions(ctx.spec, got.features),
        )
    except NotEnoughSignal as thin:
        if trained_live:
            raise
        return serve_rules(ctx, got, as_of=as_of, why=[str(thin)])
    attach_weekday_references(ctx, result.model, as_of, feature_params(ctx.spec))
    report = register(ctx, result, as_of=as_of, warnings=got.warnings + result.warnings)
    if result.promoted or trained_live:
        return report
    rules = serve_rules(ctx, got, as_of=as_of, why=[result.why])
    return replace(rules, candidate=report.version, candidate_metrics=report.metrics)


def serve_rules(ctx: Root, got: Inputs, *, as_of: dt.date, why: list[str]) -> TrainingReport:
    """Register the rules score on ``got``'s rows as the live version, retiring a live rules
    score it replaces; its metrics are read on every labelled row (nothing is fitted but the
    probability scale)."""
    spec = ctx.spec
    weights, directions = rules_of(spec, got.features)
    if not weights:
        raise FeatureSpecError(NO_RULES)
    model = rules_artifact(got.frame, weights, directions, seed=got.config.seed)
    model.groups = {k: v for k, v in got.groups.items() if k in model.features}
    model.one_hot = {k: v for k, v in got.one_hot.items() if k in model.features}
    model.feature_source = spec.contract.features
    metrics = rules_metrics(model, got.frame, got.config)
    reason = "; ".join(why)
    serves = f"the rules score serves until a trained model meets the floor and beats it: {reason}"
    result = TrainResult(
        model=model,
        metrics=replace(metrics, gate=Gate(True, serves)),
        params={"kind": "rules", "weights": weights},
        promoted=True,
        why=serves,
        train_start=got.frame["as_of"].min() if "as_of" in got.frame else None,
        train_end=got.frame["as_of"].max() if "as_of" in got.frame else None,
        fingerprint=data_fingerprint(got.frame[["account_id", *model.features]]),
        split_sentence=metrics.split,
        warnings=[],
    )
    attach_weekday_references(ctx, model, as_of, feature_params(spec))
    return register(ctx, result, as_of=as_of, warnings=got.warnings)


NO_RULES = (
    "the rules score has no feature to score on: give features a weight in rules.weights "
    "(and, for account_features, a direction in contract.columns)"
)


def rules_of(spec: Spec, features: list[str]) -> tuple[dict[str, float], dict[str, bool | None]]:
    """The rules score's weights (documented defaults, then ``rules.weights``) and directions."""
    directions = rule_directions(spec, features)
    declared = DECLARED_WEIGHT if spec.contract.features == "account_features" else 0.0
    weights = rule_weights(features, directions, spec.rules.weights, declared_weight=declared)
    return weights, directions


def rule_directions(spec: Spec, features: list[str]) -> dict[str, bool | None]:
    """Which way each feature is risky: the catalog, or ``contract.columns`` for a team's own."""
    if spec.contract.features == "account_features":
        declared = spec.declared_columns()
        return {f: declared[f].higher_is_riskier if f in declared else None for f in features}
    return {
        f: catalog.FEATURES[f].higher_is_riskier if f in catalog.FEATURES else None
        for f in features
    }


def _train_leads(
    ctx: Root, as_of: dt.date, config: TrainConfig, progress: Progress | None
) -> TrainingReport:
    """``entity: lead``: lead snapshots, the same preflight as ``atrisk audit`` under a lead
    spec (``lead_inputs``), the same gate, the lead product's registry."""
    from bot.lifecycle.lead_training import fit_leads, lead_inputs

    audited, frame = lead_inputs(ctx, as_of, config, progress=progress)
    _refuse(audited.problems)
    assert frame is not None
    result = fit_leads(frame, config)
    return register(ctx, result, as_of=as_of, warnings=audited.warnings + result.warnings)


def register(
    ctx: Root, result: TrainResult, *, as_of: dt.date, warnings: list[str]
) -> TrainingReport:
    """Write the model row: live if none is (or over a live rules score), shadow beside a live
    trained model, else candidate."""
    with ctx.uow() as uow:
        session = uow.session
        live = repo.in_state(session, state="live")
        over_rules = live is not None and kind_of(live.extras) == "rules"
        backfill = backfill_of(live, as_of)
        state = "candidate"
        if result.promoted and backfill is None:
            state = "live" if live is None or over_rules else "shadow"
        version = next_version(as_of, repo.version_names(session))
        if backfill is not None:
            result.params = {**result.params, BACKFILL: backfill.isoformat()}
        if state == "shadow":
            old = repo.in_state(session, state="shadow")
            if old is not None:
                repo.set_state(session, old, state="retired", note=f"shadow replaced by {version}")
        if state == "live" and live is not None:
            repo.set_state(session, live, state="retired", note=f"replaced by {version}")
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
        kind=result.model.kind,
        live_version=version if state == "live" else (live.version if live else None),
        backfill_until=backfill - dt.timedelta(days=1) if backfill is not None else None,
    )


def backfill_of(live: ModelVersion | None, as_of: dt.date) -> dt.date | None:
    """The live model's training day when ``as_of`` is before it (training for a backfill:
    the new model serves past days and never replaces the live one), else None."""
    if live is None or live.trained_as_of is None or as_of >= live.trained_as_of:
        return None
    return live.trained_as_of


def _date(value: Any) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()
