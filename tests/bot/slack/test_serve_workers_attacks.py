"""``atrisk serve --workers 2`` under attack and bad luck: a captured request replayed after a
restart, a supervisor killed outright, the replay memory file removed while serving, and
secrets kept out of every log line and answer."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.bot.slack import signing
from tests.bot.slack.app_harness import TOKEN, wait_until
from tests.bot.slack.slack_double import SlackDouble
from tests.bot.slack.test_serve_workers import LISTENING, SERVE, Served, served

__all__ = ["served"]  # the fixture, used below


def start(env: dict[str, str], log: Path) -> Served:
    """``atrisk serve --workers 2`` with ``env``, its output in ``log``, once it answers."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from bot.cli import main; main()", *SERVE],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    found = wait_until(lambda: LISTENING.search(log.read_text()), timeout=60)
    server = Served(process, found.group(1), log, env)
    wait_until(lambda: len(server.workers()) == 2, timeout=30)
    wait_until(lambda: signing.get(server.url + "/healthz").status == 200, timeout=30)
    return server


def stop(server: Served) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(30)


def test_a_request_replayed_after_a_restart_within_five_minutes_gets_401(
    served: Served, tmp_path: Path
) -> None:
    body, headers = served.help_request()
    assert signing.post(served.url + "/slack/events", body, headers).status == 200
    stop(served)
    again = start(served.env, tmp_path / "serve-again.log")
    try:
        replayed = signing.post(again.url + "/slack/events", body, headers)
        assert replayed.status == 401
        fresh_body, fresh_headers = again.help_request()
        assert signing.post(again.url + "/slack/events", fresh_body, fresh_headers).status == 200
    finally:
        stop(again)


def test_workers_stop_when_their_server_is_killed_outright(served: Served) -> None:
    workers = served.workers()
    served.process.kill()  # SIGKILL: no chance to stop its workers
    served.process.wait(10)
    try:
        wait_until(lambda: not any(_alive(pid) for pid in workers), timeout=15)
    finally:
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_the_replay_memory_file_removed_while_serving_still_refuses_replays(
    served: Served, tmp_path: Path
) -> None:
    files = _memory_files(served)
    assert files
    for path in files:
        path.unlink()
    body, headers = served.help_request()
    assert signing.post(served.url + "/slack/events", body, headers).status == 200
    replays = [signing.post(served.url + "/slack/events", body, headers) for _ in range(20)]
    assert {r.status for r in replays} == {401}


def test_no_log_line_or_answer_holds_the_signing_secret_or_the_bot_token(
    served: Served, slack_double: SlackDouble
) -> None:
    answers = [signing.get(served.url + "/healthz"), signing.get(served.url + "/nowhere")]
    body, headers = served.help_request()
    answers.append(
        signing.post(
            served.url + "/slack/events", body, {**headers, "X-Slack-Signature": "v0=" + "0" * 64}
        )
    )
    answers.append(signing.post(served.url + "/slack/events", body, headers))
    answers.append(signing.post(served.url + "/slack/events", body, headers))  # a replay
    os.kill(served.workers()[0], signal.SIGKILL)
    wait_until(lambda: "starting another" in served.output(), timeout=30)
    stop(served)
    seen = served.output() + "".join(a.body for a in answers)
    assert signing.SECRET not in seen
    assert TOKEN not in seen


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _memory_files(server: Served) -> list[Path]:
    """The replay memory file beside the SQLite store, and its journal files."""
    store = Path(server.env["DATABASE_URL"].removeprefix("sqlite:///"))
    return sorted(store.parent.glob(store.name + "-signatures*"))


def test_clients_holding_many_half_sent_requests_do_not_lock_out_slack(served: Served) -> None:
    host, port = served.url.removeprefix("http://").split(":")
    held = []
    try:
        for _ in range(300):  # each sends a first few bytes of its headers, then waits
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Sl")
            held.append(sock)
        time.sleep(1.0)
        body, headers = served.help_request()
        assert signing.post(served.url + "/slack/events", body, headers, timeout=5).status == 200
        assert signing.get(served.url + "/healthz", timeout=5).status == 200
    finally:
        for sock in held:
            sock.close()


