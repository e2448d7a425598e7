"""The replay memory of ``atrisk serve --workers N`` on SQLite, kept by the server process.

Every request's signature is remembered so a replay is refused by any worker
(``bot.slack.request_guard``). With each worker writing the shared SQLite file itself, the
writers queued on the file's lock, and the one holding it waited for its own process's
interpreter lock, taken turn about with answers being rendered: one insert took 30 ms at the
median and 370 ms at the 99th percentile under 20 callers, which was most of each
acknowledgement's time. Here the server process, which renders nothing, keeps the file
(``storage.seen_requests.file_memory``) and answers its workers over a Unix socket in a
folder only its user can open: one short line each way per request, one writer on the file.

Protocol, one line each way: ``<key> <unix time>`` (``key``: 1–64 hex digits); the answer is
``1`` (first time), ``0`` (seen before) or ``!`` (the memory could not say; the worker then
decides with its own memory, as when the database is down). A line longer than
``MOST_LINE`` bytes is answered ``!`` and its connection closed.

An acknowledgement to Slack must leave within 3 s, so a worker waits ``TIMEOUT_SECONDS`` for
an answer and then decides alone, without asking again: a question that timed out may still
have been recorded, and asked again it would be answered "seen before", refusing Slack's
first delivery as a replay. The memory file waits at most ``storage.seen_requests.BUSY_SECONDS``
for another program's lock on it.

The server process forks (and replaces) workers while this memory answers from its threads:
a fork while a thread is inside SQLite would give the new worker SQLite's locks held for
ever, so ``quiet`` holds the memory still around each fork (``bot.slack.workers``).

The socket's folder is made by ``tempfile.mkdtemp`` (mode 0700) and removed at ``stop``;
one left behind by a server killed outright (SIGKILL) is removed by the next server that
starts (``remove_leftovers``).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import shutil
import socket
import socketserver
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from storage.errors import StorageError
from storage.seen_requests import SeenRequests, file_memory

KEY = re.compile(r"[0-9a-f]{1,64}")
MOST_LINE = 128  # bytes of one question
TIMEOUT_SECONDS = 1.0  # a worker waits this long for an answer before deciding alone
LATEST = 253402300799.0  # 9999-12-31T23:59:59Z: a later time is no request's
PREFIX = "atrisk-replay-"
SOCKET = "memory.sock"
log = logging.getLogger("atrisk.slack")


class MemoryUnreachable(StorageError):
    """The server process's replay memory did not answer (it stopped, or is overloaded)."""


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        with self.server.open_lock:
            self.server.open.add(self.request)
        try:
            while True:
                line = self.rfile.readline(MOST_LINE + 1)
                if not line:
                    return
                if not line.endswith(b"\n"):  # too long (or cut off): no sense in the rest
                    self.wfile.write(b"!\n")
                    return
                self.wfile.write(self.server.answer(line) + b"\n")
        except OSError:
            return  # the worker went, or the memory is stopping
        finally:
            with self.server.open_lock:
                self.server.open.discard(self.request)


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    request_queue_size = 1024  # every worker thread may connect at once (default: 5)

    def __init__(self, address: str, memory: SeenRequests) -> None:
        super().__init__(address, _Handler)
        self.memory = memory
        self.lock = threading.Lock()  # one writer on the file: no waits in SQLite's lock
        self.open: set[socket.socket] = set()  # the workers' connections, closed on stop
        self.open_lock = threading.Lock()

    def close_connections(self) -> None:
        with self.open_lock:
            for conn in self.open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)

    def answer(self, line: bytes) -> bytes:
        try:
            key, said = line.decode("ascii").split()
            now = float(said)
        except (UnicodeDecodeError, ValueError):
            return b"!"
        if not KEY.fullmatch(key) or not (math.isfinite(now) and 0 <= now <= LATEST):
            return b"!"
        try:
            with self.lock:
                return b"1" if self.memory.first_time(key, now) else b"0"
        except (SQLAlchemyError, StorageError) as e:
            log.warning("the replay memory file could not be used: %s", type(e).__name__)
            return b"!"
        except Exception as e:  # never a worker left without an answer, nor a traceback
            log.error("the replay memory failed (%s: %s)", type(e).__name__, e)
            return b"!"


class MemoryService:
    """The replay memory in ``replay_file``, served to the workers from a thread of this
    process (``start``; ``stop`` removes its socket). ``address`` is what ``MemoryClient``
    connects to."""

    def __init__(self, replay_file: Path) -> None:
        remove_leftovers()
        self._folder = Path(tempfile.mkdtemp(prefix=PREFIX))  # mode 0700
        self.address = str(self._folder / SOCKET)
        self._server = _Server(self.address, file_memory(replay_file))
        os.chmod(self.address, 0o600)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.5},
            name="atrisk-replay-memory",
            daemon=True,
        )

    def start(self) -> MemoryService:
        self._thread.start()
        return self

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """No thread of the memory is inside SQLite while this is held (module doc)."""
        with self._server.lock:
            yield

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        self._server.memory.engine.dispose()
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> MemoryService:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def remove_leftovers(folder: Path | None = None) -> list[Path]:
    """Remove the socket folders in ``folder`` (the temporary folder) left by servers of this
    user that were killed outright: those whose socket no process answers on. The folders
    removed."""
    removed = []
    for found in Path(folder or tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            if found.is_symlink() or found.lstat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        address = found / SOCKET
        if not address.is_socket():
            continue  # still being made by a server starting now, or not ours
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(1.0)
            try:
                probe.connect(str(address))
                continue  # a server is using it
            except ConnectionRefusedError:
                pass
            except OSError:
                continue
        shutil.rmtree(found, ignore_errors=True)
        removed.append(found)
    if removed:
        log.info(
            "removed %d replay memory folder(s) left by a server killed outright", len(removed)
        )
    return removed


class MemoryClient:
    """``first_time(key, now)`` asked of the ``MemoryService`` at ``address``: one connection
    per thread, made again once if it broke (never after a question timed out: module doc).
    Raises ``MemoryUnreachable`` (a ``StorageError``) when the service does not answer in
    ``timeout`` seconds, or answers that it could not say."""

    def __init__(self, address: str, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.address, self.timeout = address, timeout
        self._local = threading.local()

    def _connection(self) -> tuple[socket.socket, Any]:
        held = getattr(self._local, "connection", None)
        if held is None:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(self.timeout)
            try:
                conn.connect(self.address)
            except OSError:
                conn.close()
                raise
            held = (conn, conn.makefile("rb"))
            self._local.connection = held
        return held

    def _drop(self) -> None:
        held = getattr(self._local, "connection", None)
        self._local.connection = None
        if held is not None:
            with contextlib.suppress(OSError):
                held[1].close()
                held[0].close()

    def _ask(self, question: bytes) -> bytes:
        conn, reader = self._connection()
        conn.sendall(question)
        answer: bytes = reader.readline(8)
        if not answer:
            raise ConnectionResetError("the replay memory closed the connection")
        return answer.strip()

    def first_time(self, key: str, now: float) -> bool:
        question = f"{key[:64]} {now!r}\n".encode("ascii")
        for attempt in (1, 2):
            try:
                answer = self._ask(question)
                break
            except OSError as e:
                self._drop()
                if attempt == 2 or isinstance(e, TimeoutError):
                    raise MemoryUnreachable(f"the replay memory did not answer ({e})") from e
        if answer == b"!":
            raise MemoryUnreachable("the replay memory could not say")
        return answer == b"1"
