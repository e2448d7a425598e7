"""Several processes on one embedded DuckDB file (``atrisk serve``'s workers, the daily run, an
ingest) take turns instead of refusing each other with DuckDB's lock error."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import source_engine
from storage.errors import DatabaseUnavailable
from storage.source_engine import make_source_engine, prepare_embedded

HOLD = """
import sys, time, duckdb
conn = duckdb.connect(sys.argv[1])
conn.execute("SELECT 1")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
conn.close()
"""


def _held_by_another_process(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_worker_reading_the_source_waits_for_the_first_instead_of_a_lock_error(
    tmp_path: Path,
) -> None:
    path = tmp_path / "atrisk.sources.duckdb"
    engine = make_source_engine(f"duckdb:///{path}")
    prepare_embedded(engine)
    holder = _held_by_another_process(path, 1.0)
    started = time.monotonic()
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM accounts")) == 0
    assert time.monotonic() - started >= 0.3  # it waited for the other process
    holder.wait(10)
    engine.dispose()


def test_a_source_held_too_long_says_another_process_is_using_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "atrisk.sources.duckdb"
    monkeypatch.setattr(source_engine, "LOCK_WAIT_S", 0.2)
    engine = make_source_engine(f"duckdb:///{path}", label="ATRISK_SOURCE_URL")
    prepare_embedded(engine)
    holder = _held_by_another_process(path, 3.0)
    try:
        with pytest.raises(DatabaseUnavailable) as e, engine.connect():
            pass
    finally:
        holder.kill()
        holder.wait(10)
    message = str(e.value)
    assert "another process is still using" in message and "try again" in message
    assert "IO Error" not in message and "See a" not in message
    engine.dispose()
