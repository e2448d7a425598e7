"""What the day serves: fresh scores or the last good run's, decided from values alone.

``decide_day`` takes what the daily job learned (the scoring result or the cause that stopped
it, the drift reading inside the result, the model state, the last good run) and returns a
``DayPlan``: fresh or fallback with its cause, which run's flagged accounts become alert
candidates, and how the model state moves. It reads no database, env or Slack; the job writes
the plan in one transaction (``bot.daily.day_writer``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from bot.spec import Spec

# cause code -> whose owners are told (``owners.data`` / ``owners.model`` in the spec)
CAUSES: dict[str, str] = {
    "disabled": "model",
    "invalid_input": "data",
    "stale_input": "data",
    "accuracy_below_floor": "model",
    "run_failed": "model",
    "drift": "model",
}


@dataclass(frozen=True)
class FallbackCause:
    """Why the day is not served from fresh model output: a code and a sentence with the facts."""

    code: str
    detail: str

    def __post_init__(self) -> None:
        if self.code not in CAUSES:
            raise ValueError(f"unknown fallback cause {self.code!r}; one of {sorted(CAUSES)}")

    def text(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass(frozen=True)
class FlaggedAccount:
    """A flagged account of a run: its risk, rank, reasons and the feature values behind them."""

    account_id: str
    risk: float
    rank: int
    reasons: list[dict[str, Any]]
    features: dict[str, Any] = field(default_factory=dict)
    model_version_id: int | None = None


@dataclass(frozen=True)
class ScoringResult:
    """One model run over the day's features, not yet written.

    ``scores`` are the score rows (live and shadow) without their run id; ``drift`` the PSI
    rows (``feature, psi, drifted``); ``flagged`` the live model's flagged accounts by rank.
    """

    as_of: dt.date
    model_version_id: int
    model_version: str
    scores: list[dict[str, Any]]
    drift: list[dict[str, Any]]
    flagged: list[FlaggedAccount]
    n_scored: int
    shadow_version: str | None = None
    warnings: list[str] = field(default_factory=list)
    frame: pd.DataFrame | None = None  # the live scores, for ``atrisk score --out``
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class LastGood:
    """The newest fresh run in the fallback window, with its flagged accounts."""

    run_id: int
    as_of: dt.date
    flagged: list[FlaggedAccount]


@dataclass(frozen=True)
class DayPlan:
    """What the day serves. ``cause`` None: fresh scores; else fallback from ``served``
    (None: no good scores in the window, nothing new is alerted)."""

    as_of: dt.date
    cause: FallbackCause | None
    served: LastGood | None
    candidates: list[FlaggedAccount]
    state_change: str | None = None  # "fallback" | "active" | None

    @property
    def fallback(self) -> bool:
        return self.cause is not None


# Features that move by construction as days pass (a customer base ages, renewals come
# round): their drift is expected, reported, and never pauses the model.
SHIFTS_BY_CONSTRUCTION = frozenset({"tenure_days", "days_to_renewal", "renewal_within_horizon"})


def drift_cause(drift: Sequence[Mapping[str, Any]], spec: Spec) -> FallbackCause | None:
    """Drift: more than ``drift.max_drifted_features`` features over ``drift.psi_threshold``,
    not counting features that shift by construction (``SHIFTS_BY_CONSTRUCTION``)."""
    threshold, most = spec.drift.psi_threshold, spec.drift.max_drifted_features
    over = sorted(
        (
            (str(d["feature"]), float(d["psi"]))
            for d in drift
            if float(d["psi"]) > threshold and d["feature"] not in SHIFTS_BY_CONSTRUCTION
        ),
        key=lambda fp: -fp[1],
    )
    if len(over) <= most:
        return None
    named = ", ".join(f"{f} (PSI {psi:.2f})" for f, psi in over[:5])
    more = f" and {len(over) - 5} more" if len(over) > 5 else ""
    return FallbackCause(
        "drift",
        f"{len(over)} features drifted over PSI {threshold} (at most {most} allowed): "
        f"{named}{more}",
    )


def decide_day(
    *,
    as_of: dt.date,
    scoring: ScoringResult | None,
    cause: FallbackCause | None,
    model_state: str,
    last_good: LastGood | None,
    spec: Spec,
    newest_day: bool = True,
) -> DayPlan:
    """Fresh when the model scored and drift stays within the limit; otherwise the last good
    run's flagged accounts (or none) with the cause.

    ``cause`` is what stopped the day before or while scoring (disabled, refused or stale
    input, accuracy below the floor, a failed run). ``model_state`` is the kill switch's
    state: only a good newest day leaves ``fallback``, nothing here leaves ``disabled``, and
    replaying an old day (``newest_day`` False) never moves it.
    """
    if cause is None and scoring is None:
        raise ValueError("decide_day needs a scoring result or the cause that stopped it")
    if cause is None and scoring is not None:
        cause = drift_cause(scoring.drift, spec)
    if cause is None and scoring is not None:
        back = newest_day and model_state == "fallback"
        return DayPlan(as_of, None, None, list(scoring.flagged), "active" if back else None)
    assert cause is not None
    enter = newest_day and model_state != "disabled"
    candidates = list(last_good.flagged) if last_good is not None else []
    return DayPlan(as_of, cause, last_good, candidates, "fallback" if enter else None)
