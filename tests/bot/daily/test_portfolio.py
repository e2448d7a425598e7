"""Where an alerted account stands among its CSM's accounts: computed once, stored, reused."""

from __future__ import annotations

import datetime as dt
import statistics

from sqlalchemy import select

from bot.bootstrap import Context
from bot.daily.job import run_daily
from bot.daily.portfolio import Standing, standings
from bot.lifecycle import model_state
from storage.models import Account, Alert, Score
from tests.bot.daily.factories import (
    AS_OF,
    FakePoster,
    FakeScorer,
    add_model,
    add_run,
    risks_for,
    seed_world,
)


def test_each_account_is_ranked_among_its_own_csms_live_scores() -> None:
    scores = [
        {"account_id": "A", "risk": 0.30, "shadow": False},
        {"account_id": "B", "risk": 0.02, "shadow": False},
        {"account_id": "C", "risk": 0.10, "shadow": False},
        {"account_id": "D", "risk": 0.90, "shadow": False},  # another CSM's
        {"account_id": "A", "risk": 0.99, "shadow": True},  # a shadow model's: ignored
        {"account_id": "E", "risk": 0.50, "shadow": False},  # no CSM
    ]
    csm = {"A": "jane@x.com", "B": "Jane@X.com", "C": "jane@x.com", "D": "raj@x.com", "E": None}
    assert standings(scores, csm) == {
        "A": Standing(1, 3, 0.10),
        "C": Standing(2, 3, 0.10),
        "B": Standing(3, 3, 0.10),
        "D": Standing(1, 1, 0.90),
    }


def _stored(ctx: Context) -> tuple[list[Score], list[Alert], dict[str, str]]:
    with ctx.uow() as uow:
        s = uow.session
        scores = list(s.scalars(select(Score).where(Score.as_of == AS_OF)))
        alerts = list(s.scalars(select(Alert).where(Alert.as_of == AS_OF)))
        csm = {a.account_id: a.csm_email for a in s.scalars(select(Account))}
        s.expunge_all()
    return scores, alerts, csm


def test_a_days_scores_and_alerts_store_each_accounts_rank_among_its_csms_accounts(
    ctx: Context,
) -> None:
    seed_world(ctx)
    add_model(ctx)
    run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=FakePoster())
    scores, alerts, csm = _stored(ctx)
    assert alerts
    for alert in alerts:
        own = sorted((s.risk for s in scores if csm[s.account_id] == alert.csm_email), reverse=True)
        assert alert.portfolio_size == len(own) == 6  # two CSMs share twelve accounts
        assert alert.portfolio_rank == own.index(alert.risk) + 1
        assert alert.portfolio_median_risk == statistics.median(own)
    assert all(s.portfolio_rank is not None for s in scores)


def test_a_paused_day_alerts_with_the_standing_stored_on_the_served_run(ctx: Context) -> None:
    ids = seed_world(ctx)
    model_id = add_model(ctx)
    week_ago = AS_OF - dt.timedelta(days=7)
    add_run(ctx, week_ago, model_id, risks_for(ids[::-1]), flagged=4)
    with ctx.uow() as uow:  # the served run's standings, as its day stored them
        for s in uow.session.scalars(select(Score).where(Score.as_of == week_ago)):
            s.portfolio_rank, s.portfolio_size, s.portfolio_median_risk = 2, 40, 0.03
        for a in uow.session.scalars(select(Alert).where(Alert.as_of == week_ago)):
            a.status = "suppressed"
        uow.commit()
    model_state.disable(ctx, "bad data", "jane@example.com")
    run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=FakePoster())
    _, alerts, _ = _stored(ctx)
    assert alerts and all(a.fallback for a in alerts)
    assert {(a.portfolio_rank, a.portfolio_size, a.portfolio_median_risk) for a in alerts} == {
        (2, 40, 0.03)
    }