def test_after_a_flood_of_held_connections_goes_the_same_workers_answer_again(
    served: Served,
) -> None:
    workers = served.workers()
    host, port = served.url.removeprefix("http://").split(":")
    held = []
    try:
        for _ in range(1200):  # more than all workers hold: the rest wait in the backlog
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")
            held.append(sock)
        time.sleep(2.0)
    finally:
        for sock in held:
            sock.close()
    wait_until(lambda: signing.get(served.url + "/healthz", timeout=5).status == 200, timeout=30)
    body, headers = served.help_request()
    assert signing.post(served.url + "/slack/events", body, headers, timeout=5).status == 200
    assert served.workers() == workers
    assert "Traceback" not in served.output()


def test_a_corrupted_replay_memory_file_still_answers_slack_and_says_why_in_the_log(
    served: Served,
) -> None:
    for path in _memory_files(served):
        path.write_bytes(b"not a database " * 1000)
    body, headers = served.help_request()
    assert signing.post(served.url + "/slack/events", body, headers).status == 200
    assert signing.post(served.url + "/slack/events", body, headers).status in (200, 401)
    wait_until(lambda: "replay check on this replica only" in served.output(), timeout=10)
    assert "Traceback" not in served.output()


def test_no_debug_log_line_holds_the_signing_secret_or_the_bot_token(
    served: Served, tmp_path: Path
) -> None:
    stop(served)
    loud = start({**served.env, "LOG_LEVEL": "DEBUG"}, tmp_path / "serve-debug.log")
    try:
        body, headers = loud.help_request()
        assert signing.post(loud.url + "/slack/events", body, headers).status == 200
        assert signing.post(loud.url + "/slack/events", body, headers).status == 401
        wait_until(lambda: "DEBUG" in loud.output(), timeout=10)
    finally:
        stop(loud)
    assert signing.SECRET not in loud.output()
    assert TOKEN not in loud.output()


def test_oversized_chunked_stale_and_malformed_requests_are_refused_by_the_workers(
    served: Served,
) -> None:
    host, port = served.url.removeprefix("http://").split(":")
    body, headers = served.help_request()
    chunk = b"a" * 65536
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20)) + b"0\r\n\r\n"
    head = {**headers, "Transfer-Encoding": "chunked"}
    assert signing.raw_request(served.url + "/slack/events", head, chunked).status == 413
    stale = signing.signed_headers(body, age=301)
    assert signing.post(served.url + "/slack/events", body, stale).status == 401
    ahead = signing.signed_headers(body, age=-400)
    assert signing.post(served.url + "/slack/events", body, ahead).status == 401
    for garbage in (b"\x00\xff GARBAGE\r\n\r\n", b"POST /slack/events HTTP/9.9\r\n\r\n"):
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(garbage)
            assert sock.recv(100).split(b" ")[1] in (b"400", b"401", b"505")
    assert signing.post(served.url + "/slack/events", body, headers).status == 200
    assert "Traceback" not in served.output()


def test_requests_in_flight_when_a_worker_is_killed_get_an_answer_or_a_closed_connection(
    served: Served,
) -> None:
    requests = [served.help_request() for _ in range(40)]

    def send(request: tuple[str, dict[str, str]]) -> int | str:
        try:
            return signing.post(served.url + "/slack/events", *request, timeout=10).status
        except OSError as e:  # the connection closed under it: Slack retries or says so
            return type(e).__name__

    with ThreadPoolExecutor(8) as pool:
        sent = [pool.submit(send, r) for r in requests]
        time.sleep(0.05)
        os.kill(served.workers()[0], signal.SIGKILL)
        outcomes = [f.result() for f in sent]
    assert all(o == 200 or isinstance(o, str) for o in outcomes), outcomes
    wait_until(lambda: len(served.workers()) == 2, timeout=30)
    again = [signing.post(served.url + "/slack/events", *r).status for r in requests]
    # answered before: a replay now; cut off: refused if its signature was already checked
    # (Slack's retry of it is signed anew), else answered now
    assert all(a == 401 for o, a in zip(outcomes, again, strict=True) if o == 200)
    assert set(again) <= {200, 401}
