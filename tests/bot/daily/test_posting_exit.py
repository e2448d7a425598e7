"""``atrisk score`` and ``atrisk run`` exit 1 when posting the day's alerts failed, so a cron
notices; the alerts stay pending for the next run."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from slack_sdk import WebClient

from bot import cli
from bot.adapters.slack_web import SlackWebApi
from bot.bootstrap import Context
from bot.daily import job
from bot.delivery.post_alerts import post_pending
from bot.lifecycle import model_state
from storage.models import Alert
from tests.bot.daily.factories import AS_OF, OpsRecorder, add_model, add_run, risks_for, seed_world
from tests.bot.slack.slack_double import SlackDouble


def crashing_poster(ctx: Context) -> None:
    raise ValueError("invalid literal for int() with base 10: 'Wed, 15 Jan 2025 06:00:01 GMT'")


def disabled_with_alerts(ctx: Context) -> None:
    """Last week's scores and a disabled model: ``atrisk score`` serves them and posts."""
    ids = seed_world(ctx)
    add_run(ctx, AS_OF - dt.timedelta(days=7), add_model(ctx), risks_for(ids), alerts=False)
    model_state.disable(ctx, "bad data since Monday", "jane@example.com")


def pending(ctx: Context) -> int:
    with ctx.uow() as uow:
        return uow.session.query(Alert).filter(Alert.status == "pending").count()


def test_score_exits_1_when_posting_crashed_and_the_alerts_stay_pending(
    env: Context,
    ops: OpsRecorder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    disabled_with_alerts(env)
    monkeypatch.setattr(job, "default_poster", crashing_poster)
    assert cli.run(["score", "--as-of", AS_OF.isoformat(), "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["fallback"] is True  # the answer is still printed
    assert "posting failed (alerts stay pending): ValueError" in captured.err
    assert "the next run posts the pending alerts" in captured.err
    assert pending(env) > 0


def test_score_exits_1_when_slack_refuses_the_token_while_posting(
    env: Context,
    ops: OpsRecorder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    disabled_with_alerts(env)
    with SlackDouble("xoxb-test") as slack:
        refused = SlackWebApi(WebClient(token="xoxb-revoked", base_url=slack.url))
        monkeypatch.setattr(job, "default_poster", lambda c: post_pending(c, slack=refused))
        assert cli.run(["score", "--as-of", AS_OF.isoformat()]) == 1
    assert "posting stopped early: invalid_auth" in capsys.readouterr().err


def test_run_exits_1_when_posting_crashed(
    env: Context,
    ops: OpsRecorder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed_world(env)
    add_model(env)
    monkeypatch.setattr(job, "default_poster", crashing_poster)
    assert cli.run(["run", "--as-of", AS_OF.isoformat()]) == 1
    captured = capsys.readouterr()
    assert "posting failed (alerts stay pending)" in captured.out
    assert "posting the alerts of 2025-01-15 failed" in captured.err
