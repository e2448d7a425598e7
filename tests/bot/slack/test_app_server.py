"""HTTP mode: bolt verifies signatures, ``/healthz`` reports the database, ``serve`` refuses
to start when it is not configured, saying what to fix."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.bootstrap import Context, default_spec_path
from bot.cli import run
from bot.cli.serve_cmd import build, preflight, start_scheduler
from bot.slack.app import create_app
from bot.slack.server import HttpServer, wsgi_app
from storage.models import Action
from tests.bot.slack import signing
from tests.bot.slack.app_harness import JANE, TOKEN, Harness, running_app, settings_for
from tests.bot.slack.slack_double import SlackDouble

SIX_MINUTES = 6 * 60


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(sqlite_url, slack_double) as harness:
        yield harness


def _click_body(app: Harness) -> str:
    payload = signing.block_action(
        action_id="atrisk.playbook.0",
        value=json.dumps({"alert": app.alerts["acme"], "playbook": "integration-health-check"}),
        user_id=JANE,
        user_name="jane",
        channel="C0JANECHAN",
        ts="1.0",
        response_url=app.double.response_url(),
    )
    return signing.payload_body(payload)


def test_a_forged_signature_is_refused_with_401_and_nothing_recorded(app: Harness) -> None:
    body = _click_body(app)
    answer = signing.post(app.url, body, signing.signed_headers(body, secret="not-the-secret"))
    assert answer.status == 401
    unsigned = signing.post(app.url, body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert unsigned.status == 401
    assert app.count(Action) == 0 and app.double.calls_to("chat.update") == []


def test_a_request_six_minutes_old_is_refused_with_401_and_nothing_recorded(
    app: Harness,
) -> None:
    answer = app.post(_click_body(app), age=SIX_MINUTES)
    assert answer.status == 401
    ack, url = app.command("", user=JANE)
    assert ack.status == 200  # a fresh request still goes through
    app.wait_for_response(url)
    assert app.count(Action) == 0 and app.double.calls_to("chat.update") == []


def test_healthz_answers_ok_with_the_database(app: Harness) -> None:
    answer = signing.get(app.server.url + "/healthz")
    assert answer.status == 200 and answer.json() == {"ok": True, "db": "ok"}
    assert signing.get(app.server.url + "/nowhere").status == 404


def test_healthz_answers_503_when_the_database_is_unreachable(
    slack_double: SlackDouble, tmp_path: Path
) -> None:
    missing = f"sqlite:///{tmp_path}/no/such/folder/atrisk.db"
    ctx = Context(settings=settings_for(missing, slack_double))
    client = WebClient(token=TOKEN, base_url=slack_double.url)
    app = create_app(ctx, client=client, verify_token=False)
    server = HttpServer(wsgi_app(app, ctx), host="127.0.0.1", port=0, poll_seconds=0.05).start()
    try:
        answer = signing.get(server.url + "/healthz")
    finally:
        server.stop()
    assert answer.status == 503 and answer.json() == {"ok": False, "db": "unreachable"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, sqlite_url: str, slack_double: SlackDouble):
    """A complete serve environment; tests remove or break one piece."""
    for name in ("SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("ATRISK_SPEC", str(default_spec_path()))
    monkeypatch.setenv("SLACK_API_URL", slack_double.url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", signing.SECRET)
    return monkeypatch


def test_serve_refuses_to_start_without_the_signing_secret(env, capsys) -> None:
    env.delenv("SLACK_SIGNING_SECRET")
    assert run(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_SIGNING_SECRET is not set" in err and "SLACK_APP_TOKEN" in err


def test_serve_refuses_to_start_without_the_bot_token(env, capsys) -> None:
    env.delenv("SLACK_BOT_TOKEN")
    assert run(["serve", "--port", "0"]) == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().err


def test_serve_refuses_a_token_slack_does_not_accept(env, capsys) -> None:
    env.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    assert run(["serve", "--port", "0"]) == 2
    assert "Slack did not accept SLACK_BOT_TOKEN" in capsys.readouterr().err


def test_serve_refuses_a_broken_playbook_library(env, capsys, tmp_path: Path) -> None:
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "broken.yml").write_text("id: [unclosed\n", encoding="utf-8")
    spec = default_spec_path().read_text(encoding="utf-8")
    spec = spec.replace("  playbooks: null", "  playbooks: playbooks")
    (tmp_path / "atrisk.yml").write_text(spec, encoding="utf-8")
    env.setenv("ATRISK_SPEC", str(tmp_path / "atrisk.yml"))
    assert run(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "playbook library is broken" in err and "broken.yml" in err


def test_a_configured_serve_checks_the_token_once_and_builds_the_app(
    env, slack_double: SlackDouble
) -> None:
    ctx = Context()
    library = preflight(ctx)
    assert len(library) > 0
    build(ctx, library)
    assert len(slack_double.calls_to("auth.test")) == 1
    ctx.close()


def test_serve_starts_the_scheduler_when_one_is_installed(env, monkeypatch) -> None:
    started: list[Context] = []
    fake = types.ModuleType("bot.scheduler")
    fake.start = started.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "bot.scheduler", fake)
    ctx = Context()
    start_scheduler(ctx)
    assert started == [ctx]
