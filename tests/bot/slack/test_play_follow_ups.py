"""A play's follow-ups run on their dates: the reminder in the thread, the outcome check on
its day, expiry when left open; driven through the scheduler's job with the context's clock."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from bot.scheduler import build_scheduler
from storage.models import Play, Score, ScoringRun
from tests.bot.slack.app_harness import (
    JANE,
    JANE_CHANNEL,
    NOW,
    TODAY,
    Harness,
    running_app,
    wait_until,
)
from tests.bot.slack.slack_double import SlackDouble


@pytest.fixture
def app(db_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(db_url, slack_double) as harness:
        yield harness


def _run_plays_job(app: Harness, day: dt.date) -> None:
    app.ctx.clock = lambda: dt.datetime.combine(day, NOW.timetz())
    job = build_scheduler(app.ctx).get_job("plays")
    job.func(*job.args)


def _replies(app: Harness) -> list[dict]:
    return [m for m in app.double.messages(JANE_CHANNEL) if m.get("thread_ts")]


def _play(app: Harness) -> Play:
    with app.ctx.uow() as uow:
        [play] = uow.session.query(Play).all()
        uow.session.expunge(play)
        return play


def _score(app: Harness, day: dt.date, risk: float) -> None:
    with app.ctx.uow() as uow:
        run = ScoringRun(as_of=day, status="succeeded", model_version_id=1, n_scored=1)
        uow.session.add(run)
        uow.session.flush()
        uow.session.add(
            Score(run_id=run.id, account_id="acme", model_version_id=1, as_of=day, risk=risk)
        )
        uow.commit()


def test_the_reminder_and_the_outcome_check_run_on_their_dates(app: Harness) -> None:
    app.click_playbook(user=JANE)  # integration health check: reminder after 3 days, check at 12
    wait_until(lambda: _replies(app))
    assert len(_replies(app)) == 1, "only the steps at once"
    _run_plays_job(app, TODAY + dt.timedelta(days=2))
    assert len(_replies(app)) == 1, "no reminder before its day"
    _run_plays_job(app, TODAY + dt.timedelta(days=3))
    reminder = _replies(app)[-1]
    assert "is due today" in reminder["text"]
    assert "Has Acme Corp had a clean sync since the health check?" in json.dumps(
        reminder["blocks"]
    )
    assert "Snooze 3 days" in json.dumps(reminder["blocks"])
    _run_plays_job(app, TODAY + dt.timedelta(days=3))
    assert len(_replies(app)) == 2, "a rerun of the day posts nothing twice"
    _score(app, TODAY + dt.timedelta(days=11), 0.40)
    _run_plays_job(app, TODAY + dt.timedelta(days=12))
    check = _replies(app)[-1]["text"]
    assert check.startswith("📋 Outcome check for *Integration health check* (not marked done)")
    assert "risk fell from 81 % to 40 % since it was chosen on 10 Mar" in check
    assert _play(app).checked_on == TODAY + dt.timedelta(days=12)
    _run_plays_job(app, TODAY + dt.timedelta(days=12 + 8))
    assert _play(app).status == "expired"
