"""Work run in child processes (spawned: each has its own interpreter and connections).

Each racer waits at a shared barrier so both claim at the same moment, then puts its result
on a queue.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any


def race_daily(url: str, tmp: str, barrier: Any, results: Any, as_of: dt.date) -> None:
    """A scheduler's daily job for ``as_of``: score (slowly) and post."""
    from bot.daily.job import run_daily
    from tests.bot.daily.factories import FakePoster, FakeScorer, make_ctx

    ctx = make_ctx(url, Path(tmp))
    scorer = FakeScorer(delay=0.5)
    barrier.wait(timeout=60)
    report = run_daily(ctx, as_of, trigger="scheduler", scorer=scorer, poster=FakePoster())
    ctx.close()
    results.put({"status": report.status, "scored": len(scorer.calls)})


def killed_daily(url: str, tmp: str, as_of: dt.date, posts_before_kill: int) -> None:
    """``atrisk run`` for ``as_of``, killed after ``posts_before_kill`` alerts went out."""
    from bot.daily.job import run_daily
    from tests.bot.daily.factories import FakePoster, FakeScorer, make_ctx

    ctx = make_ctx(url, Path(tmp))
    poster = FakePoster(kill_after=posts_before_kill)
    run_daily(ctx, as_of, trigger="cli", scorer=FakeScorer(), poster=poster)


def run_racers(target: Any, args: tuple[Any, ...], n: int = 2) -> list[Any]:
    """Start ``n`` spawned processes on ``target(*args, barrier, results, …)``; their results."""
    import multiprocessing as mp

    spawn = mp.get_context("spawn")
    barrier, results = spawn.Barrier(n), spawn.Queue()
    head, tail = args
    procs = [spawn.Process(target=target, args=(*head, barrier, results, *tail)) for _ in range(n)]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0, f"racer exited with {p.exitcode}"
    return out


def killed_while_posting(url: str, tmp: str, api_url: str, as_of: dt.date, after: int) -> None:
    """``atrisk run`` posting through the real outbox to ``api_url``; the process dies right
    after Slack accepted the ``after``-th message, before the outbox could record it."""
    from slack_sdk import WebClient

    from bot.adapters.slack_web import SlackWebApi
    from bot.daily.job import run_daily
    from bot.delivery.post_alerts import post_pending
    from tests.bot.daily.factories import FakeScorer, make_ctx

    class DyingClient(WebClient):
        sent = 0

        def chat_postMessage(self, **kwargs: Any) -> Any:
            answer = super().chat_postMessage(**kwargs)
            DyingClient.sent += 1
            if DyingClient.sent == after:
                os._exit(137)
            return answer

    ctx = make_ctx(url, Path(tmp), token="xoxb-test", api_url=api_url)
    client = DyingClient(token="xoxb-test", base_url=api_url, retry_handlers=[])
    run_daily(
        ctx,
        as_of,
        scorer=FakeScorer(),
        poster=lambda c: post_pending(c, slack=SlackWebApi(client), interval=0.0),
    )
