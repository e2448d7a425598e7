"""`atrisk audit` under a lead spec audits the lead snapshots with the preflight `atrisk train`
runs under that spec: conversions, not churn, and every refusal in training's words."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from bot.bootstrap import default_spec_path
from bot.cli import run
from synth.leads import generate_leads, write_funnel

END = dt.date(2026, 2, 1)


@pytest.fixture
def lead_deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A lead spec (required tables left to the entity) with a small funnel ingested."""
    data = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    data["entity"] = {"kind": "lead", "horizon_days": 14}
    del data["contract"]["required_tables"]
    data["contract"]["key_features"] = []
    data["training"] = {"min_positives": 10, "history_days": 120}
    spec = tmp_path / "leads.yml"
    spec.write_text(yaml.safe_dump(data), encoding="utf-8")
    folder = tmp_path / "funnel"
    write_funnel(generate_leads(leads=300, days=90, seed=4, end=END), folder)
    monkeypatch.setenv("ATRISK_SPEC", str(spec))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'atrisk.db'}")
    assert run(["db", "upgrade"]) == 0
    assert run(["ingest", str(folder)]) == 0
    return spec


def test_audit_under_a_lead_spec_counts_conversions_in_the_lead_snapshots(
    lead_deployment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(["audit", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [t["table"] for t in report["tables"]] == ["leads", "lead_activity"]
    assert report["tables"][0]["rows"] == 300
    assert report["snapshots"] > 0 and report["positives"] >= 10 and report["ok"]
    assert report["horizon_days"] == 14
    assert not any("accounts" in p or "usage" in p for p in report["problems"] + report["warnings"])
    capsys.readouterr()
    assert run(["audit"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "converted rows" in out and "converted leads" in out
    assert "churn" not in out and "The data can support training." in out


def test_audit_under_a_lead_spec_gives_trainings_refusal_in_the_same_words(
    lead_deployment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(lead_deployment.read_text(encoding="utf-8"))
    data["training"]["min_positives"] = 100_000
    lead_deployment.write_text(yaml.safe_dump(data), encoding="utf-8")
    capsys.readouterr()
    assert run(["audit", "--json"]) == 2
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert len(problems) == 1 and "at least training.min_positives=100000" in problems[0]
    assert run(["train"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert " ".join(problems[0].split()) in err and "Traceback" not in err
