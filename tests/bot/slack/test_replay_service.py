"""The replay memory ``atrisk serve --workers N`` keeps in its server process on SQLite: one
signature is let through once whichever worker asks, across a restart too; a question it
cannot read, or a memory that stopped, leaves the worker to decide alone, with a log line."""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from pathlib import Path

import pytest

from bot.slack.replay_service import MemoryClient, MemoryService, MemoryUnreachable
from bot.slack.request_guard import SeenSignatures

KEY = "ab" * 32


def test_a_signature_is_let_through_once_whichever_worker_asks(tmp_path: Path) -> None:
    with MemoryService(tmp_path / "atrisk.db-signatures") as service:
        workers = [MemoryClient(service.address) for _ in range(4)]
        answers: list[bool] = []

        def ask(client: MemoryClient) -> None:
            answers.append(client.first_time(KEY, time.time()))

        threads = [threading.Thread(target=ask, args=(w,)) for w in workers * 5]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(answers) == [False] * 19 + [True]


def test_a_signature_seen_before_a_restart_is_still_refused(tmp_path: Path) -> None:
    memory = tmp_path / "atrisk.db-signatures"
    with MemoryService(memory) as before:
        assert MemoryClient(before.address).first_time(KEY, time.time())
    with MemoryService(memory) as after:
        assert not MemoryClient(after.address).first_time(KEY, time.time())
        assert MemoryClient(after.address).first_time("cd" * 32, time.time())


def test_only_its_own_user_can_reach_the_memory(tmp_path: Path) -> None:
    with MemoryService(tmp_path / "atrisk.db-signatures") as service:
        folder = Path(service.address).parent
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert not folder.exists()  # removed when the server stops


@pytest.mark.parametrize(
    "question",
    [b"not-hex " + b"1" * 10, b"ab" * 40 + b" 1.0", b"\xff\xfe 1", b"abc", b"abc nan-ish"],
    ids=["not hex", "too long", "not ascii", "no time", "time not a number"],
)
def test_a_question_it_cannot_read_gets_no_verdict(tmp_path: Path, question: bytes) -> None:
    import socket

    with MemoryService(tmp_path / "atrisk.db-signatures") as service:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(service.address)
        conn.sendall(question + b"\n")
        assert conn.makefile("rb").readline() == b"!\n"
        conn.close()
        assert MemoryClient(service.address).first_time(KEY, time.time())  # still serving


def test_a_worker_whose_memory_stopped_decides_alone_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service = MemoryService(tmp_path / "atrisk.db-signatures").start()
    client = MemoryClient(service.address, timeout=1)
    assert client.first_time(KEY, time.time())
    service.stop()
    with pytest.raises(MemoryUnreachable):
        client.first_time("cd" * 32, time.time())
    guard = SeenSignatures(client)
    with caplog.at_level(logging.WARNING, logger="atrisk.slack"):
        assert guard.first_time("v0=" + "ef" * 32, time.time())
        assert not guard.first_time("v0=" + "ef" * 32, time.time())  # its own memory
    assert "replay check on this replica only" in caplog.text
