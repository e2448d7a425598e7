"""``/atrisk`` and button clicks under load, against an application store of 100k scored accounts.

A throwaway store (SQLite file or PostgreSQL database, ``benchmarks.slash_seed``) gets N
accounts (two scoring runs of scores, 5 % flagged), a team of managers and CSMs, and posted
alerts. The real app runs as ``atrisk serve --workers N`` runs it (``--workers``, default one
per core up to 4: a supervisor forking N waitress processes on one socket; here without the
scheduler) and is sent signed requests by 20 clients at once, each waiting for its answer
(the ``respond()`` post, or the click's ``chat.update``) before sending the next, as people
do; the app's Web API calls go to the Slack double in this process. Prints one JSON object
per backend: ack and full-answer latency (ms: p50, p95, p99, max, mean) per kind of question,
and for clicks, with the app's CPU time per question (``app_cpu_ms_per_request``, all its
processes', from /proc: what a loaded machine does not inflate) and the benchmark's own
(``bench_cpu_ms_per_request``: the 20 callers and the Slack double, on the same cores).

Kinds: ``status``; ``my_accounts`` (a CSM's ``/atrisk``); ``team_queue`` (a manager's
``/atrisk``); ``team`` (``/atrisk team``); ``csm`` (``/atrisk csm @…`` by a manager);
``all_accounts`` (an admin's ``/atrisk``); ``leads``; ``account_by_name`` (an exact name, any
case), ``account_by_prefix`` (the start of a name), ``misspelt_name`` (falls through to
did-you-mean), each asked by an admin, so across every account.

    python -m benchmarks.bench_slash [--accounts 100000] [--requests 200] [--concurrency 20]
        [--workers N] [--backends sqlite,postgresql] [--kinds status,misspelt_name,…]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import multiprocessing
import os
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine, text

from benchmarks.slash_seed import account_name, seed, throwaway_store
from bot.bootstrap import Context, default_spec_path
from bot.cli.serve_cmd import preflight, serve_workers
from bot.settings import Settings
from bot.slack.server import EVENTS_PATH
from bot.slack.workers import default_workers, listen
from storage.db import make_engine
from storage.migrate import upgrade
from tests.bot.slack import signing
from tests.bot.slack.slack_double import SlackDouble

TOKEN = "xoxb-bench"
TARGETS = {"ack_p99_ms": 100, "answer_p99_ms": 300}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": pct(values, 0.5),
        "p95": pct(values, 0.95),
        "p99": pct(values, 0.99),
        "max": round(max(values), 1),
        "mean": round(statistics.fmean(values), 1),
    }


class TimedDouble(SlackDouble):
    """The double, noting when each ``respond()`` post and ``chat.update`` arrives."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.arrived: dict[str, float] = {}
        self.arrival = threading.Condition()

    def handle(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> Any:
        reply = super().handle(method, params, headers)
        key = method if method.startswith("response/") else None
        if method == "chat.update":
            key = f"update/{params.get('ts')}"
        if key:
            with self.arrival:
                self.arrived[key] = time.monotonic()
                self.arrival.notify_all()
        return reply

    def wait(self, response_url: str, timeout: float = 60) -> float | None:
        """When the answer to ``response_url`` (or ``update/<ts>``) arrived, or None."""
        key = response_url
        if not key.startswith("update/"):
            key = "response/" + response_url.rsplit("/", 1)[-1]
        with self.arrival:
            self.arrival.wait_for(lambda: key in self.arrived, timeout)
            return self.arrived.get(key)


def serve_app(db_url: str, slack_url: str, threads: int, workers: int, port: Any) -> None:
    """The app in a child process, as ``atrisk serve --workers N`` runs it (a supervisor and
    N waitress processes on one socket; bolt, lazy work), without the scheduler."""
    logging.basicConfig(level=logging.ERROR)
    settings = Settings(
        database_url=db_url,
        atrisk_spec=default_spec_path(),
        slack_bot_token=TOKEN,
        slack_signing_secret=signing.SECRET,
        slack_api_url=slack_url,
    )
    ctx = Context(settings=settings)
    library = preflight(ctx)
    sock = listen("127.0.0.1", 0)
    port.put(sock.getsockname()[1])
    with contextlib.redirect_stdout(sys.stderr):  # stdout is the benchmark's JSON
        serve_workers(ctx, library, sock, workers=workers, threads=threads, scheduler=False)


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) the process ``pid`` and its live children have used, from
    /proc (None elsewhere): the supervisor and its workers."""
    own = _stat(pid)
    if own is None:
        return None
    ticks = int(own[11]) + int(own[12])
    for entry in os.listdir("/proc"):
        fields = _stat(int(entry)) if entry.isdigit() else None
        if fields is not None and fields[1] == str(pid):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def settle(pid: int, most_seconds: float = 60) -> None:
    """Wait until the app's processes are idle (under 2 % of a core over half a second)."""
    deadline = time.monotonic() + most_seconds
    before = cpu_seconds(pid)
    while before is not None and time.monotonic() < deadline:
        time.sleep(0.5)
        after = cpu_seconds(pid)
        if after is None or after - before < 0.01:
            return
        before = after


