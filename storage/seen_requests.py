"""Signed requests already received, remembered across replicas in ``job_runs``.

A request signed by Slack may be handled once. Each process remembers the signatures it
verified, but replicas behind one load balancer do not share memory: a captured request
replayed to another replica within its five minutes would be handled again. Sharing one
database, replicas share this memory: the first receipt of a signature claims the row
``job_runs(job="slack.request", run_key=<its 64 hex digits>)`` and the unique
``(job, run_key)`` refuses the same claim from any replica, exactly as a scheduled job's claim
(``storage.job_lock``). A row outlives the signature's validity (``KEEP``), then is deleted
by the next receipt that prunes (at most once a minute per process).

On SQLite, the processes of ``atrisk serve`` share the same memory in a SQLite file of their
own beside the store (``memory_path``, ``memory_file``): apart from the application store so
the write on every request never waits behind a daily run's, and kept when the server stops,
so a request captured before a restart is still refused within its five minutes.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, event, insert
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.schema import CreateTable

from storage.db import make_engine
from storage.job_lock import default_owner
from storage.models import JobRun

JOB = "slack.request"
KEEP = dt.timedelta(minutes=10)  # twice Slack's five-minute window for a signature
PRUNE_EVERY = dt.timedelta(minutes=1)
BUSY_SECONDS = 0.5  # the memory file waits this long for another writer's lock on it
FILE_KEY = "atrisk.replay_file"  # the (device, inode) a connection to the memory file opened
log = logging.getLogger("atrisk.slack")


class SeenRequests:
    """``first_time(key, now)``: True for the first receipt of ``key`` on any replica.

    ``key`` is at most 64 characters (the hex digits of a signature); ``now`` is a Unix time
    in seconds. Raises SQLAlchemy's errors when the database cannot be reached."""

    def __init__(self, engine: Engine, *, keep: dt.timedelta = KEEP) -> None:
        self.engine, self.keep = engine, keep
        self._pruned: dt.datetime | None = None
        self._lock = threading.Lock()

    def first_time(self, key: str, now: float) -> bool:
        at = dt.datetime.fromtimestamp(now, dt.UTC)
        row = {"job": JOB, "run_key": key[:64], "status": "succeeded", "owner": default_owner()}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(JobRun).values(**row, started_at=at, finished_at=at))
        except IntegrityError:
            return False
        self._prune(at)
        return True

    def _prune(self, at: dt.datetime) -> None:
        with self._lock:
            if self._pruned is not None and at - self._pruned < PRUNE_EVERY:
                return
            self._pruned = at
        with self.engine.begin() as conn:
            conn.execute(
                delete(JobRun).where(JobRun.job == JOB, JobRun.started_at < at - self.keep)
            )


def memory_path(engine: Engine) -> Path | None:
    """Where ``atrisk serve`` on the SQLite store ``engine`` keeps its replay memory: the
    store's file name followed by ``-signatures``, in the store's folder (so it has the
    store's owner and permissions, and outlives a restart). None for an in-memory store, a
    URI filename, or a database that is not SQLite."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:") or engine.url.query.get("uri"):  # a URI filename
        return None
    store = Path(database)
    return store.with_name(store.name + "-signatures")


def file_memory(path: Path) -> SeenRequests:
    """The replay memory kept in the SQLite file ``path`` (``memory_file``)."""
    return SeenRequests(memory_file(path))


def memory_file(path: Path) -> Engine:
    """An engine on the SQLite file ``path`` holding only the ``job_runs`` table of received
    signatures (created when missing: it is not the application store).

    When the file is removed or replaced while serving, each connection notices on its next
    use and reopens ``path`` (made again, logged): connections of one process, or of two,
    never remember in two different files, which would let a replay through once.

    A write waits at most ``BUSY_SECONDS`` for another program's lock on the file (a
    request's acknowledgement waits for it; Slack allows 3 s), then raises SQLAlchemy's
    ``OperationalError`` so the request guard decides with its own memory."""
    engine = make_engine(
        f"sqlite:///{path}",
        create=True,
        label="the replay memory file",
        connect_args={"timeout": BUSY_SECONDS},
    )
    table: Any = JobRun.__table__
    create = str(CreateTable(table, if_not_exists=True).compile(dialect=engine.dialect))

    def opened(dbapi_conn: Any, record: Any) -> None:
        dbapi_conn.execute("PRAGMA synchronous = OFF")  # see the note at the end
        dbapi_conn.execute(create)
        record.info[FILE_KEY] = _identity(path)

    def still_there(_dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if record.info.get(FILE_KEY) != _identity(path):
            log.warning(
                "the replay memory file %s was removed or replaced; starting it again", path
            )
            raise DisconnectionError("the replay memory file was removed or replaced")

    event.listen(engine, "connect", opened)
    event.listen(engine, "checkout", still_there)
    with engine.connect():
        pass  # made now, so no two processes race to make it later
    return engine


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_dev, found.st_ino


# PRAGMA synchronous = OFF: a signature lost in a crash of the machine itself is a small risk
# next to an fsync on each request's insert.
