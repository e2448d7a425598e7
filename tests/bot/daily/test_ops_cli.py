"""``atrisk status`` and ``atrisk run`` as a person (or a cron) runs them."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot import cli
from bot.bootstrap import Context, default_spec_path
from bot.daily import job
from bot.lifecycle import model_state
from tests.bot.daily.factories import (
    AS_OF,
    FakeScorer,
    OpsRecorder,
    add_model,
    add_run,
    risks_for,
    seed_world,
)


def test_status_says_the_model_is_paused_and_why(
    env: Context, ops: OpsRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = seed_world(env)
    add_run(env, AS_OF - dt.timedelta(days=2), add_model(env), risks_for(ids))
    model_state.disable(env, "bad data since Monday", "jane@example.com")
    assert cli.run(["status", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model_state"] == "disabled"
    assert out["state_reason"] == "bad data since Monday"
    assert out["live_model"] == "2025-01-01.1"
    assert out["serving"]["paused"] is True
    assert out["serving"]["banner"] == "Model paused — using last week's data (scored 13 Jan 2025)"
    assert cli.run(["status"]) == 0
    text = capsys.readouterr().out
    assert "Model: disabled — bad data since Monday (by jane@example.com" in text
    assert "Model paused — using last week's data (scored 13 Jan 2025)" in text


def test_run_as_of_a_day_prints_what_it_did(
    env: Context, ops: OpsRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_world(env)
    add_model(env)
    assert cli.run(["run", "--as-of", AS_OF.isoformat(), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["as_of"] == "2025-01-15" and out["status"] == "succeeded"
    # the shipped spec holds 10 % of accounts out by a stable hash: two of these four
    assert out["fallback"] is False and out["alerts"] == {"posted": 2, "held_out": 2}
    assert cli.run(["run", "--as-of", AS_OF.isoformat()]) == 0
    text = capsys.readouterr().out
    assert "Daily run for 2025-01-15: succeeded (already scored: posted what was pending)" in text


def test_a_failed_scoring_run_serves_fallback_and_exits_1(
    env: Context,
    ops: OpsRecorder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = seed_world(env)
    add_run(env, AS_OF - dt.timedelta(days=2), add_model(env), risks_for(ids))
    monkeypatch.setattr(job, "_default_scorer", FakeScorer(fail="features failed"))
    assert cli.run(["run", "--as-of", AS_OF.isoformat()]) == 1
    captured = capsys.readouterr()
    assert "Model paused — using last week's data (scored 13 Jan 2025)" in captured.out
    assert "why: run_failed: features failed" in captured.out
    assert "the scoring run for 2025-01-15 failed (the last good scores were served)" in (
        captured.err
    )


def test_run_json_prints_only_json_while_previews_go_to_stderr(
    sqlite_ctx: Context, monkeypatch: pytest.MonkeyPatch, tmp_path, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_ctx.settings.database_url)
    monkeypatch.setenv("ATRISK_SPEC", str(default_spec_path()))
    monkeypatch.setenv("ATRISK_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setattr(job, "_default_scorer", FakeScorer(fail="features failed"))
    ids = seed_world(sqlite_ctx)
    add_run(sqlite_ctx, AS_OF - dt.timedelta(days=2), add_model(sqlite_ctx), risks_for(ids))
    assert cli.run(["run", "--as-of", AS_OF.isoformat(), "--json"]) == 1  # the real dry-run outbox
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert report["fallback"] is True and report["alerts"]
    assert "ops → #atrisk-ops" in captured.err  # the ops notice preview


def test_score_json_says_fallback_and_why_while_the_model_is_disabled(
    env: Context, ops: OpsRecorder, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = seed_world(env)
    add_run(env, AS_OF - dt.timedelta(days=7), add_model(env), risks_for(ids), alerts=False)
    model_state.disable(env, "bad data since Monday", "jane@example.com")
    assert cli.run(["score", "--as-of", AS_OF.isoformat(), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fallback"] is True and out["scored"] is False
    assert out["fallback_cause"].startswith("disabled: disabled by jane@example.com")
    assert out["banner"] == "Model paused — using last week's data (scored 8 Jan 2025)"
    assert sum(out["alerts_of_the_day"].values()) == 4  # posted, or held out by the policy