def load(
    send: Callable[[int], tuple[float, float | None]], n: int, concurrency: int
) -> tuple[list[float], list[float]]:
    """Ack and full-answer latencies (ms) for ``n`` requests, ``concurrency`` at a time."""
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(send, range(n)))
    return [a for a, _ in results], [b for _, b in results if b is not None]


def post_alerts(slack: SlackDouble, engine: Engine, n: int) -> list[tuple[int, str, str, str]]:
    """Post the first ``n`` alerts into the double so clicks can update them in place; each
    with its CSM's Slack id, the one person (with managers and admins) allowed to click it."""
    client = WebClient(token=TOKEN, base_url=slack.url)
    with engine.begin() as conn:
        owned = conn.execute(
            text(
                "select a.id, t.slack_user_id from alerts a join team t"
                " on lower(t.email) = lower(a.csm_email) order by a.id limit :n"
            ),
            {"n": n},
        ).all()
        out = []
        for alert_id, clicker in owned:
            posted = client.chat_postMessage(channel="C0BENCH001", text=f"alert {alert_id}")
            conn.execute(
                text("update alerts set posted_channel = :c, posted_ts = :t where id = :i"),
                {"c": posted["channel"], "t": posted["ts"], "i": alert_id},
            )
            out.append((alert_id, str(posted["channel"]), str(posted["ts"]), str(clicker)))
    return out


def questions(
    who: dict[str, Any], n_accounts: int
) -> dict[str, tuple[Callable[[int], str], list[str]]]:
    """Per kind: the text typed for request ``i``, and who types it (taken in turn)."""
    rng = random.Random(11)
    picks = [rng.randrange(n_accounts) for _ in range(10_000)]

    def pick(i: int) -> int:
        return picks[i % len(picks)]

    def misspelt(i: int) -> str:
        name = account_name(pick(i))
        return name.replace("Company", "Compny").replace(" Inc", " Icn").replace(" Ltd", " Lts")

    admin, managers, csms = [who["admin"]], who["managers"], who["csms"]
    return {
        "status": (lambda i: "status", csms),
        "my_accounts": (lambda i: "", csms),
        "team_queue": (lambda i: "", managers),
        "team": (lambda i: "team", managers),
        "csm": (lambda i: f"csm <@{csms[i % len(csms)]}>", admin),
        "all_accounts": (lambda i: "", admin),
        "leads": (lambda i: "leads", csms),
        "account_by_name": (lambda i: account_name(pick(i)).upper(), admin),
        "account_by_prefix": (lambda i: " ".join(account_name(pick(i)).split()[:2]), admin),
        "misspelt_name": (misspelt, admin),
    }


