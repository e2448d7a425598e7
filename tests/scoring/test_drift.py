"""Drift: PSI of each feature against the binned training reference, flagged over a threshold."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from scoring.drift import Reference, drift_table, get_stat, psi, reference_of
from scoring.errors import FeatureSpecError

RNG = np.random.default_rng(0)
TRAIN = pd.DataFrame(
    {
        "usage_trend": RNG.normal(0, 1, 5000),
        "open_tickets": RNG.poisson(1.0, 5000).astype(float),
        "segment": pd.Series(RNG.choice(["SMB", "Mid-Market", "Enterprise"], 5000), dtype="str"),
    }
)
REFS = {c: reference_of(c, TRAIN[c]) for c in TRAIN.columns}


def test_psi_of_two_share_vectors_is_the_textbook_sum() -> None:
    score, drifted = psi(np.array([0.5, 0.5]), np.array([0.9, 0.1]), threshold=0.25)
    assert score == pytest.approx(0.4 * math.log(1.8) + 0.4 * math.log(5))
    assert drifted
    assert psi(np.array([0.3, 0.7]), np.array([0.3, 0.7]))[0] == pytest.approx(0.0)


def test_the_same_population_does_not_drift_and_a_shifted_one_does() -> None:
    same = pd.DataFrame(
        {
            "usage_trend": RNG.normal(0, 1, 3000),
            "open_tickets": RNG.poisson(1.0, 3000).astype(float),
            "segment": pd.Series(
                RNG.choice(["SMB", "Mid-Market", "Enterprise"], 3000), dtype="str"
            ),
        }
    )
    assert not any(d.drifted for d in drift_table(REFS, same, 0.25))
    moved = same.assign(usage_trend=same["usage_trend"] - 1.5)
    results = {d.feature: d for d in drift_table(REFS, moved, 0.25)}
    assert results["usage_trend"].drifted and results["usage_trend"].psi > 1
    assert not results["segment"].drifted
    assert next(iter(results)) == "usage_trend"  # most drifted first


def test_a_level_never_seen_in_training_and_missing_values_count_as_drift() -> None:
    new_level = pd.DataFrame({"segment": pd.Series(["Startup"] * 600 + ["SMB"] * 400, dtype="str")})
    (seg,) = drift_table({"segment": REFS["segment"]}, new_level, 0.25)
    assert seg.drifted
    gone = pd.DataFrame({"open_tickets": [np.nan] * 500 + [1.0] * 500})
    (tickets,) = drift_table({"open_tickets": REFS["open_tickets"]}, gone, 0.25)
    assert tickets.drifted


def test_a_reference_survives_json_and_skips_features_the_run_does_not_have() -> None:
    again = {
        k: Reference.from_json(k, json.loads(json.dumps(r.to_json(), allow_nan=False)))
        for k, r in REFS.items()
    }
    assert again == REFS
    assert [d.feature for d in drift_table(again, TRAIN[["segment"]], 0.25)] == ["segment"]


def test_an_unknown_statistic_is_refused_listing_the_valid_ones() -> None:
    assert get_stat("psi") is psi
    with pytest.raises(FeatureSpecError, match="unknown drift statistic 'ks'; valid: psi"):
        get_stat("ks")


def test_a_move_off_a_value_most_rows_share_reads_as_drift() -> None:
    working_day = pd.Series([1.0] * 95 + [2.0, 3.0, 4.0, 4.0, 13.0])  # mostly active yesterday
    ref = reference_of("days_since_last_activity", working_day)
    outage = pd.Series([1.0] * 50 + [4.0] * 50)  # half the accounts' usage stopped on Monday
    (result,) = drift_table(
        {"days_since_last_activity": ref}, outage.to_frame("days_since_last_activity"), 0.25
    )
    assert result.drifted and result.psi > 1
    (same,) = drift_table(
        {"days_since_last_activity": ref}, working_day.to_frame("days_since_last_activity"), 0.25
    )
    assert same.psi < 0.01
    (beyond,) = drift_table(
        {"days_since_last_activity": ref},
        pd.DataFrame({"days_since_last_activity": [30.0] * 9}),
        0.25,
    )
    assert beyond.drifted  # longer than any account was idle in training
