"""The lead report's figures on a handful of alerts: share acted on, time to first touch, owner
tiers, conversion by group, and the intent-to-treat lift against the holdout."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from bot.report.lead_report import lead_report

MONDAY = dt.date(2026, 11, 2)


def _alerts() -> pd.DataFrame:
    rows = [
        # lead, owner, held out, acted, hours, converted
        ("L-1", "ana@co.test", False, True, 2.0, True),
        ("L-2", "ana@co.test", False, True, 30.0, False),
        ("L-3", "ana@co.test", False, False, np.nan, False),
        ("L-4", "ben@co.test", False, False, np.nan, True),
        ("L-5", "ben@co.test", False, False, np.nan, False),
        ("L-6", "ben@co.test", True, False, np.nan, False),
        ("L-7", "ana@co.test", True, False, np.nan, True),
    ]
    frame = pd.DataFrame(
        rows, columns=["lead_id", "owner_email", "held_out", "acted", "hours_to_touch", "converted"]
    )
    return frame.assign(as_of=MONDAY)


def test_the_share_acted_on_counts_posted_alerts_only() -> None:
    r = lead_report(_alerts(), today=MONDAY + dt.timedelta(days=14))
    assert (r.posted, r.held_out, r.acted) == (5, 2, 2)
    assert r.share_acted == pytest.approx(0.4)
    assert r.median_hours_to_touch == pytest.approx(16.0)


def test_owners_are_graded_on_the_adoption_tiers() -> None:
    r = lead_report(_alerts(), today=MONDAY + dt.timedelta(days=14))
    assert [(o["owner_email"], o["tier"]) for o in r.owners] == [
        ("ana@co.test", "healthy"),  # 2 of 3
        ("ben@co.test", "failing"),  # 0 of 2
    ]
    assert r.weeks[0].csms_alerted == 2 and r.weeks[0].csms_acted == 1


def test_conversion_is_shown_per_group_with_an_interval_and_the_itt_lift() -> None:
    r = lead_report(_alerts(), today=MONDAY + dt.timedelta(days=14))
    acted, not_acted, held = r.groups["acted"], r.groups["not_acted"], r.groups["held_out"]
    assert (acted.leads, acted.converted) == (2, 1)
    assert (not_acted.leads, not_acted.converted) == (3, 1)
    assert (held.leads, held.converted) == (2, 1)
    assert held.low is not None and held.high is not None and held.low < 0.5 < held.high
    assert r.itt.value == pytest.approx(2 / 5 - 1 / 2)
    assert r.itt.low is not None and r.itt.low < r.itt.value < r.itt.high  # type: ignore[operator]


def test_alerts_without_a_required_column_are_refused_by_name() -> None:
    with pytest.raises(KeyError, match="hours_to_touch"):
        lead_report(_alerts().drop(columns="hours_to_touch"), today=MONDAY)