def run_backend(args: argparse.Namespace, backend: str) -> dict[str, Any]:
    rng = random.Random(7)
    with throwaway_store(backend, args.pg_url) as url, TimedDouble(TOKEN) as slack:
        engine = make_engine(url, create=True)
        upgrade(engine)
        started = time.perf_counter()
        who = seed(engine, args.accounts, rng)
        seed_seconds = time.perf_counter() - started
        posted = post_alerts(slack, engine, min(args.requests, len(who["alerts"])))
        engine.dispose()
        fork = multiprocessing.get_context("fork")
        port: Any = fork.Queue()
        child = fork.Process(
            target=serve_app, args=(url, slack.url, args.concurrency, args.workers, port)
        )
        child.start()
        endpoint = f"http://127.0.0.1:{port.get(timeout=60)}{EVENTS_PATH}"
        asked = questions(who, args.accounts)
        kinds = [k for k in (args.kinds.split(",") if args.kinds else asked) if k]

        def command(
            text_for: Callable[[int], str], users: list[str]
        ) -> Callable[[int], tuple[float, float | None]]:
            def send(i: int) -> tuple[float, float | None]:
                url = slack.response_url()
                body = signing.command_body(
                    text_for(i), user_id=users[i % len(users)], response_url=url
                )
                t0 = time.monotonic()
                answer = signing.post(endpoint, body, signing.signed_headers(body))
                ack = (time.monotonic() - t0) * 1000
                assert answer.status == 200, answer
                done = slack.wait(url, timeout=args.timeout)
                return ack, (done - t0) * 1000 if done else None

            return send

        def click(i: int) -> tuple[float, float | None]:
            alert_id, channel, ts, owner = posted[i % len(posted)]
            payload = signing.block_action(
                action_id="atrisk.playbook.0",
                value=json.dumps({"alert": alert_id, "playbook": "exec-sponsor-call"}),
                user_id=owner,  # the alert's CSM: anyone else is refused, with no update
                user_name="bench",
                channel=channel,
                ts=ts,
                response_url=slack.response_url(),
            )
            body = signing.payload_body(payload)
            t0 = time.monotonic()
            answer = signing.post(endpoint, body, signing.signed_headers(body))
            ack = (time.monotonic() - t0) * 1000
            assert answer.status == 200, answer
            done = slack.wait(f"update/{ts}", timeout=args.timeout)
            return ack, (done - t0) * 1000 if done else None

        out: dict[str, Any] = {}
        try:
            # warm up: pools, caches and each kind once, as on a server that has been up a while
            load(command(lambda i: "", who["csms"]), 2 * args.concurrency, args.concurrency)
            for kind in kinds:
                load(command(*asked[kind]), 1, 1)
            settle(child.pid or 0)  # each worker's name index is built in the background
            for kind in kinds:
                cpu_before, own_before = cpu_seconds(child.pid or 0), time.process_time()
                ack, full = load(command(*asked[kind]), args.requests, args.concurrency)
                cpu_after, own_after = cpu_seconds(child.pid or 0), time.process_time()
                out[kind] = {
                    "ack": summary(ack),
                    "answer": summary(full),
                    "requests": len(ack),
                    "unanswered": len(ack) - len(full),
                    # the app's CPU per question: what the load average does not change
                    "app_cpu_ms_per_request": round(
                        1000 * (cpu_after - cpu_before) / max(1, len(ack)), 1
                    )
                    if cpu_before is not None and cpu_after is not None
                    else None,
                    # the callers' and the Slack double's: the same two cores
                    "bench_cpu_ms_per_request": round(
                        1000 * (own_after - own_before) / max(1, len(ack)), 1
                    ),
                }
                print(f"  {backend} {kind}: {json.dumps(out[kind])}", file=sys.stderr, flush=True)
            click_ack, click_done = load(click, args.requests, args.concurrency)
            updated = len(slack.calls_to("chat.update"))
        finally:
            child.terminate()
            child.join(30)
    every_ack = [v["ack"]["p99"] for v in out.values() if v["ack"]]
    every_answer = [v["answer"]["p99"] for v in out.values() if v["answer"]]
    return {
        "backend": backend,
        "accounts": args.accounts,
        "scores": 2 * args.accounts,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "seed_seconds": round(seed_seconds, 1),
        "atrisk_ms": out,
        "worst_kind_p99_ms": {
            "ack": max(every_ack, default=None),
            "answer": max(every_answer, default=None),
        },
        "click_ms": {
            "ack": summary(click_ack),
            "recorded_and_message_updated": summary(click_done),
            "requests": len(click_ack),
            "unanswered": len(click_ack) - len(click_done),
        },
        "clicks_recorded_and_updated": updated,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="per kind of question")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="processes serving HTTP"
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--kinds", default="", help="comma-separated; default: every kind")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait per answer")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "ATRISK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    results = [run_backend(args, b.strip()) for b in args.backends.split(",") if b.strip()]
    print(json.dumps({"benchmark": "slash", "targets": TARGETS, "runs": results}))


if __name__ == "__main__":
    main()
