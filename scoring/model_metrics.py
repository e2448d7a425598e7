"""What training measured about a model version, as stored on its registry row.

Training writes one ``ModelMetrics`` (``to_json``) and everything that reads a model's
metrics goes through ``ModelMetrics.from_json``: the test period's metrics of the model and of
the baseline, the same per segment (the bias audit), the row counts of the split, and the
promotion gate's verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class PeriodMetrics:
    """One set of rows: ranking, the alert budget and calibration (None: undefined there)."""

    rows: int = 0
    positives: int = 0
    roc_auc: float | None = None
    pr_auc: float | None = None
    flagged: int = 0
    precision_at_budget: float | None = None
    recall_at_budget: float | None = None
    brier: float | None = None
    ece: float | None = None
    note: str | None = None  # why a metric is missing (e.g. too few churned rows)

    def get(self, name: str) -> float | None:
        """A metric by its spec name (``roc_auc``, ``pr_auc``, ``ece``…)."""
        if name not in PERIOD_FIELDS:
            raise KeyError(f"unknown metric {name!r}: choose one of {', '.join(PERIOD_FIELDS)}")
        value = getattr(self, name)
        return None if value is None else float(value)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> PeriodMetrics:
        return cls(**{k: v for k, v in (data or {}).items() if k in PERIOD_FIELDS})


PERIOD_FIELDS = tuple(PeriodMetrics.__dataclass_fields__)


@dataclass(frozen=True)
class Gate:
    """The promotion gate's verdict and why."""

    passed: bool = False
    why: str = "no gate result"


@dataclass(frozen=True)
class ModelMetrics:
    """The metrics stored on a model version (``model_versions.metrics``)."""

    test: PeriodMetrics = field(default_factory=PeriodMetrics)
    baseline_test: PeriodMetrics = field(default_factory=PeriodMetrics)
    by_segment: dict[str, PeriodMetrics] = field(default_factory=dict)
    gate: Gate = field(default_factory=Gate)
    best_iteration: int | None = None
    rows: dict[str, int] = field(default_factory=dict)
    split: str = ""
    kind: str = "lightgbm"  # the model family chosen: lightgbm | logistic
    candidates: dict[str, dict[str, Any]] = field(default_factory=dict)  # ROC AUC and interval

    def metric(self, name: str) -> float | None:
        """The model's test-period value of ``name`` (the spec's ``accuracy.metric``)."""
        return self.test.get(name)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ModelMetrics:
        """Read what training stored (an empty or missing record reads as no metrics)."""
        data = data or {}
        gate = data.get("gate") or {}
        segments = data.get("by_segment") or {}
        return cls(
            test=PeriodMetrics.from_json(data.get("test")),
            baseline_test=PeriodMetrics.from_json(data.get("baseline_test")),
            by_segment={str(k): PeriodMetrics.from_json(v) for k, v in segments.items()},
            gate=Gate(bool(gate.get("passed", False)), str(gate.get("why", Gate.why))),
            best_iteration=data.get("best_iteration"),
            rows={str(k): int(v) for k, v in (data.get("rows") or {}).items()},
            split=str(data.get("split") or ""),
            kind=str(data.get("kind") or "lightgbm"),
            candidates={str(k): dict(v) for k, v in (data.get("candidates") or {}).items()},
        )
