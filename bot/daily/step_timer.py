"""Seconds spent in each step of a scoring run, reported with ``atrisk score --json``.

Steps are laps: ``lap(name)`` records the wall-clock seconds since the previous lap (or since
the timer started) under ``name`` in ``laps``, and the CPU seconds of the process (every
thread: the source engine's and the model's included) in ``cpu_laps``; a name lapped twice
adds up. On a busy machine wall time grows with the load, CPU time much less.
"""

from __future__ import annotations

import time


class StepTimer:
    """``laps`` and ``cpu_laps``: ``{step: seconds}`` in the order the steps ran, rounded to
    milliseconds."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.cpu_laps: dict[str, float] = {}
        self._last = time.perf_counter()
        self._last_cpu = time.process_time()

    def lap(self, name: str) -> None:
        """Record the seconds since the previous lap under ``name``."""
        now, cpu = time.perf_counter(), time.process_time()
        self.laps[name] = round(self.laps.get(name, 0.0) + now - self._last, 3)
        self.cpu_laps[name] = round(self.cpu_laps.get(name, 0.0) + cpu - self._last_cpu, 3)
        self._last, self._last_cpu = now, cpu
