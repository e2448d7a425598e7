"""Two weeks of daily runs on stationary data never pause the model; a real shift does.

Harbor Data (``tests/worlds``: weekday-only usage, written from the input contract alone) and
``atrisk synth``, 300 accounts each, trained on Wednesday 11 Nov 2026 so every weekly
training snapshot falls on a Monday. Before the weekday reference, every other weekday's
``days_since_last_activity`` read as drift (Harbor: PSI 15.9 on the Sundays; synth: 0.97).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.bootstrap import Context
from storage.models import DriftStat, ScoringRun
from tests.bot.daily import stationary as st
from tests.conftest import copy_database

SUNDAY = dt.date(2026, 11, 15)
OUTAGE = dt.date(2026, 11, 16)  # usage of half of Harbor's accounts stops arriving


Trained = Callable[[str], tuple[st.Company, Path]]


@pytest.fixture(scope="module")
def trained(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """A company by name with a live model, generated and trained once per module."""
    made: dict[str, tuple[st.Company, Path]] = {}

    def get(name: str) -> tuple[st.Company, Path]:
        if name not in made:
            root = tmp_path_factory.mktemp(name)
            company = st.COMPANIES[name](root)
            made[name] = company, st.trained(company, _sqlite_template, root / "trained")
        return made[name]

    return get


@contextlib.contextmanager
def fresh_copy(trained: Trained, name: str, folder: Path) -> Iterator[Context]:
    """A context on a copy of the trained company (each test scores its own days)."""
    company, path = trained(name)
    copy_database(path, folder / "atrisk.db")
    c = st.context(f"sqlite:///{folder / 'atrisk.db'}", folder, company.spec)
    try:
        yield c
    finally:
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
@pytest.mark.parametrize("name", sorted(st.COMPANIES))
def test_fourteen_daily_runs_on_stationary_data_never_pause_the_model(
    trained: Trained, name: str, tmp_path: Path
) -> None:
    with fresh_copy(trained, name, tmp_path) as ctx:
        reports = st.run_days(ctx)
        assert reports[0].as_of == st.TRAINED_AS_OF and len(reports) == 14
        assert {r.as_of.weekday() for r in reports} == set(range(7))
        assert [r.as_of for r in reports if r.fallback] == []
        assert all(r.status == "succeeded" for r in reports)
        assert psi_of(ctx, SUNDAY, "days_since_last_activity") < ctx.spec.drift.psi_threshold
        warned = warned_days(ctx)
    assert len(warned) <= 2, f"{name}: drift warnings on {warned}"


@pytest.mark.slow
def test_a_usage_outage_on_half_the_accounts_warns_on_the_first_run_and_pauses_on_the_second(
    trained: Trained, tmp_path: Path
) -> None:
    with fresh_copy(trained, "harbor", tmp_path) as ctx:
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
            run = uow.session.scalars(
                select(ScoringRun).where(ScoringRun.as_of == first.as_of)
            ).one()
            assert any("the model pauses if it stays over" in w for w in run.warnings)
        assert psi_of(ctx, first.as_of, "days_since_last_activity") > 1
    assert second.fallback and second.fallback_cause is not None
    assert second.fallback_cause.startswith("drift: importance-weighted PSI")
    assert "days_since_last_activity" in second.fallback_cause
    assert second.served_from == first.as_of
