"""The kill switch for leads: a live lead model whose matured accuracy (converted within the
horizon) falls below the floor is paused, and answers use last week's data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.blockkit.lead_alerts import LeadAlertView, render_lead_alert
from bot.bootstrap import Context
from bot.daily.fallback import serving
from bot.daily.job import run_daily
from bot.delivery.alert_views import load_views
from bot.lifecycle import model_state
from bot.lifecycle.accuracy import live_accuracy
from storage.lead_models import Lead, LeadActivity
from storage.models import Alert, ModelVersion, TeamMember
from tests.bot.daily.factories import (
    AS_OF,
    FakePoster,
    FakeScorer,
    OpsRecorder,
    add_model,
    add_run,
    make_ctx,
)

HORIZON = 14
MATURED = AS_OF - dt.timedelta(days=HORIZON + 6)  # its 14-day window has closed by AS_OF


@pytest.fixture
def lead_ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    c = make_ctx(db_url, tmp_path, entity={"kind": "lead", "horizon_days": HORIZON})
    yield c
    c.close()


def seed_leads(ctx: Context, *, good: bool) -> dict[str, float]:
    """40 open leads scored on ``MATURED``; the 12 that converted since were scored high (or
    low); 2 leads already converted before the score's day are not judged; fresh activity."""
    ids = [f"L{i:03d}" for i in range(1, 43)]
    risks = {lead: round(0.9 - i * 0.02, 3) for i, lead in enumerate(ids[:40])}
    order = list(risks) if good else list(risks)[::-1]
    converted = set(order[:12])
    with ctx.source_engine.begin() as src:
        src.execute(TeamMember.__table__.delete())
        src.execute(Lead.__table__.delete())
        src.execute(LeadActivity.__table__.delete())
        src.execute(
            TeamMember.__table__.insert(),
            [{"email": "sam@co.test", "name": "Sam", "role": "sdr", "slack_channel": "#sales"}],
        )
        rows = []
        for i, lead in enumerate(ids):
            when = None
            if lead in converted:
                when = MATURED + dt.timedelta(days=5)
            elif i >= 40:  # converted before it was scored: not open, not judged
                when = MATURED - dt.timedelta(days=3)
            rows.append(
                {
                    "lead_id": lead,
                    "company": f"Co {i}",
                    "owner_email": "sam@co.test",
                    "created_at": dt.date(2024, 10, 1),
                    "converted_at": when,
                }
            )
        src.execute(Lead.__table__.insert(), rows)
        src.execute(
            LeadActivity.__table__.insert(),
            [
                {
                    "lead_id": "L001",
                    "ts": dt.datetime.combine(AS_OF - dt.timedelta(days=1), dt.time(9), dt.UTC),
                    "type": "web_visit",
                }
            ],
        )
    model_id = add_model(ctx)  # in the lead product (the context's entity)
    add_run(ctx, MATURED, model_id, {**risks, "L041": 0.99, "L042": 0.01}, alerts=False)
    return risks


def test_a_lead_model_that_ranks_converters_first_reads_its_accuracy_in_conversions(
    lead_ctx: Context,
) -> None:
    seed_leads(lead_ctx, good=True)
    with lead_ctx.uow() as uow, lead_ctx.source_engine.connect() as source:
        reading = live_accuracy(uow.session, lead_ctx.spec, AS_OF, source)
    assert reading.value == pytest.approx(1.0) and not reading.below_floor
    assert (reading.n, reading.n_churned) == (40, 12), "leads closed before the score are left out"
    assert "(12 converted)" in reading.describe() and "churned" not in reading.describe()


def test_a_lead_model_below_the_floor_is_paused_and_serves_last_weeks_data(
    lead_ctx: Context, ops: OpsRecorder
) -> None:
    risks = seed_leads(lead_ctx, good=False)
    with lead_ctx.uow() as uow:
        model_id = uow.session.scalar(select(ModelVersion.id))
    last_week = AS_OF - dt.timedelta(days=7)
    add_run(lead_ctx, last_week, model_id, risks, alerts=False)
    scorer = FakeScorer()
    report = run_daily(lead_ctx, AS_OF, scorer=scorer, poster=FakePoster())
    assert scorer.calls == [], "the paused lead model does not score"
    cause = report.fallback_cause or ""
    assert report.fallback and cause.startswith("accuracy_below_floor:")
    assert "ROC AUC 0.000 on 40 matured scores (12 converted)" in cause
    assert report.served_from == last_week
    assert "fallback:2025-01-15:accuracy_below_floor" in ops.keys("fallback:")
    with lead_ctx.uow() as uow:
        served = serving(uow.session, AS_OF)
    assert served.banner == "Model paused — using last week's data (scored 8 Jan 2025)"


def test_a_paused_lead_model_posts_lead_alerts_with_the_paused_banner_and_the_served_day(
    lead_ctx: Context, ops: OpsRecorder
) -> None:
    risks = seed_leads(lead_ctx, good=True)
    with lead_ctx.uow() as uow:
        model_id = uow.session.scalar(select(ModelVersion.id))
    last_week = AS_OF - dt.timedelta(days=7)
    add_run(lead_ctx, last_week, model_id, risks, alerts=False)
    model_state.disable(lead_ctx, "bad data since Monday", "jane@example.com")
    run_daily(lead_ctx, AS_OF, scorer=FakeScorer(), poster=FakePoster())
    with lead_ctx.uow() as uow:
        alerts = list(uow.session.scalars(select(Alert).where(Alert.as_of == AS_OF)))
        assert alerts and all(a.fallback for a in alerts)
        views = load_views(uow.session, alerts, default_channel="#sales")
    banner = "Model paused — using last week's data (scored 8 Jan 2025)"
    for out in views:
        assert isinstance(out.view, LeadAlertView)
        msg = render_lead_alert(out.view)
        blocks = {b["block_id"]: b for b in msg["blocks"]}
        assert msg["blocks"][0]["block_id"] == "atrisk.banner"
        assert banner in blocks["atrisk.banner"]["text"]["text"]
        assert msg["text"].startswith(banner)
        footer = blocks["atrisk.context"]["elements"][0]["text"]
        assert "scored 8 Jan 2025" in footer and "15 Jan 2025" not in footer


def test_disabling_and_enabling_a_lead_model_announces_the_lead_model(
    lead_ctx: Context, ops: OpsRecorder
) -> None:
    model_state.disable(lead_ctx, "bad data since Monday", "jane@example.com")
    model_state.enable(lead_ctx, "omar@example.com")
    texts = list(ops.messages.values())
    assert any("jane@example.com disabled the lead model: bad data" in t for t in texts)
    assert any("omar@example.com enabled the lead model" in t for t in texts)
    assert not any("churn" in t for t in texts)
