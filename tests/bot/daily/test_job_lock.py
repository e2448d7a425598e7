"""Replicas run a job once per key: the unique job_runs row, and taking over a dead claim."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from sqlalchemy import Engine, select

from storage import job_lock
from storage.models import JobRun

NOW = dt.datetime(2025, 1, 15, 5, 0, tzinfo=dt.UTC)


def test_the_first_claim_wins_and_a_second_is_refused(engine: Engine) -> None:
    first = job_lock.claim(engine, "daily", "2025-01-15", owner="a", now=NOW)
    second = job_lock.claim(engine, "daily", "2025-01-15", owner="b", now=NOW)
    other_day = job_lock.claim(engine, "daily", "2025-01-16", owner="b", now=NOW)
    assert first is not None and not first.took_over
    assert second is None
    assert other_day is not None


def test_a_finished_day_is_not_run_again_unless_a_person_asks(engine: Engine) -> None:
    held = job_lock.claim(engine, "daily", "d", owner="a", now=NOW)
    assert held is not None and job_lock.finish(engine, held)
    assert job_lock.claim(engine, "daily", "d", owner="b", now=NOW) is None
    again = job_lock.claim(engine, "daily", "d", owner="b", now=NOW, rerun=True)
    assert again is not None and again.took_over


def test_a_failed_run_may_be_retried(engine: Engine) -> None:
    held = job_lock.claim(engine, "daily", "d", owner="a", now=NOW)
    assert held is not None
    job_lock.finish(engine, held, error="boom")
    retry = job_lock.claim(engine, "daily", "d", owner="b", now=NOW)
    assert retry is not None and retry.took_over


def test_a_stale_running_claim_is_taken_over_and_a_fresh_one_is_not(engine: Engine) -> None:
    hour = dt.timedelta(hours=1)
    assert job_lock.claim(engine, "daily", "d", owner="other-host:1:x", now=NOW) is not None
    soon = NOW + dt.timedelta(minutes=30)
    assert job_lock.claim(engine, "daily", "d", owner="b", now=soon, stale_after=hour) is None
    late = NOW + dt.timedelta(minutes=61)
    taken = job_lock.claim(engine, "daily", "d", owner="b", now=late, stale_after=hour)
    assert taken is not None and taken.took_over


def test_the_replaced_owner_cannot_mark_the_run_finished(engine: Engine) -> None:
    old = job_lock.claim(engine, "daily", "d", owner="other-host:1:x", now=NOW)
    assert old is not None
    later = NOW + dt.timedelta(hours=2)
    new = job_lock.claim(engine, "daily", "d", owner="b", now=later)
    assert new is not None
    assert not job_lock.finish(engine, old)
    assert job_lock.finish(engine, new)
    with engine.connect() as conn:
        assert conn.scalar(select(JobRun.owner).where(JobRun.run_key == "d")) == "b"


def test_a_claim_of_a_dead_local_process_is_taken_over_at_once(engine: Engine) -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    dead = f"{job_lock.default_owner().split(':')[0]}:{child.pid}:x"
    assert job_lock.claim(engine, "daily", "d", owner=dead) is not None
    taken = job_lock.claim(engine, "daily", "d", owner="b")
    assert taken is not None and taken.took_over


def test_run_once_marks_a_failure_so_the_day_can_be_retried(engine: Engine) -> None:
    with pytest.raises(RuntimeError), job_lock.run_once(engine, "daily", "d") as held:
        assert held is not None
        raise RuntimeError("scoring exploded")
    with engine.connect() as conn:
        row = conn.execute(select(JobRun.status, JobRun.error)).one()
    assert row.status == "failed" and "scoring exploded" in row.error
    with job_lock.run_once(engine, "daily", "d") as held:
        assert held is not None


def test_a_claim_that_keeps_its_heartbeat_is_never_taken_over_however_old(
    engine: Engine,
) -> None:
    held = job_lock.claim(engine, "post_outbox", "k", owner="host-a:1:a", now=NOW)
    assert held is not None
    later = NOW + dt.timedelta(hours=3)
    assert job_lock.heartbeat(engine, held, now=later - dt.timedelta(seconds=5))
    stale = dt.timedelta(minutes=2)
    assert (
        job_lock.claim(engine, "post_outbox", "k", owner="host-b:1:b", now=later, stale_after=stale)
        is None
    )
    silent = later + dt.timedelta(minutes=3)  # no heartbeat for three minutes: presumed dead
    taken = job_lock.claim(
        engine, "post_outbox", "k", owner="host-b:1:b", now=silent, stale_after=stale
    )
    assert taken is not None and taken.took_over
    assert not job_lock.heartbeat(engine, held)  # the old owner learns it lost the claim


def test_a_lease_renews_the_claim_and_says_when_it_was_taken_over(engine: Engine) -> None:
    held = job_lock.claim(engine, "post_outbox", "k", owner="host-a:1:a")
    assert held is not None
    with job_lock.Lease(engine, held, every=0.05) as lease:
        assert lease.renew() and lease.held
        with engine.begin() as conn:
            conn.execute(
                JobRun.__table__.update().where(JobRun.id == held.id).values(owner="host-b:1:b")
            )
        assert not lease.renew() and not lease.held
