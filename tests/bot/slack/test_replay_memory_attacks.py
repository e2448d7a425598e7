"""The replay memory of ``atrisk serve --workers 2`` on SQLite under attack and bad luck: its
file held locked by another program or replaced by a folder, a question it cannot read, one
request raced to both workers, the server killed outright (its private socket folder left
behind), and workers forked while it is answering."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.slack.replay_service import MemoryClient, MemoryService
from bot.slack.request_guard import SeenSignatures
from bot.slack.workers import Supervisor
from storage.seen_requests import file_memory
from tests.bot.slack import signing
from tests.bot.slack.app_harness import wait_until
from tests.bot.slack.test_serve_workers import Served, served
from tests.bot.slack.test_serve_workers_attacks import start, stop

__all__ = ["served"]  # the fixture, used below

ACK_SECONDS = 3.0  # Slack shows the user an error when an acknowledgement takes longer


def _memory_path(server: Served) -> Path:
    store = Path(server.env["DATABASE_URL"].removeprefix("sqlite:///"))
    return store.with_name(store.name + "-signatures")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Another program holding the write lock of the SQLite file ``path``."""
    other = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def _timed_post(server: Served, body: str, headers: dict[str, str]) -> tuple[int, float]:
    began = time.monotonic()
    status = signing.post(server.url + "/slack/events", body, headers, timeout=30).status
    return status, time.monotonic() - began


def test_slack_is_answered_within_3_s_while_another_program_locks_the_replay_memory_file(
    served: Served,
) -> None:
    with _locked(_memory_path(served)):
        body, headers = served.help_request()
        status, took = _timed_post(served, body, headers)
    assert status == 200
    assert took < ACK_SECONDS, f"acknowledged after {took:.1f} s"
    wait_until(lambda: "replay check on this replica only" in served.output(), timeout=10)
    assert "Traceback" not in served.output()


def test_a_first_delivery_is_not_refused_as_a_replay_when_the_replay_memory_was_slow(
    served: Served,
) -> None:
    body, headers = served.help_request()
    answered: list[tuple[int, float]] = []

    def send() -> None:
        answered.append(_timed_post(served, body, headers))

    sender = threading.Thread(target=send)
    with _locked(_memory_path(served)):  # held longer than a worker waits for an answer
        sender.start()
        sender.join(6.0)
    sender.join(30)
    ((status, _took),) = answered
    assert status == 200  # Slack's first delivery of it: never "a replay"


