"""The replay memory file of ``atrisk serve`` on SQLite: where it lives, and a signature still
let through once by every process when the file is removed while serving."""

from __future__ import annotations

import time
from pathlib import Path

from storage.db import make_engine
from storage.seen_requests import SeenRequests, memory_file, memory_path

KEY = "b" * 64


def test_the_memory_file_lies_beside_the_sqlite_store(tmp_path: Path) -> None:
    store = make_engine(f"sqlite:///{tmp_path / 'atrisk.db'}", create=True)
    assert memory_path(store) == tmp_path / "atrisk.db-signatures"
    assert memory_path(make_engine("sqlite://")) is None


def test_a_memory_file_removed_while_serving_is_started_again_for_every_process(
    tmp_path: Path,
) -> None:
    path = tmp_path / "atrisk.db-signatures"
    first = memory_file(path)
    try:
        assert SeenRequests(first).first_time("a" * 64, time.time())
        for file in tmp_path.glob("atrisk.db-signatures*"):
            file.unlink()
        assert SeenRequests(first).first_time(KEY, time.time())
        replacement = memory_file(path)  # a worker started after the removal
        try:
            assert not SeenRequests(replacement).first_time(KEY, time.time())
            assert SeenRequests(replacement).first_time("c" * 64, time.time())
            assert not SeenRequests(first).first_time("c" * 64, time.time())
        finally:
            replacement.dispose()
    finally:
        first.dispose()
