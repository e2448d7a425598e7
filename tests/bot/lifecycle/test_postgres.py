"""Training and scoring end to end on PostgreSQL (the other tests here run on SQLite)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.daily.scoring_run import run_scoring
from bot.lifecycle.training import train_model
from storage.db import make_engine
from storage.models import Alert, DriftStat, ModelVersion, Score
from storage.repositories.model_versions import kinds_by_id
from tests.bot.lifecycle.conftest import make_ctx
from tests.conftest import ingest_beside


def test_train_score_and_rerun_on_postgresql(
    pg_url: str, company_dir: Path, tmp_path: Path
) -> None:
    engine = make_engine(pg_url)
    ingest_beside(company_dir, engine)
    engine.dispose()
    ctx = make_ctx(pg_url, tmp_path)
    assert train_model(ctx).state == "live"
    first = run_scoring(ctx, post=False)
    second = run_scoring(ctx, post=False)
    assert second.n_alerts == 0 and second.n_alerts_existing == first.n_alerts
    assert first.n_alerts > 0
    with ctx.uow() as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(Score)) == 2 * first.n_scored
        assert s.scalar(select(func.count()).select_from(Alert)) == first.n_alerts
        assert (s.scalar(select(func.count()).select_from(DriftStat)) or 0) > 0
        reasons = s.scalars(select(Alert.reasons)).first()
    assert reasons and reasons[0]["text"]
    ctx.close()


def test_the_rules_score_goes_live_scores_and_is_replaced_on_postgresql(
    pg_url: str, company_dir: Path, tmp_path: Path
) -> None:
    engine = make_engine(pg_url)
    ingest_beside(company_dir, engine)
    engine.dispose()
    thin = make_ctx(pg_url, tmp_path, {"training": {"min_positives": 5000}})
    rules = train_model(thin)
    assert (rules.kind, rules.state) == ("rules", "live")
    scored = run_scoring(thin, post=False)
    assert scored.n_scored > 0 and scored.model_version == rules.version
    with thin.uow() as uow:
        kinds = kinds_by_id(
            uow.session, ids=[v.id for v in uow.session.scalars(select(ModelVersion))]
        )
    assert list(kinds.values()) == ["rules"]
    thin.close()
    ctx = make_ctx(pg_url, tmp_path)
    trained = train_model(ctx)
    ctx.close()
    assert trained.state == "live" and trained.kind != "rules", trained.why
