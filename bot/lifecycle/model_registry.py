"""The model registry as people use it: load a version (hash-checked), list, promote, retire.

One ``live`` model alerts; at most one ``shadow`` is scored beside it and never posted.
Promoting makes a version live and retires the previous live one; a version that failed the
promotion gate is promoted only when forced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from bot.errors import AtriskError
from scoring import registry
from scoring.evaluate import METRIC_NAMES, matured_metric
from scoring.model_metrics import ModelMetrics
from scoring.registry import ModelArtifact
from storage.models import ModelVersion
from storage.repositories import model_versions as repo
from storage.repositories.scores import matured_pairs

BACKFILL = "backfill_before"  # in a model's ``params``: trained for days before this live day


class NoLiveModel(AtriskError):
    """There is no live model to score with."""


class ModelNotFound(AtriskError):
    """A version named on the command line does not exist."""


class NoModelForDate(AtriskError):
    """Every servable model was trained with data from after the day asked for."""


class PromotionRefused(AtriskError):
    """A promotion or retirement that would break the registry's rules."""


def artifact_of(row: ModelVersion) -> ModelArtifact:
    """The scoring model of a registry row; ``ArtifactTampered`` when its hash does not match."""
    return registry.load(
        version=row.version,
        artifact=row.artifact,
        artifact_sha256=row.artifact_sha256,
        features=list(row.features),
        extras=dict(row.extras or {}),
        feature_source=row.feature_source,
    )


def require_live(session: Session) -> ModelVersion:
    row = repo.in_state(session, state="live")
    if row is None:
        raise NoLiveModel(
            "there is no live model yet: run `atrisk train` (or promote a version with "
            "`atrisk model promote VERSION`)"
        )
    return row


def model_for_day(
    session: Session, as_of: dt.date, *, metric: str = "roc_auc", floor: float | None = None
) -> tuple[ModelVersion, str | None]:
    """The model to score ``as_of`` with, and a note when it is not the live one.

    The live model serves any day from its training date on. An earlier day is scored with
    the newest model (live, shadow, retired, or a candidate trained for a backfill with
    ``atrisk train --as-of``) trained on or before it, so no label from after
    the day reaches its scores; with none, ``NoModelForDate`` says so, naming a model trained
    for the day that failed the accuracy gate (its ``metric`` against ``floor``) if there is one.
    """
    live = require_live(session)
    if live.trained_as_of is None or as_of >= live.trained_as_of:
        return live, None
    before = [
        row
        for row in repo.list_versions(session)
        if (row.state in ("live", "shadow", "retired") or trained_for_backfill(row))
        and row.trained_as_of is not None
        and row.trained_as_of <= as_of
    ]
    earlier = [row for row in before if ModelMetrics.from_json(row.metrics).gate.passed]
    measured = [row for row in before if ModelMetrics.from_json(row.metrics).metric(metric)]
    if not earlier and measured:
        failed = max(measured, key=lambda r: (r.trained_as_of or as_of, r.id))
        value = ModelMetrics.from_json(failed.metrics).metric(metric) or 0.0
        reading = f"its {metric} {value:.3f}"
        bar = f" {floor:.2f}" if floor is not None else ""
        raise NoModelForDate(
            f"cannot score {as_of}: the live model {live.version} was trained on data up to "
            f"{live.trained_as_of}, so its scores for an earlier day would know the future, and "
            f"the model trained for it, {failed.version} (data up to {failed.trained_as_of}), "
            f"failed the accuracy gate: {reading} is below accuracy.floor{bar}. Train again "
            f"with `atrisk train --as-of {as_of}` over a longer history "
            "(training.history_days), lower accuracy.floor if that accuracy is useful, or score "
            f"a day from {live.trained_as_of} on"
        )
    if not earlier:
        raise NoModelForDate(
            f"cannot score {as_of}: the live model {live.version} was trained on data up to "
            f"{live.trained_as_of}, so its scores for an earlier day would know the future, and "
            f"no model trained on or before {as_of} exists; train one for past days with "
            f"`atrisk train --as-of {as_of}` first (the live model stays live), or score a day "
            f"from {live.trained_as_of} on"
        )
    row = max(earlier, key=lambda r: (r.trained_as_of, r.id))
    return row, (
        f"{as_of} is before the live model's training date {live.trained_as_of}: scored with "
        f"{row.version}, trained on data up to {row.trained_as_of}"
    )


