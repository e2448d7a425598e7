"""Two weeks of daily runs on stationary data never pause the model; a real shift does.

Harbor Data (``tests/worlds``: weekday-only usage, written from the input contract alone) and
``atrisk synth``, 300 accounts each, trained on Wednesday 11 Nov 2026 so every weekly
training snapshot falls on a Monday. Before the weekday reference, every other weekday's
``days_since_last_activity`` read as drift (Harbor: PSI 15.9 on the Sundays; synth: 0.97).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.bootstrap import Context
from storage.models import DriftStat, ScoringRun
from tests.bot.daily import stationary as st
from tests.conftest import copy_database

SUNDAY = dt.date(2026, 11, 15)
OUTAGE = dt.date(2026, 11, 16)  # usage of half of Harbor's accounts stops arriving


@pytest.fixture(scope="module", params=sorted(st.COMPANIES))
def trained(
    request: pytest.FixtureRequest,
    _sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[st.Company, Path]:
    root = tmp_path_factory.mktemp(request.param)
    company = st.COMPANIES[request.param](root)
    return company, st.trained(company, _sqlite_template, root / "trained")


@pytest.fixture
def ctx(trained: tuple[st.Company, Path], tmp_path: Path) -> Iterator[Context]:
    company, path = trained
    copy_database(path, tmp_path / "atrisk.db")
    c = st.context(f"sqlite:///{tmp_path / 'atrisk.db'}", tmp_path, company.spec)
    yield c
    c.close()


def psi_of(ctx: Context, day: dt.date, feature: str) -> float:
    with ctx.uow() as uow:
        run = uow.session.scalars(select(ScoringRun.id).where(ScoringRun.as_of == day)).one()
        return float(
            uow.session.scalars(
                select(DriftStat.psi).where(DriftStat.run_id == run, DriftStat.feature == feature)
            ).one()
        )


def warned_days(ctx: Context) -> list[dt.date]:
    with ctx.uow() as uow:
        runs = uow.session.scalars(select(ScoringRun).order_by(ScoringRun.as_of)).all()
        return [r.as_of for r in runs if any("drift" in w for w in r.warnings or [])]


@pytest.mark.slow
def test_fourteen_daily_runs_on_stationary_data_never_pause_the_model(
    trained: tuple[st.Company, Path], ctx: Context
) -> None:
    reports = st.run_days(ctx)
    assert [r.as_of for r in reports][0] == st.TRAINED_AS_OF and len(reports) == 14
    assert {r.as_of.weekday() for r in reports} == set(range(7))
    assert [r.as_of for r in reports if r.fallback] == []
    assert all(r.status == "succeeded" for r in reports)
    assert psi_of(ctx, SUNDAY, "days_since_last_activity") < ctx.spec.drift.psi_threshold
    warned = warned_days(ctx)
    assert len(warned) <= 2, f"{trained[0].name}: drift warnings on {warned}"


@pytest.mark.slow
def test_a_usage_outage_on_half_the_accounts_warns_on_the_first_run_and_pauses_on_the_second(
    trained: tuple[st.Company, Path], ctx: Context
) -> None:
    if trained[0].name != "Harbor":
        pytest.skip("one company is enough: the outage is the same rule on either")
    with ctx.source_engine.begin() as source:
        source.execute(
            text(
                "DELETE FROM usage WHERE date >= :day AND account_id IN "
                "(SELECT account_id FROM accounts ORDER BY account_id LIMIT 150)"
            ),
            {"day": OUTAGE},
        )
    before, first, second = st.run_days(ctx, OUTAGE, 3)
    assert not before.fallback and not first.fallback
    assert warned_days(ctx) == [first.as_of, second.as_of]
    with ctx.uow() as uow:
        run = uow.session.scalars(select(ScoringRun).where(ScoringRun.as_of == first.as_of)).one()
        assert any("the model pauses if it stays over" in w for w in run.warnings), run.warnings
    assert psi_of(ctx, OUTAGE + dt.timedelta(days=1), "days_since_last_activity") > 1
    assert second.fallback and second.fallback_cause is not None
    assert second.fallback_cause.startswith("drift: importance-weighted PSI")
    assert "days_since_last_activity" in second.fallback_cause
    assert second.served_from == first.as_of
