"""``atrisk score --out``: the file's id column is named for what was scored."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd

from bot.cli.score_cmd import scores_table

REASONS = [[{"text": "3 demo requests in 7 days"}], []]


def _report() -> SimpleNamespace:
    frame = pd.DataFrame(
        {"risk": [0.7, 0.1], "flagged": [True, False], "reasons": REASONS},
        index=pd.Index(["L-1", "L-2"], name="account_id"),
    )
    return SimpleNamespace(scores=frame, as_of=dt.date(2026, 11, 2))


def test_a_lead_products_scores_csv_header_says_lead_id() -> None:
    table = scores_table(_report(), "lead")  # type: ignore[arg-type]
    assert list(table.columns)[:2] == ["lead_id", "as_of"]
    assert table["lead_id"].tolist() == ["L-1", "L-2"]
    assert table["reason_1"].tolist() == ["3 demo requests in 7 days", ""]


def test_a_churn_products_scores_csv_header_says_account_id() -> None:
    assert scores_table(_report()).columns[0] == "account_id"  # type: ignore[arg-type]
