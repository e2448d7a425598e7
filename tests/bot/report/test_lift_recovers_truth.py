"""The intent-to-treat lift recovers the synthetic company's true effect, and finds none when
there is none (20 seeds of a trial drawn from ``synth``'s effect model)."""

from __future__ import annotations

import pandas as pd

from bot.report.impact import itt_lift
from synth.trial import simulate_trial

SEEDS = range(20)


def _matured(alerts: pd.DataFrame) -> pd.DataFrame:
    return alerts.assign(retained=~alerts["churned"], dismissed=False, dismiss_reason=None)


def _covered(scale: float) -> tuple[int, list[float]]:
    hits, truths = 0, []
    for seed in SEEDS:
        trial = simulate_trial(seed, scale=scale)
        lift = itt_lift(_matured(trial.alerts), min_effect=0.05, holdout_share=0.2)
        d = lift["retention_lift"]
        hits += d["low"] <= trial.true_itt <= d["high"]
        truths.append(trial.true_itt)
    return hits, truths


def test_the_itt_interval_contains_the_true_average_effect_in_most_seeds() -> None:
    hits, truths = _covered(1.0)
    assert min(truths) > 0.02  # the company does have an effect to find
    assert hits >= 17, hits


def test_with_no_true_effect_the_itt_interval_contains_zero_in_most_seeds() -> None:
    hits, truths = _covered(0.0)
    assert max(truths) == 0.0
    assert hits >= 17, hits
