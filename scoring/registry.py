"""Model artifacts: the model as text plus JSON extras, and the hash that guards them.

Three kinds share one format. A LightGBM model is stored as ``booster.model_to_string()``; a
logistic model as the canonical JSON of its coefficients and preprocessing
(``Baseline.to_json``); the rules score as the canonical JSON of its weights, directions and
scales (``RulesModel.to_json``). Either text is stored with its SHA-256; calibration, the comparison
baseline, category levels and drift references are JSON numbers in ``extras`` (``kind`` says
which model it is). Every load checks the hash first, so a model changed after training is
refused. Nothing is pickled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import lightgbm as lgb
import numpy as np
import pandas as pd

from scoring.baseline import Baseline
from scoring.calibration import Calibration
from scoring.drift import Reference
from scoring.drift_reference import WeekdayReferences
from scoring.errors import ArtifactTampered
from scoring.rules import RULES_NOTE, RulesModel

EXTRAS_SCHEMA = 1
Kind = Literal["lightgbm", "logistic", "rules"]
KIND_NAMES: dict[str, str] = {
    "lightgbm": "LightGBM",
    "logistic": "logistic regression",
    "rules": "rules score",
}


def kind_of(extras: dict[str, Any] | None) -> Kind:
    """The model family recorded in a registry row's extras (LightGBM when unrecorded)."""
    kind = (extras or {}).get("kind")
    return kind if kind in ("logistic", "rules") else "lightgbm"


def served_by(version: str, kind: str) -> str:
    """How a surface names what scored: ``rules score 2026-11-22.1`` or ``model 2026-11-22.1``."""
    return f"rules score {version}" if kind == "rules" else f"model {version}"


def described(version: str, kind: str) -> str:
    """``served_by`` with, for the rules score, what it is (``scoring.rules.RULES_NOTE``)."""
    return f"rules score {version} ({RULES_NOTE})" if kind == "rules" else version


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def data_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 over a frame's shape, column names and content (row order included)."""
    h = hashlib.sha256()
    h.update(f"{frame.shape[0]}x{frame.shape[1]}|{'|'.join(map(str, frame.columns))}".encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()


def next_version(day: dt.date, existing: list[str]) -> str:
    """``YYYY-MM-DD.N``: the day's next free sequence number."""
    prefix = f"{day.isoformat()}."
    tails = [v[len(prefix) :] for v in existing if v.startswith(prefix)]
    taken = [int(t) for t in tails if t.isdigit()]
    return f"{prefix}{max(taken, default=0) + 1}"


def json_safe(value: Any) -> Any:
    """Replace NaN/inf by None and numpy scalars by Python ones, so any JSON column accepts it."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class ModelArtifact:
    """Everything needed to score with a model, rebuilt from its stored text and extras."""

    version: str
    booster: lgb.Booster | None  # None for a logistic model
    features: list[str]
    categories: dict[str, list[str]]
    calibration: Calibration
    baseline: Baseline | None
    references: dict[str, Reference]
    feature_source: str = "builtin"
    groups: dict[str, str] = field(default_factory=dict)
    one_hot: dict[str, str] = field(default_factory=dict)
    typical: dict[str, float] = field(default_factory=dict)  # training medians
    kind: Kind = "lightgbm"
    linear: Baseline | None = None  # the model itself when ``kind`` is logistic
    weekday_references: WeekdayReferences | None = None  # drift, per weekday of the cut-off
    rules: RulesModel | None = None  # the model itself when ``kind`` is rules

    def extras(self) -> dict[str, Any]:
        return json_safe(
            {
                "schema": EXTRAS_SCHEMA,
                "kind": self.kind,
                "categories": self.categories,
                "calibration": self.calibration.to_json(),
                "baseline": self.baseline.to_json() if self.baseline else None,
                "references": {k: r.to_json() for k, r in self.references.items()},
                "groups": self.groups,
                "one_hot": self.one_hot,
                "typical": self.typical,
                "weekday_references": (
                    self.weekday_references.to_json() if self.weekday_references else None
                ),
            }
        )

    def text(self) -> str:
        """The stored artifact: LightGBM's model text, or the logistic model's or the rules'
        canonical JSON."""
        if self.kind == "rules":
            assert self.rules is not None
            return self.rules.text()
        if self.kind == "logistic":
            assert self.linear is not None
            return json.dumps(json_safe(self.linear.to_json()))  # key order is column order
        assert self.booster is not None
        return str(self.booster.model_to_string())


def serialise(model: ModelArtifact) -> tuple[str, str, dict[str, Any]]:
    """``(artifact text, its SHA-256, extras JSON)`` for the ``model_versions`` row."""
    text = model.text()
    return text, sha256_text(text), model.extras()


def load(
    *,
    version: str,
    artifact: str,
    artifact_sha256: str,
    features: list[str],
    extras: dict[str, Any],
    feature_source: str = "builtin",
) -> ModelArtifact:
    """Rebuild a model from its row; a hash mismatch or unreadable text is ``ArtifactTampered``."""
    if sha256_text(artifact) != artifact_sha256:
        raise ArtifactTampered(
            f"model {version} does not match its SHA-256: it was changed after training; "
            "retrain or restore it"
        )
    kind = kind_of(extras)
    booster: lgb.Booster | None = None
    linear: Baseline | None = None
    rules: RulesModel | None = None
    try:
        if kind == "rules":
            rules = RulesModel.from_json(json.loads(artifact))
            names = list(rules.features)
        elif kind == "logistic":
            linear = Baseline.from_json(json.loads(artifact))
            names = [*linear.numeric, *linear.categorical]
        else:
            booster = lgb.Booster(model_str=artifact)
            names = list(booster.feature_name())
        calibration = Calibration.from_json(extras["calibration"])
        baseline = Baseline.from_json(extras["baseline"]) if extras.get("baseline") else None
        references = {
            k: Reference.from_json(k, v) for k, v in (extras.get("references") or {}).items()
        }
        weekdays = extras.get("weekday_references")
        weekday_references = WeekdayReferences.from_json(weekdays) if weekdays else None
    except (lgb.basic.LightGBMError, KeyError, TypeError, ValueError, AttributeError) as e:
        raise ArtifactTampered(
            f"model {version} cannot be read ({type(e).__name__}: {e}); retrain or restore it"
        ) from None
    if sorted(names) != sorted(features) or (booster is not None and names != list(features)):
        raise ArtifactTampered(
            f"model {version} lists features that differ from its artifact; retrain or restore it"
        )
    return ModelArtifact(
        version=version,
        booster=booster,
        features=list(features),
        categories={k: [str(x) for x in v] for k, v in (extras.get("categories") or {}).items()},
        calibration=calibration,
        baseline=baseline,
        references=references,
        feature_source=feature_source,
        groups={str(k): str(v) for k, v in (extras.get("groups") or {}).items()},
        one_hot={str(k): str(v) for k, v in (extras.get("one_hot") or {}).items()},
        typical={
            str(k): float(v) for k, v in (extras.get("typical") or {}).items() if v is not None
        },
        kind=kind,
        linear=linear,
        weekday_references=weekday_references,
        rules=rules,
    )