def trained_for_backfill(row: ModelVersion) -> bool:
    """A candidate trained for days before the live model's (``atrisk train --as-of``)."""
    return row.state == "candidate" and bool((row.params or {}).get(BACKFILL))


def require_version(session: Session, version: str) -> ModelVersion:
    row = repo.get_version(session, version=version)
    if row is None:
        known = ", ".join(repo.version_names(session)[-5:]) or "none yet"
        raise ModelNotFound(f"no model version {version!r} (recent versions: {known})")
    return row


def promote(session: Session, version: str, *, force: bool = False) -> str:
    """Make ``version`` live (hash-checked) and retire the current live one; a sentence back."""
    row = require_version(session, version)
    if row.state == "live":
        return f"model {version} is already live"
    gate = ModelMetrics.from_json(row.metrics).gate
    if not gate.passed and not force:
        raise PromotionRefused(
            f"model {version} did not pass the promotion gate "
            f"({gate.why}); promote it anyway with --force"
        )
    artifact_of(row)  # refuse a tampered artifact before it can go live
    old = repo.in_state(session, state="live")
    if old is not None:
        repo.set_state(session, old, state="retired", note=f"replaced by {version}")
    repo.set_state(session, row, state="live", note=f"promoted on {dt.date.today()}")
    return f"model {version} is live" + (f"; {old.version} is retired" if old else "")


def retire(session: Session, version: str) -> str:
    row = require_version(session, version)
    if row.state == "retired":
        return f"model {version} is already retired"
    was = row.state
    repo.set_state(session, row, state="retired", note=f"retired on {dt.date.today()}")
    tail = (
        "; there is no live model now: scoring stops until one is promoted" if was == "live" else ""
    )
    return f"model {version} ({was}) is retired{tail}"


@dataclass(frozen=True)
class Comparison:
    """Shadow vs live on the same matured scores, by the spec's ``accuracy.metric``."""

    live: str
    shadow: str
    rows: int
    churned: int
    metric: str
    live_value: float | None
    shadow_value: float | None

    @property
    def metric_name(self) -> str:
        return METRIC_NAMES[self.metric]

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def compare_shadow(
    session: Session, *, through: dt.date, horizon_days: int, metric: str = "roc_auc"
) -> Comparison | None:
    """The shadow-vs-live comparison on matured outcomes, or None without both models."""
    live = repo.in_state(session, state="live")
    shadow = repo.in_state(session, state="shadow")
    if live is None or shadow is None:
        return None
    pairs = matured_pairs(
        session, live_id=live.id, shadow_id=shadow.id, through=through, horizon_days=horizon_days
    )
    y = pairs["churned"].to_numpy()
    on_live, on_shadow = (matured_metric(y, pairs[c], metric) for c in ("live", "shadow"))
    return Comparison(
        live.version,
        shadow.version,
        len(y),
        int(y.sum()),
        metric,
        None if on_live.value is None else round(on_live.value, 4),
        None if on_shadow.value is None else round(on_shadow.value, 4),
    )


def summary(row: ModelVersion) -> dict[str, Any]:
    """One line of ``atrisk model list``."""
    m = ModelMetrics.from_json(row.metrics)
    test, base = m.test, m.baseline_test
    return {
        "version": row.version,
        "kind": registry.kind_of(row.extras),
        "state": row.state,
        "created_at": row.created_at,
        "trained_as_of": row.trained_as_of,
        "train_window": [row.train_start, row.train_end],
        "feature_source": row.feature_source,
        "roc_auc": test.roc_auc,
        "baseline_roc_auc": base.roc_auc,
        "pr_auc": test.pr_auc,
        "ece": test.ece,
        "gate": {"passed": m.gate.passed, "why": m.gate.why},
        "backfill_before": (row.params or {}).get(BACKFILL),
        "data_fingerprint": row.data_fingerprint,
        "artifact_sha256": row.artifact_sha256,
    }
