"""``atrisk score``: one run writes scores, drift and pending alerts together, or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.bootstrap import Context
from bot.cli import run
from bot.daily import scoring_run
from bot.daily.scoring_run import run_scoring
from bot.errors import RunFailed
from bot.lifecycle.model_registry import NoLiveModel
from scoring.errors import ArtifactTampered
from storage.models import Alert, DriftStat, ModelVersion, Score, ScoringRun, TeamMember
from tests.bot.lifecycle.conftest import END, make_ctx, use_env

FAMILIES = {"adoption", "integrations", "support", "usage", "commercial"}
PLAYBOOK_KEYS = {"id", "title", "style", "why", "follow_up_days", "description"}


def _count(ctx: Context, model: type) -> int:
    with ctx.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_run_writes_scores_drift_and_one_pending_alert_per_flagged_account(
    trained_ctx: Context,
) -> None:
    report = run_scoring(trained_ctx, post=False)
    assert report.status == "succeeded" and report.as_of == END
    assert report.n_flagged == math.ceil(0.05 * report.n_scored) == report.n_alerts
    assert "not posted" in report.posting
    with trained_ctx.uow() as uow:
        s = uow.session
        run_row = s.get(ScoringRun, report.run_id)
        assert run_row is not None and run_row.status == "succeeded"
        assert (run_row.n_scored, run_row.n_flagged) == (report.n_scored, report.n_flagged)
        scores = list(s.scalars(select(Score).where(Score.run_id == report.run_id)))
        channels = {m.email: m.slack_channel for m in s.scalars(select(TeamMember))}
        alerts = list(s.scalars(select(Alert).order_by(Alert.risk.desc())))
        drift = list(s.scalars(select(DriftStat)))
    assert len(scores) == report.n_scored and not any(sc.shadow for sc in scores)
    flagged = sorted((sc for sc in scores if sc.flagged), key=lambda sc: sc.rank or 0)
    assert [sc.rank for sc in flagged] == list(range(1, len(flagged) + 1))
    assert all(not sc.reasons for sc in scores if not sc.flagged)
    assert {a.account_id for a in alerts} == {sc.account_id for sc in flagged}
    for a in alerts:
        assert a.status == "pending" and a.alert_key == f"{a.account_id}:{END.isoformat()}"
        assert a.channel == (channels.get(a.csm_email or "") or "#cs-at-risk")
        assert a.run_id == report.run_id and a.previous_risk is None and a.arr is not None
        assert 1 <= len(a.reasons) <= 3 and len(a.playbooks) <= 3
        for r in a.reasons:
            assert set(r) == {"feature", "family", "value", "contribution", "text"}
            assert r["family"] in FAMILIES and r["contribution"] > 0 and r["text"]
        contributions = [r["contribution"] for r in a.reasons]
        assert contributions == sorted(contributions, reverse=True)
        assert all(set(p) == PLAYBOOK_KEYS for p in a.playbooks)
    assert any(a.playbooks for a in alerts)
    assert {d.feature for d in drift} <= set(trained_ctx.spec.contract.key_features) | {
        d.feature for d in drift
    }
    assert len(drift) >= 20 and all(d.psi >= 0 for d in drift)


def test_a_rerun_of_the_day_adds_no_second_alert_and_a_later_day_knows_the_previous_risk(
    trained_ctx: Context,
) -> None:
    first = run_scoring(trained_ctx, post=False)
    again = run_scoring(trained_ctx, post=False)
    assert again.run_id != first.run_id
    assert (again.n_alerts, again.n_alerts_existing) == (0, first.n_alerts)
    assert _count(trained_ctx, Alert) == first.n_alerts
    later = run_scoring(trained_ctx, as_of=END + dt.timedelta(days=1), post=False)
    with trained_ctx.uow() as uow:
        rows = uow.session.execute(
            select(Alert.account_id, Alert.as_of, Alert.risk, Alert.previous_risk)
        ).all()
    before = {a: r for a, d, r, _ in rows if d == END}
    repeated = [(a, p) for a, d, _, p in rows if d == later.as_of and a in before]
    assert repeated and all(p == pytest.approx(before[a]) for a, p in repeated)


def test_the_shadow_model_is_scored_beside_live_and_never_alerts(
    shadowed_url: str, tmp_path: Path
) -> None:
    ctx = make_ctx(shadowed_url, tmp_path)
    report = run_scoring(ctx, post=False)
    assert report.shadow_version == f"{END.isoformat()}.2"
    with ctx.uow() as uow:
        s = uow.session
        shadow_id = s.scalar(select(ModelVersion.id).where(ModelVersion.state == "shadow"))
        rows = list(s.scalars(select(Score).where(Score.shadow.is_(True))))
        alert_models = set(s.scalars(select(Alert.model_version_id)))
    assert len(rows) == report.n_scored and {r.model_version_id for r in rows} == {shadow_id}
    assert alert_models and shadow_id not in alert_models
    ctx.close()


def _tamper(ctx: Context) -> str:
    with ctx.uow() as uow:
        version = uow.session.scalar(select(ModelVersion.version))
        uow.session.execute(
            update(ModelVersion).values(artifact=ModelVersion.artifact + "\n# edited")
        )
        uow.commit()
    assert version is not None
    return version


def test_a_tampered_model_fails_the_run_by_name_and_writes_no_scores_or_alerts(
    trained_ctx: Context,
) -> None:
    version = _tamper(trained_ctx)
    with pytest.raises(ArtifactTampered) as e:
        run_scoring(trained_ctx, post=False)
    assert str(e.value) == (
        f"model {version} does not match its SHA-256: it was changed after training; "
        "retrain or restore it"
    )
    with trained_ctx.uow() as uow:
        (failed,) = uow.session.scalars(select(ScoringRun))
    assert failed.status == "failed" and "does not match its SHA-256" in (failed.error or "")
    assert _count(trained_ctx, Score) == _count(trained_ctx, Alert) == 0


def test_an_unexpected_error_records_a_failed_run_and_exits_1(
    trained_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(scoring_run, "drift_rows", broken)
    ctx = make_ctx(trained_url, tmp_path)
    with pytest.raises(RunFailed, match="disk on fire"):
        run_scoring(ctx, post=False)
    use_env(monkeypatch, trained_url, tmp_path)
    assert run(["score", "--no-post"]) == 1
    assert "failed: RuntimeError: disk on fire" in capsys.readouterr().err
    with ctx.uow() as uow:
        runs = list(uow.session.scalars(select(ScoringRun)))
    assert [r.status for r in runs] == ["failed", "failed"]
    assert _count(ctx, Score) == _count(ctx, Alert) == _count(ctx, DriftStat) == 0
    ctx.close()


def test_scoring_without_a_live_model_says_how_to_get_one(ctx: Context) -> None:
    with pytest.raises(NoLiveModel, match="run `atrisk train`"):
        run_scoring(ctx, post=False)


def test_score_cli_writes_every_account_to_csv_and_reports_json(
    trained_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_env(monkeypatch, trained_url, tmp_path)
    out = tmp_path / "scores.csv"
    assert run(["score", "--no-post", "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "succeeded" and data["model_version"] == f"{END.isoformat()}.1"
    assert data["counts"]["alerts_new"] == data["counts"]["flagged"] > 0
    assert isinstance(data["warnings"], list) and data["run_id"] >= 1
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "account_id",
        "as_of",
        "risk",
        "flagged",
        "reason_1",
        "reason_2",
        "reason_3",
    ]
    assert len(rows) == data["counts"]["scored"]
    flagged = [r for r in rows if r["flagged"] == "True"]
    assert len(flagged) == data["counts"]["flagged"] and all(r["reason_1"] for r in flagged)
    assert all(r["as_of"] == END.isoformat() for r in rows)


def test_score_cli_with_a_tampered_model_exits_2_naming_it(
    trained_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ctx = make_ctx(trained_url, tmp_path)
    version = _tamper(ctx)
    ctx.close()
    use_env(monkeypatch, trained_url, tmp_path)
    assert run(["score"]) == 2
    assert f"model {version} does not match its SHA-256" in capsys.readouterr().err


def test_score_posts_the_pending_alerts_as_a_dry_run_without_a_token(
    trained_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_env(monkeypatch, trained_url, tmp_path)
    assert run(["score"]) == 0
    out = capsys.readouterr().out
    assert "new alerts" in out and "Posted: " in out and "dry run" in out
    ctx = make_ctx(trained_url, tmp_path)
    with ctx.uow() as uow:
        statuses = set(uow.session.scalars(select(Alert.status)))
    ctx.close()
    assert statuses == {"posted"}


def test_a_key_feature_no_account_ever_used_is_a_warning_of_the_run(
    trained_url: str, tmp_path: Path
) -> None:
    keys = ["Reports", "Dashboards", "Automations", "SSO", "API", "Teleport"]
    ctx = make_ctx(trained_url, tmp_path, {"contract": {"key_features": keys}})
    report = run_scoring(ctx, post=False)
    ctx.close()
    assert report.status == "succeeded"
    assert any("key feature 'Teleport' never appears in usage" in w for w in report.warnings)


def test_scoring_a_day_before_the_live_model_was_trained_is_refused_not_leaked(
    trained_ctx: Context,
) -> None:
    from bot.lifecycle.model_registry import NoModelForDate

    with pytest.raises(NoModelForDate, match="would know the future"):
        run_scoring(trained_ctx, as_of=END - dt.timedelta(days=60), post=False)


def test_a_risk_floor_that_cuts_the_flagged_list_is_named_in_the_run_summary(
    trained_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_env(monkeypatch, trained_url, tmp_path, surface={"risk_floor": 0.95})
    assert run(["score", "--no-post", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    scored, flagged = data["counts"]["scored"], data["counts"]["flagged"]
    asked = math.ceil(0.05 * scored)
    assert flagged < asked
    note = (
        f"surface.risk_floor (0.95) left {flagged:,} of {scored:,} accounts flagged, where "
        f"surface.top_share (5%) asks for {asked:,}"
    )
    assert any(w.startswith(note) for w in data["warnings"])
    assert run(["score", "--no-post"]) == 0
    assert note in " ".join(capsys.readouterr().out.split())
