"""A lead spec: ``entity: lead`` reads conversions from the lead tables, and the loop's commands
under it say what to do first when there is nothing to train or score yet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.spec import parse_spec
from storage.ingest.contract import LEAD_REQUIRED


def test_entity_lead_in_the_spec_reads_conversions_from_the_lead_tables() -> None:
    spec = parse_spec(
        {
            "consumer": {"persona": "SDRs", "job_to_be_done": "call the leads about to buy"},
            "entity": "lead",
            "accuracy": {"floor": 0.7},
            "surface": {"default_channel": "#sales", "ops_channel": "#ops"},
            "feedback": {"outcome_days": 14},
            "owners": {"model": ["U1"]},
        }
    )
    assert spec.entity.kind == "lead"
    assert spec.entity.label == "converted_at"
    assert spec.contract.required_tables == list(LEAD_REQUIRED)


def test_atrisk_train_under_a_lead_spec_without_leads_says_to_ingest_them_first(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import yaml

    from bot.bootstrap import default_spec_path
    from bot.cli import run

    data = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    data["entity"] = "lead"
    del data["contract"]["required_tables"]
    spec = tmp_path / "leads.yml"
    spec.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("ATRISK_SPEC", str(spec))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'atrisk.db'}")
    assert run(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert run(["train"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "the leads table is empty: ingest it (`atrisk ingest SOURCE`) first" in err
    assert "Traceback" not in err


def test_atrisk_ingest_under_a_lead_spec_loads_the_funnel_into_the_source_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt

    import yaml

    from bot.bootstrap import default_spec_path
    from bot.cli import run
    from synth.leads import generate_leads, write_funnel

    data = yaml.safe_load(default_spec_path().read_text(encoding="utf-8"))
    data["entity"] = "lead"
    del data["contract"]["required_tables"]
    spec = tmp_path / "leads.yml"
    spec.write_text(yaml.safe_dump(data), encoding="utf-8")
    folder = tmp_path / "funnel"
    write_funnel(generate_leads(leads=200, days=60, seed=2, end=dt.date(2026, 2, 1)), folder)
    monkeypatch.setenv("ATRISK_SPEC", str(spec))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'atrisk.db'}")
    assert run(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert run(["ingest", str(folder), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["tables"]) == {"leads", "lead_activity", "team"}
    assert report["tables"]["leads"]["inserted"] == 200
    assert (tmp_path / "atrisk.sources.duckdb").exists()
    (folder / "lead_activity.csv").write_text(
        "lead_id,ts,type,detail\nnobody,2026-01-05T10:00:00Z,web_visit,\n"
    )
    assert run(["ingest", str(folder)]) == 2
    assert (
        "lead_activity.lead_id: 1 row references 1 lead(s) not in leads" in capsys.readouterr().err
    )


def test_atrisk_ingest_of_lead_tables_without_a_lead_spec_says_to_set_entity_lead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt

    from bot.cli import run
    from synth.leads import generate_leads, write_funnel

    folder = tmp_path / "funnel"
    write_funnel(generate_leads(leads=50, days=60, seed=2, end=dt.date(2026, 2, 1)), folder)
    monkeypatch.setenv("ATRISK_SPEC", str(tmp_path / "no-such.yml"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'atrisk.db'}")
    assert run(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert run(["ingest", str(folder)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "look like lead tables, but no spec was found" in err
    assert "set `entity: lead` in a spec (`atrisk spec --example > leads.yml`" in err
    assert "required table is missing" not in err and "Traceback" not in err
