"""Copies per process and database of something read from it, read again when their key moves.

Each ``/atrisk`` answer would otherwise read again what did not change since the last one: the
name index, the team, the served run, its flagged accounts, who acted on them. Each is kept
here under the key it was built from (``storage.state_key``): the first thread to see a new
key builds the copy while the others wait for it, then all share it.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import Engine

T = TypeVar("T")


def _keep_out_of_collections() -> None:
    """Collect what is garbage now, then move every object left, the new copy's included, out
    of the collector's reach (``gc.freeze``). A copy of 100k accounts is a few hundred thousand
    long-lived objects: left in the oldest generation, each full collection walks them all
    (about 150 ms on one core, every thread of the process stopped), which is what the slowest
    answers waited for. Frozen objects are still freed when nothing refers to them (a copy
    replaced after an ingest goes); only cycles frozen together would stay, and the collection
    just before leaves none. After the first freeze the collection walks young objects only."""
    gc.collect()
    gc.freeze()


class HeldPerEngine(Generic[T]):
    """``get(engine, key, build)``: the copy held for ``engine`` under ``key``, else
    ``build()`` (one builder at a time), held until ``most`` newer keys replace it (one by
    default: a copy goes as soon as its key moves; more where two keys are asked in turn,
    such as two products in one database). Thread-safe; the copies go with their engine
    (weak reference)."""

    def __init__(self, most: int = 1) -> None:
        self._lock = threading.Lock()
        self._most = most
        self._held: weakref.WeakKeyDictionary[Engine, OrderedDict[Hashable, T]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, engine: Engine, key: Hashable, build: Callable[[], T]) -> T:
        held = self._held.get(engine)
        if held is not None and key in held:
            try:
                return held[key]
            except KeyError:  # dropped by another thread since
                pass
        with self._lock:
            held = self._held.setdefault(engine, OrderedDict())
            if key in held:
                return held[key]
            value = build()
            _keep_out_of_collections()
            held[key] = value
            while len(held) > self._most:
                held.popitem(last=False)
            return value

    def forget(self) -> None:
        """Drop every copy held (tests)."""
        with self._lock:
            self._held.clear()
