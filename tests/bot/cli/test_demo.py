"""`atrisk demo` runs the whole loop on a small synthetic company, start to finish."""

from __future__ import annotations

import json

from bot.cli import run


def test_the_demo_runs_every_step_of_the_loop_and_writes_the_report(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-must-not-be-used")
    out = tmp_path / "demo"
    code = run(["demo", "--out", str(out), "--accounts", "500", "--months", "12", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    steps = {s["name"]: s["detail"] for s in result["steps"]}
    assert list(steps) == [
        "synthetic company",
        "database",
        "ingest",
        "train",
        "replay daily runs",
        "simulated CSM clicks",
        "true effects of the playbooks",
        "30-day outcomes",
        "today's run",
        "report",
    ]
    assert result["database_url"].startswith("sqlite:///") and "demo" in result["database_url"]
    assert result["summary"]["posted"] > 0 and result["summary"]["acted"] > 0
    assert (out / "report.html").read_text().startswith("<!doctype html>")
    payloads = list((out / "outbox").rglob("*.json"))
    assert payloads, "the dry-run outbox holds every Slack payload"
