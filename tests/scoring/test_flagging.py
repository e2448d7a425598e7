"""Flagging: a risk floor whatever the share, and ties broken by ARR then account id."""

from __future__ import annotations

import numpy as np

from scoring.evaluate import flag_mask, risk_order


def test_accounts_at_zero_or_below_the_floor_are_never_flagged_whatever_the_share() -> None:
    risk = np.array([0.0, 0.0, 0.02, 0.3, 0.0, 0.01])
    flagged = flag_mask(risk, threshold=None, top_share=0.5, floor=0.05)
    assert flagged.tolist() == [False, False, False, True, False, False]
    assert not flag_mask(np.zeros(10), threshold=None, top_share=0.2).any()


def test_equal_risks_are_ordered_by_arr_then_account_id() -> None:
    risk = np.array([0.4, 0.4, 0.4, 0.9])
    arr = np.array([1000.0, 5000.0, 1000.0, 10.0])
    ids = ["b", "c", "a", "z"]
    assert risk_order(risk, arr, ids).tolist() == [3, 1, 2, 0]
    flagged = flag_mask(risk, threshold=None, top_share=0.5, arr=arr, ids=ids)
    assert flagged.tolist() == [False, True, False, True]


def test_a_segment_with_one_churned_row_gets_no_auc_and_says_why() -> None:
    from scoring.evaluate import metrics_by_segment

    y = np.array([1, 0, 0, 0] + [1] * 12 + [0] * 20)
    p = np.linspace(0, 1, len(y))
    seg = np.array(["tiny"] * 4 + ["big"] * 32)
    out = metrics_by_segment(y, p, seg, top_share=0.1)
    assert out["tiny"]["roc_auc"] is None and "too few to judge" in out["tiny"]["note"]
    assert out["big"]["roc_auc"] is not None
