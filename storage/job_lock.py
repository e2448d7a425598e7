"""Run a job once per key across replicas: the unique ``job_runs(job, run_key)`` row is the lock.

Several ``atrisk serve`` replicas may share one database and all fire the same cron job. Each
tries to *claim* the key: the first ``INSERT`` wins (the unique constraint refuses the others),
in its own short transaction, so the claim is visible to every replica at once and nothing
else the job writes is held up by it.

A key that is already claimed may be taken over, by a single conditional ``UPDATE`` that only
one replica can win, when:

* its run ``failed`` (a retry of the day is allowed);
* it is still ``running`` but its owner is a process on this host that no longer exists (a
  killed ``atrisk run`` is retried at once), or its last sign of life (``heartbeat_at``, else
  its start) is more than ``stale_after`` ago (the owner on another host is presumed dead: a
  crash never marks its row finished);
* it ``succeeded`` and the caller asks for a ``rerun`` (``atrisk run`` for a day by hand).

Choose ``stale_after`` well above the job's longest normal duration: a takeover of a run that
is merely slow would run the job twice. ``default_stale_after`` uses four times the spec's
latency budget, at least an hour. A job that holds its claim in a ``Lease`` renews
``heartbeat_at`` every few seconds instead, so it is never taken over while it lives, however
long it runs, and a short ``stale_after`` is safe; ``Lease.renew`` also tells it at once when
its claim was taken over after all (a machine suspended for longer than ``stale_after``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from storage.models import JobRun

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_INCARNATION = uuid.uuid4().hex[:8]  # tells this process from an earlier one with the same pid


def default_owner() -> str:
    """Who holds a claim: host, process id and incarnation, so a log line names the replica."""
    return f"{socket.gethostname()}:{os.getpid()}:{_INCARNATION}"


def owner_is_dead(owner: str | None) -> bool:
    """True only when ``owner`` is certainly gone: a process of this host that no longer runs."""
    host, _, rest = (owner or "").partition(":")
    pid_text, _, incarnation = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another host (or an unknown owner): only the timeout can tell
    pid = int(pid_text)
    if pid == os.getpid():
        return incarnation != _INCARNATION  # an earlier process that had our pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, someone else's
    return False


def default_stale_after(latency_budget_seconds: float) -> dt.timedelta:
    """How long a ``running`` claim is trusted before another replica may take it over.

    Four times the run's latency budget (seconds), and never less than an hour.
    """
    return dt.timedelta(seconds=max(3600, 4 * latency_budget_seconds))


@dataclass(frozen=True)
class Claim:
    """A won claim on ``(job, run_key)``; ``took_over`` says an older claim was replaced."""

    id: int
    job: str
    run_key: str
    owner: str
    took_over: bool = False


def claim(
    engine: Engine,
    job: str,
    run_key: str,
    *,
    owner: str | None = None,
    stale_after: dt.timedelta = dt.timedelta(hours=1),
    rerun: bool = False,
    now: dt.datetime | None = None,
) -> Claim | None:
    """Claim ``(job, run_key)`` for this process; ``None`` when another holds or finished it."""
    owner = owner or default_owner()
    now = now or utcnow()
    try:
        with engine.begin() as conn:
            new_id = conn.execute(
                insert(JobRun)
                .values(
                    job=job,
                    run_key=run_key,
                    status="running",
                    owner=owner,
                    started_at=now,
                    heartbeat_at=now,
                )
                .returning(JobRun.id)
            ).scalar_one()
        return Claim(int(new_id), job, run_key, owner)
    except IntegrityError:
        pass  # the key exists: maybe it may be taken over (below)
    retake = [
        JobRun.status == "failed",
        and_(
            JobRun.status == "running",
            func.coalesce(JobRun.heartbeat_at, JobRun.started_at) < now - stale_after,
        ),
    ]
    with engine.connect() as conn:
        holder = conn.execute(
            select(JobRun.status, JobRun.owner).where(JobRun.job == job, JobRun.run_key == run_key)
        ).first()
    if holder is not None and holder.status == "running" and owner_is_dead(holder.owner):
        retake.append(and_(JobRun.status == "running", JobRun.owner == holder.owner))
    if rerun:
        retake.append(JobRun.status == "succeeded")
    with engine.begin() as conn:
        row = conn.execute(
            update(JobRun)
            .where(JobRun.job == job, JobRun.run_key == run_key, or_(*retake))
            .values(
                status="running",
                owner=owner,
                started_at=now,
                heartbeat_at=now,
                finished_at=None,
                error=None,
            )
            .returning(JobRun.id)
        ).first()
    if row is None:
        return None
    return Claim(int(row[0]), job, run_key, owner, took_over=True)


def heartbeat(engine: Engine, held: Claim, *, now: dt.datetime | None = None) -> bool:
    """Renew ``held``'s sign of life; False when the claim is no longer this owner's."""
    with engine.begin() as conn:
        result = conn.execute(
            update(JobRun)
            .where(JobRun.id == held.id, JobRun.owner == held.owner, JobRun.status == "running")
            .values(heartbeat_at=now or utcnow())
        )
    return bool(result.rowcount)


class Lease:
    """Keeps a claim alive while its job runs: a thread renews ``heartbeat_at`` every
    ``every`` seconds. ``held`` turns False for good once a renewal finds the claim taken over;
    ``renew()`` renews and checks at once (before doing something that must happen once)."""

    def __init__(self, engine: Engine, claim: Claim, *, every: float) -> None:
        self.engine, self.claim, self.every = engine, claim, every
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{claim.job}", daemon=True)

    @property
    def held(self) -> bool:
        return not self._lost.is_set()

    def renew(self) -> bool:
        """True when the claim is still this owner's (renewed just now); False when it was
        taken over, or when the database cannot say (then the next renewal tries again)."""
        if self._lost.is_set():
            return False
        try:
            mine = heartbeat(self.engine, self.claim)
        except SQLAlchemyError as e:
            log.warning("could not renew the %s claim: %s", self.claim.job, type(e).__name__)
            return False
        if not mine:
            log.warning("the %s claim was taken over: stopping", self.claim.job)
            self._lost.set()
        return mine

    def _beat(self) -> None:
        while not self._stop.wait(self.every) and self.held:
            self.renew()

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)


def finish(engine: Engine, held: Claim, *, error: str | None = None) -> bool:
    """Mark a claim ``succeeded`` (or ``failed`` with ``error``); False if it was taken over."""
    with engine.begin() as conn:
        result = conn.execute(
            update(JobRun)
            .where(JobRun.id == held.id, JobRun.owner == held.owner, JobRun.status == "running")
            .values(
                status="failed" if error else "succeeded",
                finished_at=utcnow(),
                error=error[:2000] if error else None,
            )
        )
    return bool(result.rowcount)


@contextmanager
def run_once(
    engine: Engine,
    job: str,
    run_key: str,
    *,
    owner: str | None = None,
    stale_after: dt.timedelta = dt.timedelta(hours=1),
    rerun: bool = False,
) -> Iterator[Claim | None]:
    """``with run_once(...) as held: if held: work()`` — the claim is finished on the way out.

    The body's exception marks the row ``failed`` (so a later attempt may retry) and is
    re-raised; leaving normally marks it ``succeeded``.
    """
    held = claim(engine, job, run_key, owner=owner, stale_after=stale_after, rerun=rerun)
    if held is None:
        yield None
        return
    try:
        yield held
    except BaseException as e:
        finish(engine, held, error=f"{type(e).__name__}: {e}")
        raise
    finish(engine, held)
