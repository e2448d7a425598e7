"""`atrisk check` under a lead spec checks the lead contract and the sales families only, and a
lead spec copied from the churn example that keeps the churn tables is refused in words that
say what to change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.bootstrap import default_spec_path
from bot.cli import run
from playbooks.model import FAMILIES, LEAD_FAMILIES


def _write(tmp_path: Path, data: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Path:
    spec = tmp_path / "leads.yml"
    spec.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("ATRISK_SPEC", str(spec))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'atrisk.db'}")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    return spec


def _copied_from_churn() -> dict[str, Any]:
    data = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    data["entity"] = "lead"
    return data


def _lead_spec() -> dict[str, Any]:
    """The churn example changed exactly as docs/lead-scoring.md says."""
    data = _copied_from_churn()
    del data["contract"]["required_tables"]
    data["contract"]["key_features"] = []
    data["entity"] = {"kind": "lead", "horizon_days": 14}
    data["consumer"] = {
        "persona": "SDRs and AEs, and their sales managers",
        "job_to_be_done": "Know which of my open leads will convert in the next 14 days.",
    }
    data["feedback"]["outcome_days"] = 14
    return data


def test_check_under_a_lead_spec_warns_about_no_churn_family(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _lead_spec()
    _write(tmp_path, data, monkeypatch)
    assert run(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert run(["check", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    churn_only = [f for f in FAMILIES if f not in LEAD_FAMILIES]
    said = " ".join(found["warnings"] + found["problems"])
    assert not [f for f in churn_only if f" {f} family" in said], said
    assert found["warnings"] == [] and found["ok"]
    assert run(["check"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "contract: entity lead reads leads, lead_activity, team" in out
    assert "Ready." in out


def test_check_names_churn_key_features_a_lead_spec_does_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _copied_from_churn()
    del data["contract"]["required_tables"]
    _write(tmp_path, data, monkeypatch)
    capsys.readouterr()
    run(["check", "--json"])
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any(w.startswith("contract.key_features names product features") for w in warnings)


def test_a_lead_spec_that_keeps_the_churn_tables_is_refused_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, _copied_from_churn(), monkeypatch)
    capsys.readouterr()
    assert run(["check"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "leads.yml: contract.required_tables lists churn tables (accounts, usage, "
        "integration_runs, tickets) but entity is lead, which reads leads, lead_activity, team: "
        "set `required_tables: [leads, lead_activity, team]` under contract, or delete the line"
    ) in err
    assert "Traceback" not in err
    run(["db", "upgrade"])
    capsys.readouterr()
    assert run(["ingest", str(tmp_path)]) == 2, "every command refuses it the same way"
    assert "contract.required_tables lists churn tables" in capsys.readouterr().err


def test_atrisk_spec_under_a_lead_spec_speaks_of_open_leads_and_conversion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, _lead_spec(), monkeypatch)
    capsys.readouterr()
    assert run(["spec"]) == 0
    page = capsys.readouterr().out
    assert "one row per open lead per day" in page
    assert "calibrated probability of converting within the horizon" in page
    assert "| `leads` |" in page and "| `lead_activity` |" in page
    assert "points of conversion" in page and "Not a fit" in page
    for churn in ("active account", "of churn", "retained, churned", "retention", "CSM"):
        assert churn not in page, churn


def test_a_lead_spec_that_keeps_the_churn_label_is_refused_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _lead_spec()
    data["entity"]["label"] = "churned_at"
    _write(tmp_path, data, monkeypatch)
    capsys.readouterr()
    assert run(["check"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert (
        "entity.label is churned_at but entity is lead, whose label is the leads table's "
        "converted_at: set `label: converted_at` under entity, or delete the line"
    ) in err
    assert "Traceback" not in err


def test_check_under_a_lead_spec_names_a_churn_consumer_and_an_unread_outcome_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _copied_from_churn()
    del data["contract"]["required_tables"]
    data["contract"]["key_features"] = []
    data["entity"] = {"kind": "lead", "horizon_days": 14}
    _write(tmp_path, data, monkeypatch)
    capsys.readouterr()
    run(["check", "--json"])
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any(w.startswith("consumer speaks of churn") for w in warnings), warnings
    assert any(
        w.startswith("feedback.outcome_days (30) is not read under entity lead") for w in warnings
    ), warnings
