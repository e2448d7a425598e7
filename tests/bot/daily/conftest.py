"""Fixtures for the daily job: a context on a test database, a recorded ops channel, seeds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bootstrap import Context
from tests.bot.daily.factories import OpsRecorder, make_ctx


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
