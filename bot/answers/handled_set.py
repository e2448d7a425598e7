"""Who acted on which alerted account, read once per process and click: what every ``/atrisk``
queue answer needs to count "nobody acted" and to keep only the unacted.

``handling`` changes with every click, play and posted alert, so the copy is keyed by
``storage.state_key``'s activity (newest alert, number posted, newest action, number of
actions, newest play, number open) and the session's product: the next answer after any of
those changes, in any process, reads it again.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from storage.held import HeldPerEngine
from storage.product import product_of
from storage.repositories import queue as qq
from storage.state_key import state_key

_held: HeldPerEngine[dict[str, qq.Handling]] = HeldPerEngine(most=2)  # two products


def handling_of(session: Session, account_ids: Iterable[str]) -> dict[str, qq.Handling]:
    """``storage.repositories.queue.handling`` of ``account_ids`` (those never alerted are
    absent), from the process's copy of every posted alert's handling."""
    key = (product_of(session), state_key(session).activity)
    every = _held.get(session.get_bind().engine, key, lambda: qq.every_handling(session))
    return {a: every[a] for a in account_ids if a in every}


def forget() -> None:
    """Drop every copy held (tests)."""
    _held.forget()
