"""Intervals and sample sizes match their published reference values."""

from __future__ import annotations

import numpy as np
import pytest

from bot.report.lift import bootstrap_ratio_difference, holdout_needed, newcombe_difference


def test_newcombe_interval_matches_the_papers_worked_example() -> None:
    # Newcombe (1998), Table II example (a): 56/70 − 48/80, method 10: 0.0524 to 0.3339.
    d = newcombe_difference(56, 70, 48, 80)
    assert d.value == pytest.approx(0.2)
    assert d.low == pytest.approx(0.0524, abs=5e-4)
    assert d.high == pytest.approx(0.3339, abs=5e-4)
    assert d.excludes_zero


def test_an_empty_group_gives_no_interval_and_no_verdict() -> None:
    d = newcombe_difference(5, 10, 0, 0)
    assert d.value is None and not d.excludes_zero


def test_holdout_size_matches_the_textbook_two_proportion_formula() -> None:
    # 0.40 vs 0.60, equal groups, 5 % two-sided, 80 % power: 97 per group (no correction).
    assert holdout_needed(0.4, 0.2, 1.0) == 97
    # A 10 % holdout (9 alerted per held-out account) needs fewer held out than equal groups.
    assert holdout_needed(0.8, 0.05, 9.0) < holdout_needed(0.8, 0.05, 1.0)
    with pytest.raises(ValueError):
        holdout_needed(0.8, 0.0, 9.0)


def test_bootstrap_arr_interval_brackets_the_observed_difference() -> None:
    rng = np.random.default_rng(0)
    before = rng.lognormal(10, 1, 400)
    kept_a, kept_b = rng.random(400) < 0.9, rng.random(400) < 0.7
    d = bootstrap_ratio_difference(before, before * kept_a, before, before * kept_b)
    assert d.low is not None and d.high is not None and d.value is not None
    assert d.low < d.value < d.high
    assert d.excludes_zero
