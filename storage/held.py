"""One copy per process and database of something read from it, read again when its key moves.

``name_index``, ``flagged_set`` and ``roster`` each keep what every ``/atrisk`` answer would
otherwise read again, keyed by what changes it (the newest ingest, the run): the first thread
to see a new key builds the copy while the others wait for it, then all share it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import Engine

T = TypeVar("T")


class HeldPerEngine(Generic[T]):
    """``get(engine, key, build)``: the copy held for ``engine`` if it was built under ``key``,
    else ``build()`` (one builder at a time), held until the key moves. Thread-safe; the copy
    goes with its engine (weak reference)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: weakref.WeakKeyDictionary[Engine, tuple[Hashable, T]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, engine: Engine, key: Hashable, build: Callable[[], T]) -> T:
        held = self._held.get(engine)
        if held is not None and held[0] == key:
            return held[1]
        with self._lock:
            held = self._held.get(engine)
            if held is not None and held[0] == key:
                return held[1]
            value = build()
            self._held[engine] = (key, value)
            return value

    def forget(self) -> None:
        """Drop every copy held (tests)."""
        with self._lock:
            self._held.clear()
