"""Several serving processes behind one URL: ``atrisk serve --workers N`` in HTTP mode.

One process (the supervisor) opens the listening socket, then forks N workers that each
accept on it with their own waitress server, app and database connections: the answers'
Python work (ORM, rendering, bolt) then runs on every core instead of one. The supervisor
serves no HTTP; the threads it may run (the replay memory, ``bot.slack.replay_service``)
are held still by ``fork_guard`` around each fork, so no worker starts with a lock one of
them held at the fork. It watches:

- a worker that dies is logged with its exit code or signal and replaced; when workers keep
  dying within ``QUICK_SECONDS`` of their start (``GIVE_UP_AFTER`` times in a row) it stops
  everything and says so, rather than fork for ever;
- SIGTERM or Ctrl-C (SIGINT) stops it gracefully: each worker gets SIGTERM, finishes the
  requests and answers in hand (``STOP_SECONDS`` at most, then SIGKILL) and exits.

Worker slot 0 (and whichever worker replaces it) also runs the scheduler, so the daily job
runs in exactly one process. Waitress processes on a socket opened before forking, rather
than a pre-fork server such as gunicorn: the same server, request guard and 413-before-read
as a single process, and no second server to configure or depend on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

QUICK_SECONDS = 10.0  # a worker dying this soon after its start counts towards giving up
GIVE_UP_AFTER = 5
STOP_SECONDS = 15.0
POLL_SECONDS = 0.2
log = logging.getLogger("atrisk.serve")

Worker = Callable[[int], int]  # runs worker ``slot`` until SIGTERM; its exit code


def default_workers() -> int:
    """One worker per core the process may use, at most 4 (the answers are CPU work)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def listen(host: str, port: int, backlog: int = 1024) -> socket.socket:
    """A TCP socket listening on ``host:port`` (port 0 picks a free one), to share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=backlog)


def how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"


@dataclass
class Supervisor:
    """Forks ``workers`` processes running ``worker(slot)`` and keeps them running (module
    doc). ``run()`` blocks until stopped; its exit code is 0 after a requested stop, 1 when
    it gave up on workers that kept dying. ``fork_guard()`` is held around each fork."""

    workers: int
    worker: Worker
    on_replace: Callable[[str], None] = field(default=lambda message: None)
    fork_guard: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext
    _pids: dict[int, tuple[int, float]] = field(default_factory=dict)  # pid -> (slot, start)
    _stopping: bool = False
    _quick_deaths: int = 0

    def run(self) -> int:
        previous = {
            sig: signal.signal(sig, self._request_stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            for slot in range(self.workers):
                self._fork(slot)
            while not self._stopping:
                time.sleep(POLL_SECONDS)
                if not self._reap_and_replace():
                    self._stopping = True
                    self._stop_all()
                    return 1
            self._stop_all()
            return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @property
    def pids(self) -> list[int]:
        return sorted(self._pids)

    def _request_stop(self, signum: int, frame: object) -> None:
        self._stopping = True

    def _fork(self, slot: int) -> None:
        with self.fork_guard():
            pid = os.fork()
        if pid == 0:  # the worker: the supervisor's signal handlers are not its own
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the supervisor stops us
                code = self.worker(slot)
            except BaseException:
                log.exception("worker %d failed", slot)
            finally:
                os._exit(code)
        self._pids[pid] = (slot, time.monotonic())

    def _reap_and_replace(self) -> bool:
        """Replace every worker that ended; False when they keep dying at start."""
        while self._pids:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return True
            slot, started = self._pids.pop(pid, (None, 0.0))
            if slot is None or self._stopping:
                continue
            quick = time.monotonic() - started < QUICK_SECONDS
            self._quick_deaths = self._quick_deaths + 1 if quick else 0
            if self._quick_deaths >= GIVE_UP_AFTER:
                message = (
                    f"atrisk: worker {slot} (pid {pid}) {how_it_ended(status)}; workers died "
                    f"{GIVE_UP_AFTER} times in a row within {QUICK_SECONDS:.0f} s of starting, "
                    "so the server stops (see the log above for why)."
                )
                log.error("%s", message)
                self.on_replace(message)
                return False
            message = f"atrisk: worker {slot} (pid {pid}) {how_it_ended(status)}; starting another."
            log.error("%s", message)
            self.on_replace(message)
            self._fork(slot)
        return True

    def _stop_all(self) -> None:
        for pid in self._pids:
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while self._pids and time.monotonic() < deadline:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                time.sleep(POLL_SECONDS)
            else:
                self._pids.pop(pid, None)
        for pid in list(self._pids):
            log.error("worker pid %d did not stop within %.0f s; killing it", pid, STOP_SECONDS)
            _signal(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            self._pids.pop(pid, None)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended already
        os.kill(pid, sig)
