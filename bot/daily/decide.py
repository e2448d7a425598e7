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
from scoring.drift_reading import PSI_CAP, weighted_psi

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
    floor_note: str | None = None  # surface.risk_floor cut the flagged list (also a warning)


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
    drift_warning: str | None = None  # drift that matters but has not persisted: no pause

    @property
    def fallback(self) -> bool:
        return self.cause is not None


def drift_cause(
    drift: Sequence[Mapping[str, Any]], spec: Spec, earlier: Sequence[float | None] = ()
) -> FallbackCause | None:
    """Drift pauses the model when it matters and persists: the importance-weighted PSI
    (``scoring.drift_reading``) is over ``drift.pause_weighted_psi`` on this run and on the
    ``drift.persist_runs - 1`` scored runs before it (``earlier``, newest first)."""
    level, runs = spec.drift.pause_weighted_psi, spec.drift.persist_runs
    today = weighted_psi(drift)
    if today is None or today <= level:
        return None
    before = list(earlier)[: runs - 1]
    if len(before) < runs - 1 or any(w is None or w <= level for w in before):
        return None
    streak = ", ".join(f"{w:.2f}" for w in reversed(before))
    return FallbackCause(
        "drift",
        f"importance-weighted PSI {today:.2f} over drift.pause_weighted_psi {level} on "
        f"{runs} consecutive runs"
        + (f" (before: {streak})" if streak else "")
        + "; most: "
        + _heaviest(drift),
    )


def drift_warning(drift: Sequence[Mapping[str, Any]], spec: Spec) -> str | None:
    """A warning when the day's drift matters but has not persisted (yet): no pause."""
    level = spec.drift.pause_weighted_psi
    today = weighted_psi(drift)
    if today is None or today <= level:
        return None
    runs = spec.drift.persist_runs
    return (
        f"importance-weighted PSI {today:.2f} is over drift.pause_weighted_psi {level}; the "
        f"model pauses if it stays over on {runs} consecutive runs; most: {_heaviest(drift)}"
    )


def _heaviest(drift: Sequence[Mapping[str, Any]], n: int = 3) -> str:
    """The features adding most to the weighted PSI, with their PSI and weight."""
    rows = sorted(
        drift, key=lambda d: -float(d.get("weight") or 0.0) * min(float(d["psi"]), PSI_CAP)
    )[:n]
    return ", ".join(
        f"{d['feature']} (PSI {float(d['psi']):.2f}, weight {float(d.get('weight') or 0):.0%})"
        for d in rows
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
    earlier_drift: Sequence[float | None] = (),
) -> DayPlan:
    """Fresh when the model scored and drift stays within the limit; otherwise the last good
    run's flagged accounts (or none) with the cause.

    ``cause`` is what stopped the day before or while scoring (disabled, refused or stale
    input, accuracy below the floor, a failed run). ``model_state`` is the kill switch's
    state: only a good newest day leaves ``fallback``, nothing here leaves ``disabled``, and
    replaying an old day (``newest_day`` False) never moves it. ``earlier_drift`` is the
    weighted PSI of the scored runs before (newest first), for drift's persistence.
    """
    if cause is None and scoring is None:
        raise ValueError("decide_day needs a scoring result or the cause that stopped it")
    if cause is None and scoring is not None:
        cause = drift_cause(scoring.drift, spec, earlier_drift)
    if cause is None and scoring is not None:
        back = newest_day and model_state == "fallback"
        warning = drift_warning(scoring.drift, spec)
        return DayPlan(
            as_of, None, None, list(scoring.flagged), "active" if back else None, warning
        )
    assert cause is not None
    enter = newest_day and model_state != "disabled"
    candidates = list(last_good.flagged) if last_good is not None else []
    return DayPlan(as_of, cause, last_good, candidates, "fallback" if enter else None)
