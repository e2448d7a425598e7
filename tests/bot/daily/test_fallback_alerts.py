"""A paused day's alerts: built like fresh ones, with the served run's feature values, once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.bootstrap import Context
from bot.daily.job import run_daily
from bot.lifecycle import model_state
from storage.models import Alert
from tests.bot.daily.factories import (
    AS_OF,
    FakePoster,
    FakeScorer,
    OpsRecorder,
    add_model,
    add_run,
    risks_for,
    seed_world,
)

LAST_WEEK = AS_OF - dt.timedelta(days=7)
ESCALATE = "escalate-broken-integration"  # when: consecutive_failures >= 5 or ...


def offered(ctx: Context) -> dict[str, list[str]]:
    with ctx.uow() as uow:
        alerts = uow.session.scalars(select(Alert).where(Alert.as_of == AS_OF))
        return {a.account_id: [p["id"] for p in a.playbooks] for a in alerts if a.fallback}


def test_a_fallback_alert_offers_the_playbook_whose_when_condition_holds(
    ctx: Context, ops: OpsRecorder
) -> None:
    ids = seed_world(ctx)
    risks = risks_for(ids)
    top = sorted(risks, key=lambda a: -risks[a])[:2]
    features = {
        top[0]: {"consecutive_failures": 6, "broken_integrations": 1, "days_since_last_sync": 2},
        top[1]: {"consecutive_failures": 1, "broken_integrations": 0, "days_since_last_sync": 1},
    }
    add_run(ctx, LAST_WEEK, add_model(ctx), risks, flagged=2, alerts=False, features=features)
    model_state.disable(ctx, "checking the data", "jane@example.com")
    report = run_daily(ctx, AS_OF, scorer=FakeScorer(), poster=FakePoster())
    assert report.fallback and report.served_from == LAST_WEEK
    playbooks = offered(ctx)
    assert ESCALATE in playbooks[top[0]]  # six syncs failed in a row on the scored day
    assert ESCALATE not in playbooks[top[1]]


@pytest.fixture
def alert_writes(ctx: Context) -> Iterator[Counter[str]]:
    """Statements run against the alerts table, by verb (INSERT, UPDATE, DELETE)."""
    counts: Counter[str] = Counter()

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        words = statement.split()
        verb = words[0].upper() if words else ""
        table = {"INSERT": 2, "DELETE": 2, "UPDATE": 1}.get(verb)
        if table is not None and len(words) > table and words[table].strip('"') == "alerts":
            counts[verb] += 1

    event.listen(ctx.engine, "before_cursor_execute", seen)
    yield counts
    event.remove(ctx.engine, "before_cursor_execute", seen)


def test_a_day_with_drift_writes_its_fallback_alerts_once_and_never_deletes_alerts(
    ctx: Context, ops: OpsRecorder, alert_writes: Counter[str]
) -> None:
    ids = seed_world(ctx)
    add_run(ctx, LAST_WEEK, add_model(ctx), risks_for(ids[::-1]), flagged=4, alerts=False)
    ctx.spec.drift = ctx.spec.drift.model_copy(update={"persist_runs": 1})  # pause at once
    drift = {f"f{i}": 0.4 for i in range(4)}  # the whole model's inputs moved
    report = run_daily(ctx, AS_OF, scorer=FakeScorer(drift=drift), poster=None, post=False)
    assert report.fallback and (report.fallback_cause or "").startswith("drift:")
    assert report.alerts == {"pending": 4}
    assert alert_writes["DELETE"] == 0
    assert alert_writes["INSERT"] == 1  # one statement for the day's four fallback alerts
    assert set(offered(ctx)) == {"A012", "A011", "A010", "A009"}
