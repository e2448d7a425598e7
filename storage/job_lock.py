"""Run a job once per key across replicas: the unique ``job_runs(job, run_key)`` row is the lock.

Several ``atrisk serve`` replicas may share one database and all fire the same cron job. Each
tries to *claim* the key: the first ``INSERT`` wins (the unique constraint refuses the others),
in its own short transaction, so the claim is visible to every replica at once and nothing
else the job writes is held up by it.

A key that is already claimed may be taken over, by a single conditional ``UPDATE`` that only
one replica can win, when:

* its run ``failed`` (a retry of the day is allowed);
* it is still ``running`` but its owner is a process on this host that no longer exists (a
  killed ``atrisk run`` is retried at once), or it started more than ``stale_after`` ago (the
  owner on another host is presumed dead: a crash never marks its row finished);
* it ``succeeded`` and the caller asks for a ``rerun`` (``atrisk run`` for a day by hand).

Choose ``stale_after`` well above the job's longest normal duration: a takeover of a run that
is merely slow would run the job twice. ``default_stale_after`` uses four times the spec's
latency budget, at least an hour.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from storage.models import JobRun


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
                .values(job=job, run_key=run_key, status="running", owner=owner, started_at=now)
                .returning(JobRun.id)
            ).scalar_one()
        return Claim(int(new_id), job, run_key, owner)
    except IntegrityError:
        pass  # the key exists: maybe it may be taken over (below)
    retake = [
        JobRun.status == "failed",
        and_(JobRun.status == "running", JobRun.started_at < now - stale_after),
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
            .values(status="running", owner=owner, started_at=now, finished_at=None, error=None)
            .returning(JobRun.id)
        ).first()
    if row is None:
        return None
    return Claim(int(row[0]), job, run_key, owner, took_over=True)


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
