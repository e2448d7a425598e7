"""Churn and leads side by side: two spec files, one application database. Each product trains,
scores and alerts on its own, and its `atrisk model list`, `status` and `report` see only
its own models, runs and alerts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from bot.bootstrap import default_spec_path
from bot.cli import run
from storage.db import make_engine
from storage.models import Alert, ModelVersion, ScoringRun
from synth import generate, write_company
from synth.leads import generate_leads, write_funnel

END = dt.date(2026, 11, 1)


def _spec(folder: Path, name: str, changes: dict[str, Any]) -> Path:
    data = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    for section, values in changes.items():
        if isinstance(values, dict):
            data.setdefault(section, {}).update(values)
        else:
            data[section] = values
    path = folder / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def two_specs(tmp_path: Path) -> dict[str, Path]:
    """A churn spec and a lead spec, with their sources: a small company and a funnel."""
    write_company(generate(accounts=300, months=9, seed=3, end=END), tmp_path / "company")
    (tmp_path / "company" / "ground_truth.csv").unlink(missing_ok=True)
    write_funnel(generate_leads(leads=800, days=130, seed=3, end=END), tmp_path / "funnel")
    (tmp_path / "funnel" / "ground_truth.csv").unlink(missing_ok=True)
    small = {"min_positives": 10, "history_days": 200}
    churn = _spec(
        tmp_path,
        "churn.yml",
        {"training": small, "surface": {"daily_cap_per_csm": 1000}},
    )
    lead = _spec(
        tmp_path,
        "leads.yml",
        {
            "entity": {"kind": "lead", "horizon_days": 14, "label": "converted_at"},
            "contract": {"required_tables": ["leads", "lead_activity", "team"], "key_features": []},
            "surface": {"top_share": 0.1, "default_channel": "#sales", "daily_cap_per_csm": 1000},
            "training": small,
        },
    )
    return {"account": churn, "lead": lead}


def _cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spec: Path,
    *args: str,
) -> Any:
    monkeypatch.setenv("ATRISK_SPEC", str(spec))
    capsys.readouterr()
    code = run(list(args))
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out) if "--json" in args else out.out


def test_churn_and_lead_products_share_one_database_without_mixing(
    db_url: str,
    two_specs: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("ATRISK_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    churn, lead = two_specs["account"], two_specs["lead"]
    _cli(monkeypatch, capsys, churn, "ingest", str(tmp_path / "company"))
    _cli(monkeypatch, capsys, lead, "ingest", str(tmp_path / "funnel"))

    trained = {
        name: _cli(monkeypatch, capsys, spec, "train", "--as-of", END.isoformat(), "--json")
        for name, spec in two_specs.items()
    }
    assert {t["state"] for t in trained.values()} == {"live"}, "each product has its live model"
    assert trained["account"]["version"] != trained["lead"]["version"]
    assert trained["lead"]["feature_source"] == "leads"

    scored = {
        name: _cli(monkeypatch, capsys, spec, "score", "--as-of", END.isoformat(), "--json")
        for name, spec in two_specs.items()
    }
    for name in two_specs:
        assert scored[name]["model_version"] == trained[name]["version"]
        assert scored[name]["counts"]["alerts_new"] > 0

    for name, spec in two_specs.items():
        listed = _cli(monkeypatch, capsys, spec, "model", "list", "--json")
        assert [m["version"] for m in listed["models"]] == [trained[name]["version"]]
        status = _cli(monkeypatch, capsys, spec, "status", "--json")
        assert json.dumps(status).count(trained[name]["version"]) >= 1
        other = "lead" if name == "account" else "account"
        assert trained[other]["version"] not in json.dumps(status)
        report = json.loads(
            _cli(monkeypatch, capsys, spec, "report", "--out", "-", "--format", "json")
        )
        assert trained[other]["version"] not in json.dumps(report)
        counts = scored[name]["counts"]
        alerts = counts["alerts_new"] + sum(counts["alerts_not_posted"].values())
        summary = report["summary"]
        assert summary["alerts"] + summary["suppressed"] == alerts, "its own alerts only"
        page = tmp_path / f"{name}.html"
        _cli(monkeypatch, capsys, spec, "report", "--out", str(page))
        html = page.read_text(encoding="utf-8")
        lead_page = "of alerted leads acted on" in html
        assert lead_page == (name == "lead"), "each product gets its own report page"
        assert ("retained" in html) == (name == "account"), "no churn figure on the lead page"
        exported = _cli(monkeypatch, capsys, spec, "export", "--to", str(tmp_path / "bi"), "--json")
        prefix = "lead_" if name == "lead" else ""
        assert exported["tables"][f"{prefix}alerts"]["rows"] == alerts

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            by_product = dict(
                conn.execute(select(Alert.product, func.count()).group_by(Alert.product)).all()
            )
            keys = conn.execute(select(Alert.alert_key).where(Alert.product == "lead")).scalars()
            assert all(k.startswith("lead:") for k in keys)
            runs = dict(
                conn.execute(
                    select(ScoringRun.product, func.count()).group_by(ScoringRun.product)
                ).all()
            )
            models = dict(
                conn.execute(
                    select(ModelVersion.product, func.count()).group_by(ModelVersion.product)
                ).all()
            )
    finally:
        engine.dispose()
    assert by_product["lead"] > 0 and by_product["account"] > 0
    dry_run = sorted((tmp_path / "outbox" / END.isoformat()).glob("*.json"))
    lead_payloads = [
        json.loads(p.read_text(encoding="utf-8")) for p in dry_run if p.name.startswith("lead_")
    ]
    assert len(lead_payloads) == scored["lead"]["counts"]["alerts_new"], "the dry-run outbox"
    assert all(p["blocks"][0]["text"]["text"].startswith("Hot lead at ") for p in lead_payloads)
    churn_payloads = [p for p in dry_run if not p.name.startswith("lead_")]
    assert len(churn_payloads) == scored["account"]["counts"]["alerts_new"]
    assert runs == {"account": 1, "lead": 1} and models == {"account": 1, "lead": 1}
    bi = tmp_path / "bi"
    assert (bi / "atrisk_export.json").exists() and (bi / "atrisk_export_lead.json").exists()
    assert (bi / "alerts").is_dir() and (bi / "lead_alerts").is_dir()
    assert by_product["account"] == scored["account"]["counts"]["alerts_new"] + sum(
        scored["account"]["counts"]["alerts_not_posted"].values()
    )
