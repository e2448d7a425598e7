"""``atrisk serve --workers 2`` as a person runs it: a real process tree on one port, sent real
signed requests over HTTP; replays are refused by every worker (the processes share one memory
of signatures), the scheduler runs once, a dead worker is replaced, and SIGTERM stops
everything."""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.bootstrap import default_spec_path
from bot.slack.workers import Supervisor
from storage.seen_requests import SeenRequests, memory_file
from tests.bot.slack import signing
from tests.bot.slack.app_harness import TOKEN, wait_until
from tests.bot.slack.slack_double import SlackDouble

LISTENING = re.compile(r"listening on (http://[0-9.]+:[0-9]+)/slack/events")
SCHEDULED = "bot.scheduler: scheduled "
REQUESTS = itertools.count()
SERVE = ["serve", "--host", "127.0.0.1", "--workers", "2", "--port", "0"]


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    log: Path
    env: dict[str, str]

    def workers(self) -> list[int]:
        """The supervisor's live worker processes (from /proc)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                found.append(int(entry.name))
        return sorted(found)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def help_request(self) -> tuple[str, dict[str, str]]:
        """A signed ``/atrisk help`` of its own (two in the same second differ by their URL)."""
        url = f"http://127.0.0.1:9/r/{next(REQUESTS)}"
        body = signing.command_body("help", user_id="U0JANE0001", response_url=url)
        return body, signing.signed_headers(body)


@pytest.fixture
def served(sqlite_url: str, slack_double: SlackDouble, tmp_path: Path) -> Iterator[Served]:
    env = {
        **os.environ,
        "DATABASE_URL": sqlite_url,
        "ATRISK_SPEC": str(default_spec_path()),
        "SLACK_API_URL": slack_double.url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": signing.SECRET,
        "ATRISK_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    env.pop("SLACK_APP_TOKEN", None)
    log = tmp_path / "serve.log"
    command = "from bot.cli import main; main()"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", command, *SERVE],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        found = wait_until(lambda: LISTENING.search(log.read_text()), timeout=60)
        served = Served(process, found.group(1), log, env)
        wait_until(lambda: len(served.workers()) == 2, timeout=30)
        wait_until(lambda: signing.get(served.url + "/healthz").status == 200, timeout=30)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_replayed_request_gets_401_from_every_worker(served: Served) -> None:
    body, headers = served.help_request()
    assert signing.post(served.url + "/slack/events", body, headers).status == 200
    with ThreadPoolExecutor(8) as pool:  # new connections at once: both workers take some
        replays = list(
            pool.map(lambda _: signing.post(served.url + "/slack/events", body, headers), range(40))
        )
    assert {r.status for r in replays} == {401}
    fresh_body, fresh_headers = served.help_request()
    assert signing.post(served.url + "/slack/events", fresh_body, fresh_headers).status == 200


def test_processes_sharing_the_memory_file_let_a_signature_through_once(tmp_path: Path) -> None:
    path = tmp_path / "signatures.db"
    memory_file(path).dispose()
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as pool:
        firsts = pool.starmap(_first_time, [(path, "v0=" + "a" * 64)] * 8)
    assert sorted(firsts) == [False] * 7 + [True]


def _first_time(path: Path, key: str) -> bool:
    engine = memory_file(path)
    try:
        return SeenRequests(engine).first_time(key, time.time())
    finally:
        engine.dispose()


def test_the_scheduler_runs_in_one_worker_only(served: Served) -> None:
    jobs = wait_until(lambda: served.output().count(SCHEDULED), timeout=30)
    time.sleep(1.0)  # the other worker has long started: it would have logged by now
    assert served.output().count(SCHEDULED) == jobs
    assert "scheduler runs in worker 0" in served.output()


def test_a_worker_that_dies_is_replaced_and_the_server_says_so(served: Served) -> None:
    victim = served.workers()[0]
    os.kill(victim, signal.SIGKILL)
    wait_until(lambda: len(served.workers()) == 2 and victim not in served.workers(), timeout=30)
    said = f"(pid {victim}) was killed by SIGKILL; starting another."
    wait_until(lambda: said in served.output(), timeout=30)  # the line may follow the fork
    wait_until(lambda: signing.get(served.url + "/healthz").status == 200, timeout=30)
    body, headers = served.help_request()
    assert signing.post(served.url + "/slack/events", body, headers).status == 200


def test_sigterm_stops_every_worker_and_the_server_exits_0(served: Served) -> None:
    workers = served.workers()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(30) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def test_workers_that_keep_dying_at_start_stop_the_server_with_a_message() -> None:
    said: list[str] = []
    code = Supervisor(2, lambda slot: 3, on_replace=said.append).run()
    assert code == 1
    assert "exited with code 3" in said[-1] and "so the server stops" in said[-1]


def test_serve_on_a_port_already_taken_says_so(served: Served) -> None:
    port = served.url.rsplit(":", 1)[1]
    answer = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", *SERVE[:5], "--port", port],
        env=served.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert answer.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in answer.stderr
    assert "Traceback" not in answer.stderr + answer.stdout
