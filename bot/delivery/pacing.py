"""Paced work per channel: one call in flight per channel, spaced like Slack's ~1 message/second
per channel, with all channels served in parallel by a small pool of threads.

500 alerts over 25 channels then take about 20 intervals, not 500.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")
C = TypeVar("C", bound=Hashable)

Work = Callable[[C, T], bool]  # returns True when the call used the channel's rate


def run_paced(
    groups: Mapping[C, Iterable[T]],
    work: Work[C, T],
    *,
    interval: float,
    workers: int = 16,
    clock: Callable[[], float] = time.monotonic,
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Call ``work(channel, item)`` for every item, in order within a channel.

    A call that used the channel (``work`` returned True) delays the channel's next call to
    ``interval`` after it *ended*: the request reached Slack before its answer came back, so
    the gap Slack sees is never shorter than ``interval``, however late the request arrived.
    The first exception stops the other workers after their current call and is re-raised
    here; ``should_stop`` ends the run early, leaving the rest undone.
    """
    queues: dict[C, deque[T]] = {c: deque(items) for c, items in groups.items()}
    order = itertools.count()
    ready: list[tuple[float, int, C]] = [(0.0, next(order), c) for c, q in queues.items() if q]
    heapq.heapify(ready)
    cond = threading.Condition()
    state = {"in_flight": 0}
    errors: list[BaseException] = []

    def take() -> tuple[C, T] | None:
        with cond:
            while True:
                if errors or should_stop() or (not ready and state["in_flight"] == 0):
                    cond.notify_all()
                    return None
                if not ready:
                    cond.wait()
                    continue
                due, _, channel = ready[0]
                wait = due - clock()
                if wait > 0:
                    cond.wait(wait)
                    continue
                heapq.heappop(ready)
                state["in_flight"] += 1
                return channel, queues[channel].popleft()

    def give_back(channel: C, used: bool) -> None:
        ended = clock()
        with cond:
            state["in_flight"] -= 1
            if queues[channel]:
                heapq.heappush(ready, (ended + interval if used else ended, next(order), channel))
            cond.notify_all()

    def loop() -> None:
        while (job := take()) is not None:
            channel, item = job
            used = False
            try:
                used = work(channel, item)
            except BaseException as exc:  # handed to the caller of run_paced, not swallowed
                with cond:
                    errors.append(exc)
                return
            finally:
                give_back(channel, used)

    threads = [
        threading.Thread(target=loop, name=f"atrisk-post-{n}", daemon=True)
        for n in range(max(1, min(workers, len(queues))))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
