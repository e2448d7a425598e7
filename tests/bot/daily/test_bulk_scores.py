"""A day's scores are written in bulk, and read back exactly as rows added one by one would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, text

from bot.bootstrap import Context
from storage.models import Score, ScoringRun
from storage.repositories import scores as repo
from tests.bot.daily.factories import AS_OF, add_model, seed_world

REASON = {
    "feature": "failed_syncs_7d",
    "family": "integrations",
    "value": 12,
    "contribution": 0.412345,
    "text": "12 failed syncs of “Salesforce” in 7 days — ünïcode & <tags>",
}


def _rows(ids: list[str], model_id: int, shadow_id: int) -> list[dict[str, Any]]:
    """A live day: flagged rows with reasons and feature values, the rest plain; a shadow row."""
    rows: list[dict[str, Any]] = []
    for i, aid in enumerate(ids):
        flagged = i < 3
        rows.append(
            {
                "account_id": aid,
                "model_version_id": model_id,
                "as_of": AS_OF,
                "shadow": False,
                "risk": 0.9 / (i + 1) + 1e-12,
                "flagged": flagged,
                "rank": i + 1,
                "reasons": [REASON, {**REASON, "value": None, "text": "x"}] if flagged else [],
                "features": {"seats": 4, "arr": 1234.5, "plan": "pro", "gone": None}
                if flagged
                else None,
                "portfolio_rank": (i // 2) + 1 if i % 5 else None,
                "portfolio_size": 6 if i % 5 else None,
                "portfolio_median_risk": 0.0312 if i % 5 else None,
            }
        )
    rows.append(
        {
            **rows[-1],
            "model_version_id": shadow_id,
            "shadow": True,
            "risk": 0.5,
            "rank": 1,
            "portfolio_rank": None,
            "portfolio_size": None,
            "portfolio_median_risk": None,
        }
    )
    return rows


def _stored(ctx: Context, run_id: int) -> list[tuple[Any, ...]]:
    """Every column of a run's score rows as the database holds them (JSON as its text)."""
    stmt = text(
        "SELECT account_id, model_version_id, as_of, shadow, risk, flagged, rank, "
        "CAST(reasons AS TEXT), CAST(features AS TEXT), features IS NULL, portfolio_rank, "
        "portfolio_size, portfolio_median_risk, product FROM scores WHERE run_id = :run "
        "ORDER BY account_id, shadow"
    )
    with ctx.uow() as uow:
        return [tuple(r) for r in uow.session.execute(stmt, {"run": run_id})]


def _run(ctx: Context) -> int:
    with ctx.uow() as uow:
        run = ScoringRun(as_of=AS_OF, status="succeeded", trigger="test")
        uow.session.add(run)
        uow.commit()
        return run.id


def test_scores_written_in_bulk_are_stored_exactly_as_rows_added_one_by_one(
    ctx: Context,
) -> None:
    ids = seed_world(ctx)
    rows = _rows(ids, add_model(ctx), add_model(ctx, "2025-01-01.2", state="shadow"))
    one_by_one, bulk = _run(ctx), _run(ctx)
    with ctx.uow() as uow:
        uow.session.add_all(Score(**r, run_id=one_by_one) for r in rows)
        repo.add_scores(uow.session, [{**r, "run_id": bulk} for r in rows])
        uow.commit()
    want, got = _stored(ctx, one_by_one), _stored(ctx, bulk)
    assert len(got) == len(rows) == 13
    assert got == want
    with ctx.uow() as uow:
        read = uow.session.scalars(
            select(Score).where(Score.run_id == bulk, Score.flagged.is_(True))
        ).all()
        assert [s.reasons[0] for s in read] == [REASON] * 3
        assert all(s.features == rows[0]["features"] for s in read)
        assert all(isinstance(s.as_of, dt.date) and s.shadow is False for s in read)


def test_a_day_with_no_scores_writes_nothing(ctx: Context) -> None:
    run_id = _run(ctx)
    with ctx.uow() as uow:
        repo.add_scores(uow.session, [])
        uow.commit()
    assert _stored(ctx, run_id) == []
