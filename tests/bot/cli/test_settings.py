"""Secrets come only from the environment and never show up in output or logs."""

from __future__ import annotations

import logging

from bot.settings import Settings


def test_secrets_are_read_from_the_environment_and_never_printed(monkeypatch, caplog):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "signing-very-secret")
    settings = Settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-very-secret"
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("atrisk").info("settings: %s %r", settings, settings)
    shown = repr(settings) + str(settings) + caplog.text + settings.model_dump_json()
    assert "very-secret" not in shown
    assert not settings.dry_run


def test_without_a_bot_token_posting_is_a_dry_run(monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "")
    assert Settings().dry_run


def test_the_database_defaults_to_a_local_sqlite_file(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert Settings().database_url == "sqlite:///atrisk.db"
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    assert Settings().slack_api_url == "http://127.0.0.1:9999/api/"