def _socket_folder(server: Served) -> Path:
    """The folder of the Unix socket the server process listens on for its workers."""
    inodes = set()
    for fd in Path(f"/proc/{server.process.pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 8 and fields[6] in inodes and fields[7].endswith("memory.sock"):
            return Path(fields[7]).parent
    raise AssertionError("the server listens on no replay memory socket")


def test_the_servers_private_socket_folder_goes_at_sigterm_and_after_sigkill_at_next_start(
    served: Served, tmp_path: Path
) -> None:
    first = _socket_folder(served)
    assert first.parent == Path(tempfile.gettempdir())
    assert oct(first.stat().st_mode & 0o777) == oct(0o700)
    assert oct((first / "memory.sock").stat().st_mode & 0o077) == oct(0)
    stop(served)
    assert not first.exists()  # SIGTERM: nothing left
    second = start(served.env, tmp_path / "serve-second.log")
    folder = _socket_folder(second)
    workers = second.workers()
    second.process.kill()  # SIGKILL: it cannot clean up
    second.process.wait(10)
    wait_until(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout=15)
    third = start(served.env, tmp_path / "serve-third.log")
    try:
        assert not folder.exists()  # left by the kill, removed by the next server
        body, headers = third.help_request()
        assert signing.post(third.url + "/slack/events", body, headers).status == 200
    finally:
        stop(third)


@pytest.mark.parametrize(
    "question",
    [b"ab 1e400", b"ab -1e400", b"ab 1e20", b"ab inf", b"ab 99999999999999999999"],
    ids=["time too large", "time too small", "time past year 9999", "infinite", "big integer"],
)
def test_a_question_with_an_impossible_time_gets_no_verdict_and_no_traceback(
    tmp_path: Path, question: bytes, capfd: pytest.CaptureFixture[str]
) -> None:
    with MemoryService(tmp_path / "atrisk.db-signatures") as service:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(5)
            conn.connect(service.address)
            conn.sendall(question + b"\n")
            assert conn.makefile("rb").readline() == b"!\n"
        assert MemoryClient(service.address).first_time("ab" * 32, time.time())
    assert "Traceback" not in capfd.readouterr().err


def test_a_question_longer_than_a_line_gets_one_no_verdict_and_the_connection_closed(
    tmp_path: Path,
) -> None:
    with MemoryService(tmp_path / "atrisk.db-signatures") as service:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(5)
            conn.connect(service.address)
            conn.sendall(b"a" * 100_000 + b" 1\n")
            reader = conn.makefile("rb")
            assert reader.readline() == b"!\n"
            with contextlib.suppress(ConnectionResetError):  # closed with the rest unread
                assert reader.read() == b""  # nothing more is answered on it
        assert MemoryClient(service.address).first_time("ab" * 32, time.time())


def _use_sqlite_and_exit() -> int:
    """What a new worker does first: open SQLite and use it."""
    db = sqlite3.connect(":memory:")
    for _ in range(100):
        db.execute("select 1").fetchall()
    return 0


def test_workers_forked_while_the_replay_memory_is_answering_all_start(tmp_path: Path) -> None:
    """A worker forked while the server process's memory thread is inside SQLite would wait
    for ever on a lock that thread held at the fork (and was not replaced: it is alive)."""
    with MemoryService(tmp_path / "atrisk.db-signatures") as service:
        stopping = threading.Event()

        def ask() -> None:
            client = MemoryClient(service.address)
            n = 0
            while not stopping.is_set():
                n += 1
                with contextlib.suppress(Exception):
                    client.first_time(f"{threading.get_ident() % 10**6:x}{n:x}", time.time())

        askers = [threading.Thread(target=ask, daemon=True) for _ in range(3)]
        for t in askers:
            t.start()
        supervisor = Supervisor(1, lambda slot: _use_sqlite_and_exit(), fork_guard=service.quiet)
        hung = 0
        until = time.monotonic() + 10
        try:
            for _ in range(300):
                if time.monotonic() > until:
                    break
                supervisor._fork(0)
                (pid,) = supervisor.pids
                deadline = time.monotonic() + 3
                while not os.waitpid(pid, os.WNOHANG)[0]:
                    if time.monotonic() > deadline:
                        hung += 1
                        os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                        break
                    time.sleep(0.001)
                supervisor._pids.clear()
        finally:
            stopping.set()
    assert hung == 0


def test_one_server_process_decides_quickly_while_another_program_locks_its_memory_file(
    tmp_path: Path,
) -> None:
    """``atrisk serve --workers 1`` writes the memory file from the request's own thread."""
    path = tmp_path / "atrisk.db-signatures"
    memory = file_memory(path)
    guard = SeenSignatures(memory)
    try:
        with _locked(path):
            began = time.monotonic()
            assert guard.first_time("v0=" + "ab" * 32, time.time())
            took = time.monotonic() - began
        assert took < 1.0, f"waited {took:.1f} s for the lock"
        assert not guard.first_time("v0=" + "ab" * 32, time.time())
    finally:
        memory.engine.dispose()


def test_one_signed_request_sent_to_both_workers_at_once_is_handled_exactly_once(
    served: Served,
) -> None:
    for _ in range(3):
        body, headers = served.help_request()
        start_together = threading.Barrier(12)

        def send(
            _: int,
            body: str = body,
            headers: dict[str, str] = headers,
            start_together: threading.Barrier = start_together,
        ) -> int:
            start_together.wait(10)
            return signing.post(served.url + "/slack/events", body, headers).status

        with ThreadPoolExecutor(12) as pool:
            statuses = sorted(pool.map(send, range(12)))
        assert statuses == [200] + [401] * 11


def test_a_folder_in_place_of_the_replay_memory_file_still_answers_slack_with_a_log_line(
    served: Served,
) -> None:
    path = _memory_path(served)
    for found in path.parent.glob(path.name + "*"):
        found.unlink()
    path.mkdir()  # as a full disk or a wrong mount would leave it: nothing can be written
    body, headers = served.help_request()
    status, took = _timed_post(served, body, headers)
    assert (status, took < ACK_SECONDS) == (200, True)
    assert signing.post(served.url + "/slack/events", body, headers).status in (200, 401)
    wait_until(lambda: "replay check on this replica only" in served.output(), timeout=10)
    assert "Traceback" not in served.output()
