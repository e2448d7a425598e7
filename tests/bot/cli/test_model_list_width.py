"""``atrisk model list`` reads well in an 80-column terminal; ``--wide`` shows every column."""

from __future__ import annotations

import datetime as dt

import pytest
from rich.console import Console

from bot.cli import model_cmd

WHY = (
    "the best candidate (logistic regression, ROC AUC 0.612) is below accuracy.floor 0.650 "
    "on the test period; add history or features"
)


def _row(version: str, kind: str, state: str, passed: bool, **extra: object) -> dict:
    return {
        "version": version,
        "kind": kind,
        "state": state,
        "created_at": dt.datetime(2026, 11, 2, 6, 0),
        "trained_as_of": dt.date.fromisoformat(version[:10]),
        "train_window": [dt.date(2026, 3, 1), dt.date(2026, 9, 30)],
        "feature_source": "builtin",
        "roc_auc": 0.8123,
        "baseline_roc_auc": 0.7788,
        "pr_auc": 0.4012,
        "ece": 0.0213,
        "gate": {"passed": passed, "why": "ok" if passed else WHY},
        "data_fingerprint": "f" * 64,
        "artifact_sha256": "a" * 64,
        "backfill_before": None,
        **extra,
    }


ROWS = [
    _row("2026-11-01.12", "logistic", "candidate", False),
    _row("2026-09-01.3", "lightgbm", "candidate", True, backfill_before="2026-11-01"),
    _row("2026-11-01.1", "rules", "live", True),
]


def _render(monkeypatch: pytest.MonkeyPatch, *, wide: bool) -> str:
    out = Console(width=80, record=True, color_system=None)
    monkeypatch.setattr(model_cmd, "console", out)
    model_cmd.render_list(ROWS, None, wide=wide)
    return out.export_text()


def test_model_list_fits_80_columns_with_every_row_on_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = _render(monkeypatch, wide=False)
    lines = text.splitlines()
    assert max(map(len, lines)) <= 80
    for version in ("2026-11-01.12", "2026-09-01.3", "2026-11-01.1"):
        [line] = [ln for ln in lines if ln.startswith(f"{version} ")]
        assert "0.812" in line and "0.779" in line
    assert "failed [1]" in text and "passed [2]" in text
    said = " ".join(text.split())
    assert f"[1] 2026-11-01.12: gate failed — {WHY}" in said
    assert "[2] 2026-09-01.3: trained for past days; scores days before 2026-11-01" in said


def test_model_list_wide_adds_pr_auc_ece_window_and_features(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = _render(monkeypatch, wide=True)
    assert "PR AUC" in text and "0.401" in text and "0.021" in text
    assert "2026-03-01…2026-09-30" in text and "builtin" in text
    assert "2026-11-01.12" in text and "failed [1]" in text
