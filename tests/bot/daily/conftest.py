"""Fixtures for the daily job: a context on a test database, a recorded ops channel, seeds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bootstrap import Context, default_spec_path
from bot.daily import job
from tests.bot.daily.factories import FakePoster, FakeScorer, OpsRecorder, make_ctx


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    c = make_ctx(db_url, tmp_path)
    yield c
    c.close()


@pytest.fixture
def sqlite_ctx(sqlite_url: str, tmp_path: Path) -> Iterator[Context]:
    c = make_ctx(sqlite_url, tmp_path)
    yield c
    c.close()


@pytest.fixture
def env(sqlite_ctx: Context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Context:
    """The CLI's environment on ``sqlite_ctx``: a dry run, a fake scorer and a fake poster."""
    monkeypatch.setenv("DATABASE_URL", sqlite_ctx.settings.database_url)
    monkeypatch.setenv("ATRISK_SPEC", str(default_spec_path()))
    monkeypatch.setenv("ATRISK_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.setattr(job, "_default_scorer", FakeScorer())
    monkeypatch.setattr(job, "default_poster", FakePoster())
    return sqlite_ctx


@pytest.fixture
def ops(monkeypatch: pytest.MonkeyPatch) -> OpsRecorder:
    """Messages to the ops channel, recorded instead of sent (one per key, as in Slack)."""
    recorder = OpsRecorder()
    monkeypatch.setattr("bot.delivery.ops_notices.notify_ops", recorder)
    return recorder


@pytest.fixture
def ctx_pg(pg_url: str, tmp_path: Path) -> Iterator[Context]:
    c = make_ctx(pg_url, tmp_path)
    yield c
    c.close()
