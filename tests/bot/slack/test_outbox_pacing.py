"""Pacing: channels are posted to in parallel, each no faster than its interval."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from bot.delivery.pacing import run_paced


def test_each_channel_is_spaced_and_channels_run_side_by_side() -> None:
    starts: dict[str, list[float]] = {}
    lock = threading.Lock()
    in_flight: set[str] = set()

    def work(channel: str, item: int) -> bool:
        with lock:
            assert channel not in in_flight, "one call at a time per channel"
            in_flight.add(channel)
            starts.setdefault(channel, []).append(time.monotonic())
        time.sleep(0.01)
        with lock:
            in_flight.discard(channel)
        return True

    began = time.monotonic()
    run_paced({f"#c{c}": range(4) for c in range(6)}, work, interval=0.1, workers=3)
    took = time.monotonic() - began
    assert 0.3 <= took < 0.8  # 4 posts per channel: 3 intervals, not 24
    for times in starts.values():
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.099


def test_items_that_did_not_post_do_not_wait() -> None:
    began = time.monotonic()
    run_paced({"#c": range(20)}, lambda c, i: False, interval=1.0)
    assert time.monotonic() - began < 0.5


def test_a_failure_stops_the_run_and_is_raised() -> None:
    done: list[int] = []

    def work(channel: str, item: int) -> bool:
        if item == 2:
            raise RuntimeError("boom")
        done.append(item)
        return False

    with pytest.raises(RuntimeError, match="boom"):
        run_paced({"#c": range(10)}, work, interval=0)
    assert done == [0, 1]
