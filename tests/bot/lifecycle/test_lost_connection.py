"""A PostgreSQL connection cut mid-run: one short line, a rerun is safe, the run recorded failed.

The server ends the session (``pg_terminate_backend``) at the worst moments: during the feature
query, and just after the run's first BEGIN. The person sees one line naming the lost
connection; the traceback goes to the log only; the owners get no SQL in their notice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text

from bot.cli import run
from bot.lifecycle.training import train_model
from storage.db import make_engine
from storage.models import ScoringRun
from tests.bot.lifecycle.conftest import END, make_ctx, use_env
from tests.conftest import ingest_beside

DAY = END - dt.timedelta(days=1)


@pytest.fixture
def trained_pg(pg_url: str, company_dir: Path, tmp_path: Path) -> str:
    engine = make_engine(pg_url)
    ingest_beside(company_dir, engine)
    engine.dispose()
    ctx = make_ctx(pg_url, tmp_path)
    assert train_model(ctx, as_of=DAY).state == "live"
    ctx.close()
    return pg_url


class Cutter:
    """Terminates the backend of the first connection to ``url`` where ``when`` holds."""

    def __init__(self, url: str) -> None:
        self.database = url.rsplit("/", 1)[1]
        self.admin = make_engine(url, isolation_level="AUTOCOMMIT")
        self.cut: list[str] = []
        self.armed = False

    def kill(self, conn: Any) -> None:
        if conn.engine is self.admin or conn.engine.url.database != self.database:
            return
        if self.cut or not self.armed:
            return
        pid = conn.connection.dbapi_connection.info.backend_pid
        with self.admin.connect() as admin:
            admin.execute(text("select pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        self.cut.append(str(pid))


@pytest.fixture
def cutter(trained_pg: str) -> Iterator[Cutter]:
    c = Cutter(trained_pg)
    yield c
    c.admin.dispose()


def _listen(name: str, fn: Callable[..., None]) -> Iterator[None]:
    event.listen(Engine, name, fn)
    try:
        yield
    finally:
        event.remove(Engine, name, fn)


@pytest.fixture
def during_feature_query(cutter: Cutter) -> Iterator[Cutter]:
    def before(conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        if "per_feature" in statement:  # the usage aggregation of the feature SQL
            cutter.kill(conn)

    yield from (cutter for _ in _listen("before_cursor_execute", before))


@pytest.fixture
def after_first_begin(cutter: Cutter) -> Iterator[Cutter]:
    def begun(conn: Any) -> None:
        cutter.kill(conn)

    yield from (cutter for _ in _listen("begin", begun))


@pytest.fixture
def notices(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    sent: dict[str, str] = {}

    def record(_ctx: Any, key: str, message: str, **_: Any) -> bool:
        sent.setdefault(key, message)
        return True

    monkeypatch.setattr("bot.delivery.ops_notices.notify_ops", record)
    return sent


def _score(
    url: str,
    cut: Cutter,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> tuple[int, str]:
    use_env(monkeypatch, url, tmp_path)
    monkeypatch.setattr("bot.daily.score_day.refuse_before_anything", _arm_after(cut))
    with caplog.at_level(logging.WARNING):
        code = run(["score", "--as-of", DAY.isoformat(), "--no-post"])
    out = capsys.readouterr()
    assert cut.cut, "the connection was never cut"
    return code, out.out + out.err


def _arm_after(cut: Cutter) -> Callable[[Any, Any], None]:
    from bot.daily.score_day import refuse_before_anything

    def preflight(ctx: Any, as_of: Any) -> None:
        refuse_before_anything(ctx, as_of)  # the read-only check that a model or a run exists
        cut.armed = True  # the run starts now: its first BEGIN is the next one

    return preflight


def _runs(url: str) -> list[tuple[str, str | None]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(ScoringRun.status, ScoringRun.error).where(ScoringRun.as_of == DAY)
        ).all()
    engine.dispose()
    return [(str(s), e) for s, e in rows]


def _assert_told_briefly(code: int, printed: str, caplog: pytest.LogCaptureFixture) -> None:
    assert code == 1, printed
    errors = [line for line in printed.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, printed
    line = errors[0]
    assert "Lost the connection to the database" in line and "a rerun is safe" in line
    assert len(line) < 300 and "SELECT" not in printed.upper().replace("SELECTED", "")
    assert "Traceback" not in printed
    assert any(r.exc_info for r in caplog.records), "the traceback belongs in the log"


@pytest.mark.postgres
def test_a_connection_cut_during_the_feature_query_is_one_line_and_a_failed_run(
    during_feature_query: Cutter,
    notices: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = during_feature_query.admin.url.render_as_string(hide_password=False)
    code, printed = _score(url, during_feature_query, tmp_path, monkeypatch, capsys, caplog)
    _assert_told_briefly(code, printed, caplog)
    runs = _runs(url)
    assert [s for s, _ in runs] == ["failed"], runs
    assert "Lost the connection" in str(runs[0][1]) and "SELECT" not in str(runs[0][1])
    for message in notices.values():
        assert "SELECT" not in message and len(message) < 600, message

    during_feature_query.armed = False  # the rerun is safe: it scores the day
    assert run(["score", "--as-of", DAY.isoformat(), "--no-post"]) == 0
    assert "succeeded" in [s for s, _ in _runs(url)]


@pytest.mark.postgres
def test_a_connection_cut_just_after_the_first_begin_is_one_line_and_a_failed_run(
    after_first_begin: Cutter,
    notices: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = after_first_begin.admin.url.render_as_string(hide_password=False)
    code, printed = _score(url, after_first_begin, tmp_path, monkeypatch, capsys, caplog)
    _assert_told_briefly(code, printed, caplog)
    runs = _runs(url)
    assert [s for s, _ in runs] == ["failed"], runs
    assert "Lost the connection" in str(runs[0][1])
    for message in notices.values():
        assert "SELECT" not in message and len(message) < 600, message
