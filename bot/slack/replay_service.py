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
decides with its own memory, as when the database is down).
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import socket
import socketserver
import tempfile
import threading
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from storage.errors import StorageError
from storage.seen_requests import SeenRequests, file_memory

KEY = re.compile(r"[0-9a-f]{1,64}")
MOST_LINE = 128  # bytes of one question
TIMEOUT_SECONDS = 5.0  # a worker waits this long for an answer before deciding alone
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
            key, now = line.decode("ascii").split()
            if not KEY.fullmatch(key):
                return b"!"
            with self.lock:
                return b"1" if self.memory.first_time(key, float(now)) else b"0"
        except (UnicodeDecodeError, ValueError):
            return b"!"
        except (SQLAlchemyError, StorageError) as e:
            log.warning("the replay memory file could not be used: %s", type(e).__name__)
            return b"!"


class MemoryService:
    """The replay memory in ``replay_file``, served to the workers from a thread of this
    process (``start``; ``stop`` removes its socket). ``address`` is what ``MemoryClient``
    connects to."""

    def __init__(self, replay_file: Path) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="atrisk-replay-"))  # mode 0700
        self.address = str(self._folder / "memory.sock")
        self._server = _Server(self.address, file_memory(replay_file))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.5},
            name="atrisk-replay-memory",
            daemon=True,
        )

    def start(self) -> MemoryService:
        self._thread.start()
        return self

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


class MemoryClient:
    """``first_time(key, now)`` asked of the ``MemoryService`` at ``address``: one connection
    per thread, made again once if it broke. Raises ``MemoryUnreachable`` (a
    ``StorageError``) when the service does not answer, or answers that it could not say."""

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
                if attempt == 2:
                    raise MemoryUnreachable(f"the replay memory did not answer ({e})") from e
        if answer == b"!":
            raise MemoryUnreachable("the replay memory could not say")
        return answer == b"1"
