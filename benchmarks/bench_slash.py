"""``/atrisk`` and button clicks under load, against PostgreSQL holding 100k scored accounts.

A throwaway database gets N accounts (two scoring runs of scores), a team of managers and
CSMs, and posted alerts; the real app runs in its own process, served by waitress, and is
sent signed requests by 20 clients at once, each waiting for its answer (the ``respond()``
post, or the click's ``chat.update``) before sending the next, as people do; the app's Web
API calls go to the Slack double in this process. Prints one JSON object: ack and
full-answer latency (ms) for ``/atrisk`` (a person's scope, and every account), a lookup
that falls through to fuzzy matching, and clicks (ack; recorded and message updated).

    python -m benchmarks.bench_slash [--accounts 100000] [--requests 400] [--concurrency 20]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import multiprocessing
import os
import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine, text

from bot.bootstrap import Context, default_spec_path
from bot.settings import Settings
from bot.slack.app import create_app
from bot.slack.server import EVENTS_PATH, HttpServer, wsgi_app
from storage.db import make_engine
from storage.migrate import upgrade
from tests.bot.slack import signing
from tests.bot.slack.slack_double import SlackDouble

TOKEN = "xoxb-bench"
TODAY = dt.date.today()
CSMS_PER_MANAGER = 20
ACCOUNTS_PER_CSM = 500


@contextmanager
def throwaway_database(base_url: str) -> Iterator[str]:
    name = f"atrisk_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _copy(engine: Engine, table: str, columns: str, rows: Iterator[tuple[Any, ...]]) -> None:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def seed(engine: Engine, n_accounts: int, rng: random.Random) -> dict[str, list[str]]:
    """Accounts, team, a live model, two runs of scores and posted alerts; who is who."""
    n_csms = max(1, n_accounts // ACCOUNTS_PER_CSM)
    n_managers = max(1, n_csms // CSMS_PER_MANAGER)
    team: list[tuple[str, str, str, str | None, str]] = [
        ("admin@x.io", "Admin", "admin", None, "U0ADMIN000")
    ]
    team += [
        (f"m{m}@x.io", f"Manager {m}", "manager", None, f"U0M{m:07d}") for m in range(n_managers)
    ]
    team += [
        (f"c{c}@x.io", f"CSM {c}", "csm", f"m{c % n_managers}@x.io", f"U0C{c:07d}")
        for c in range(n_csms)
    ]
    _copy(engine, "team", "email, name, role, manager_email, slack_user_id", iter(team))
    _copy(
        engine,
        "accounts",
        "account_id, name, csm_email, segment, arr, seats, created_at, renewal_date",
        (
            (
                f"A{i:06d}",
                f"Company {i} {rng.choice(['GmbH', 'Inc', 'Ltd', 'SAS'])}",
                f"c{i % n_csms}@x.io",
                "SMB",
                float(rng.randint(5, 500) * 1000),
                20,
                dt.date(2023, 1, 1),
                TODAY + dt.timedelta(days=rng.randint(1, 365)),
            )
            for i in range(n_accounts)
        ),
    )
    with engine.begin() as conn:
        model_id = conn.execute(
            text(
                "insert into model_versions (version, state, created_at, trained_as_of, "
                "feature_source, features, params, metrics, artifact, artifact_sha256, extras) "
                "values ('bench.1', 'live', now(), :d, 'builtin', '[]', '{}', "
                "'{\"roc_auc\": 0.8}', 'x', :sha, '{}') returning id"
            ),
            {"d": TODAY, "sha": "0" * 64},
        ).scalar_one()
        runs = []
        for day in (TODAY - dt.timedelta(days=7), TODAY):
            runs.append(
                conn.execute(
                    text(
                        "insert into scoring_runs (as_of, started_at, status, trigger, "
                        "model_version_id, n_scored, n_flagged, n_alerts, fallback, warnings) "
                        "values (:d, now(), 'succeeded', 'bench', :m, :n, 0, 0, false, '[]') "
                        "returning id"
                    ),
                    {"d": day, "m": model_id, "n": n_accounts},
                ).scalar_one()
            )
    reasons = json.dumps(
        [
            {
                "feature": "f",
                "family": "usage",
                "value": 1,
                "contribution": 0.3,
                "text": "Usage fell 40 % in the last 14 days",
            }
        ]
    )
    for run_id, day in zip(runs, (TODAY - dt.timedelta(days=7), TODAY), strict=True):
        _copy(
            engine,
            "scores",
            "run_id, account_id, model_version_id, as_of, shadow, risk, flagged, reasons",
            (
                (run_id, f"A{i:06d}", model_id, day, False, rng.random(), False, reasons)
                for i in range(n_accounts)
            ),
        )
    alerts = rng.sample(range(n_accounts), min(n_accounts, 2000))
    _copy(
        engine,
        "alerts",
        "alert_key, account_id, as_of, run_id, model_version_id, csm_email, risk, reasons, "
        "playbooks, fallback, status, attempts, created_at, posted_at, posted_channel, posted_ts",
        (
            (
                f"A{i:06d}:{TODAY}",
                f"A{i:06d}",
                TODAY,
                runs[1],
                model_id,
                f"c{i % n_csms}@x.io",
                0.9,
                reasons,
                json.dumps(
                    [
                        {
                            "id": "exec-sponsor-call",
                            "title": "Exec sponsor call",
                            "follow_up_days": 14,
                        }
                    ]
                ),
                False,
                "posted",
                1,
                dt.datetime.now(dt.UTC),
                dt.datetime.now(dt.UTC),
                "C0BENCH001",
                f"{1000 + i}.000100",
            )
            for i in alerts
        ),
    )
    with engine.begin() as conn:
        conn.execute(text("analyze"))
        ids = [r for (r,) in conn.execute(text("select id from alerts order by id"))]
    users = [t[4] for t in team]
    return {"users": users, "alerts": [str(i) for i in ids]}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "p50": pct(values, 0.5),
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


def serve_app(db_url: str, slack_url: str, threads: int, port: Any) -> None:
    """The app in a child process, as ``atrisk serve`` runs it (waitress, bolt, lazy work)."""
    logging.basicConfig(level=logging.ERROR)
    settings = Settings(
        database_url=db_url,
        atrisk_spec=default_spec_path(),
        slack_bot_token=TOKEN,
        slack_signing_secret=signing.SECRET,
        slack_api_url=slack_url,
    )
    ctx = Context(settings=settings)
    app = create_app(ctx, client=WebClient(token=TOKEN, base_url=slack_url), verify_token=False)
    server = HttpServer(wsgi_app(app, ctx), host="127.0.0.1", port=0, threads=threads)
    port.put(server.port)
    server.run()


def load(
    send: Callable[[int], tuple[float, float | None]], n: int, concurrency: int
) -> tuple[list[float], list[float]]:
    """Ack and full-answer latencies (ms) for ``n`` requests, ``concurrency`` at a time."""
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(send, range(n)))
    return [a for a, _ in results], [b for _, b in results if b is not None]


def post_alerts(slack: SlackDouble, engine: Engine, n: int) -> list[tuple[int, str, str]]:
    """Post the first ``n`` alerts into the double so clicks can update them in place."""
    client = WebClient(token=TOKEN, base_url=slack.url)
    with engine.begin() as conn:
        ids = [
            i for (i,) in conn.execute(text("select id from alerts order by id limit :n"), {"n": n})
        ]
        out = []
        for alert_id in ids:
            posted = client.chat_postMessage(channel="C0BENCH001", text=f"alert {alert_id}")
            conn.execute(
                text("update alerts set posted_channel = :c, posted_ts = :t where id = :i"),
                {"c": posted["channel"], "t": posted["ts"], "i": alert_id},
            )
            out.append((alert_id, str(posted["channel"]), str(posted["ts"])))
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(7)
    with throwaway_database(args.pg_url) as url, TimedDouble(TOKEN) as slack:
        engine = make_engine(url, create=True)
        upgrade(engine)
        started = time.perf_counter()
        who = seed(engine, args.accounts, rng)
        seed_seconds = time.perf_counter() - started
        posted = post_alerts(slack, engine, args.requests)
        engine.dispose()
        fork = multiprocessing.get_context("fork")
        port: Any = fork.Queue()
        child = fork.Process(target=serve_app, args=(url, slack.url, args.concurrency, port))
        child.start()
        endpoint = f"http://127.0.0.1:{port.get(timeout=60)}{EVENTS_PATH}"
        users: list[str] = []

        def command(text_for: Callable[[int], str]) -> Callable[[int], tuple[float, float | None]]:
            def send(i: int) -> tuple[float, float | None]:
                url = slack.response_url()
                user = users[i % len(users)]
                body = signing.command_body(text_for(i), user_id=user, response_url=url)
                t0 = time.monotonic()
                answer = signing.post(endpoint, body, signing.signed_headers(body))
                ack = (time.monotonic() - t0) * 1000
                assert answer.status == 200, answer
                done = slack.wait(url)
                return ack, (done - t0) * 1000 if done else None

            return send

        def click(i: int) -> tuple[float, float | None]:
            alert_id, channel, ts = posted[i % len(posted)]
            payload = signing.block_action(
                action_id="atrisk.playbook.0",
                value=json.dumps({"alert": alert_id, "playbook": "exec-sponsor-call"}),
                user_id=who["users"][i % len(who["users"])],
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
            done = slack.wait(f"update/{ts}")
            return ack, (done - t0) * 1000 if done else None

        try:
            users[:] = [u for u in who["users"] if not u.startswith("U0ADMIN")]
            load(command(lambda i: ""), 40, args.concurrency)  # warm up pools and caches
            top_ack, top_full = load(command(lambda i: ""), args.requests, args.concurrency)
            users[:] = ["U0ADMIN000"]  # every account in scope: the heaviest query
            all_ack, all_full = load(command(lambda i: ""), args.requests // 4, args.concurrency)
            misspelt = lambda i: f"Compny {rng.randrange(args.accounts)} GmbX"  # noqa: E731
            fuzzy_ack, fuzzy_full = load(command(misspelt), 40, args.concurrency)
            click_ack, click_done = load(click, args.requests, args.concurrency)
            updated = len(slack.calls_to("chat.update"))
        finally:
            child.terminate()
            child.join(10)
    return {
        "benchmark": "slash",
        "backend": "postgresql",
        "accounts": args.accounts,
        "scores": 2 * args.accounts,
        "concurrency": args.concurrency,
        "seed_seconds": round(seed_seconds, 1),
        "atrisk_in_scope_ms": {
            "ack": summary(top_ack),
            "answer": summary(top_full),
            "requests": len(top_ack),
        },
        "atrisk_all_accounts_ms": {
            "ack": summary(all_ack),
            "answer": summary(all_full),
            "requests": len(all_ack),
        },
        "atrisk_fuzzy_lookup_all_accounts_ms": {
            "ack": summary(fuzzy_ack),
            "answer": summary(fuzzy_full),
            "requests": len(fuzzy_ack),
        },
        "click_ms": {
            "ack": summary(click_ack),
            "recorded_and_message_updated": summary(click_done),
            "requests": len(click_ack),
        },
        "clicks_recorded_and_updated": updated,
        "targets": {"atrisk_ack_p99_ms": 300, "click_ack_p99_ms": 100},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "ATRISK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    print(json.dumps(run(parser.parse_args())))


if __name__ == "__main__":
    main()
