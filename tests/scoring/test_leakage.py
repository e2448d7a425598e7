"""A feature that alone nearly separates the labels stops training, named with its cause."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring.leakage import LeakSuspected, find_leaks, refuse_leaks


def _frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = (rng.random(2000) < 0.05).astype(int)
    return pd.DataFrame(
        {
            "label": label,
            "open_tickets": rng.poisson(1 + label),  # a real, weak signal
            # a renewal date moved to the churn date: churned rows renew within the horizon
            "days_to_renewal": np.where(
                label == 1, rng.integers(1, 30, 2000), rng.integers(0, 365, 2000)
            ),
        }
    )


def test_a_renewal_date_moved_to_the_churn_date_stops_training_naming_the_feature() -> None:
    frame = _frame()
    leaks = find_leaks(frame, ["open_tickets", "days_to_renewal"], "label")
    assert [leak.feature for leak in leaks] == ["days_to_renewal"]
    with pytest.raises(LeakSuspected, match=r"days_to_renewal .* updated after the outcome"):
        refuse_leaks(leaks)


def test_honest_leading_indicators_are_not_called_leaks() -> None:
    assert find_leaks(_frame(), ["open_tickets"], "label") == []
