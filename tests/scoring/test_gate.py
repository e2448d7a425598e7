"""The gate serves the simpler model unless the complex one is clearly better, with intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.gate import judge


def _data(
    n_accounts: int, snapshots: int, seed: int = 1
) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    rng = np.random.default_rng(seed)
    accounts = pd.Series(np.repeat(np.arange(n_accounts), snapshots).astype(str))
    signal = np.repeat(rng.normal(size=n_accounts), snapshots)
    y = (rng.random(len(signal)) < 1 / (1 + np.exp(-(signal * 2 - 3)))).astype(int)
    return y, accounts, signal


def test_a_complex_model_a_little_better_on_few_churned_accounts_loses_to_the_simpler_one() -> None:
    y, accounts, signal = _data(120, 4)
    rng = np.random.default_rng(2)
    simple = signal + rng.normal(scale=1.0, size=len(y))
    complex_ = signal + rng.normal(scale=0.9, size=len(y))
    verdict = judge(
        y,
        {"logistic": simple, "lightgbm": complex_},
        {"logistic": 0.8, "lightgbm": 0.81},
        accounts,
        metric="roc_auc",
        floor=0.7,
        resamples=200,
    )
    assert verdict.chosen == "logistic" and verdict.passed
    assert "not clearly better" in verdict.why and "95 % interval" in verdict.why
    low, high = verdict.candidates["logistic"].low, verdict.candidates["logistic"].high
    assert low is not None and high is not None and low < high


def test_a_clearly_better_complex_model_is_chosen() -> None:
    y, accounts, signal = _data(2000, 3)
    rng = np.random.default_rng(3)
    weak = signal + rng.normal(scale=3.0, size=len(y))
    verdict = judge(
        y,
        {"logistic": weak, "lightgbm": signal},
        {"logistic": 0.7, "lightgbm": 0.9},
        accounts,
        metric="roc_auc",
        floor=0.7,
        resamples=200,
    )
    assert verdict.chosen == "lightgbm" and verdict.passed
    assert verdict.difference is not None and verdict.difference[1] > 0


def test_a_winner_below_the_floor_is_refused_with_the_numbers_and_what_to_do() -> None:
    y, accounts, _ = _data(300, 2)
    noise = np.random.default_rng(4).normal(size=len(y))
    verdict = judge(
        y,
        {"logistic": noise, "lightgbm": noise},
        {"logistic": 0.52, "lightgbm": 0.52},
        accounts,
        metric="roc_auc",
        floor=0.7,
        resamples=100,
    )
    assert not verdict.passed
    assert "0.520 is below the accuracy floor 0.70" in verdict.why
    assert "training.history_days" in verdict.why


def test_when_only_the_complex_model_meets_the_floor_it_serves() -> None:
    y, accounts, signal = _data(200, 2)
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=len(y)), rng.normal(size=len(y))
    verdict = judge(
        y, {"logistic": a + 0.1 * signal, "lightgbm": b + 0.1 * signal},
        {"logistic": 0.66, "lightgbm": 0.74}, accounts, metric="roc_auc", floor=0.7,
        resamples=100,
    )  # fmt: skip
    assert verdict.chosen == "lightgbm" and verdict.passed
    assert "below the floor and LightGBM meets it" in verdict.why
