"""A new user whose data ended three days ago runs `score`, `run` and `status` with no --as-of.

All three take the same day, the day after the newest data (never after today), and say
plainly that the data ends three days before today and what to do about it. Scoring today
instead would read the missing days as inactivity: every account idle, usage per seat down.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.bootstrap import default_spec_path
from bot.daily.job import today_in
from bot.spec import load_spec
from synth import generate, write_company
from tests.e2e.journey import last_json
from tests.e2e.user import Result, atrisk, workspace, write_spec

SPEC = {
    "training": {"min_positives": 20},  # 300 accounts over 9 months
    "feedback": {"holdout_share": 0.0},
}


@pytest.fixture(scope="module")
def stale(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result | dt.date]:
    """The commands as the user ran them, with the day their data ends and today."""
    today = today_in(load_spec(default_spec_path()))
    through = today - dt.timedelta(days=3)
    root = tmp_path_factory.mktemp("stale")
    data = root / "data"
    write_company(
        generate(accounts=300, months=9, seed=5, end=through + dt.timedelta(days=1)), data
    )
    (data / "ground_truth.csv").unlink(missing_ok=True)
    with workspace(root / "user"):
        write_spec(root / "user" / "atrisk.yml", SPEC)
        for argv in (("db", "upgrade"), ("ingest", str(data)), ("train",)):
            done = atrisk(*argv)
            assert done.code == 0, str(done)
        return {
            "today": today,
            "through": through,
            "score": atrisk("score", "--no-post"),
            "score json": atrisk("score", "--no-post", "--json"),
            "run": atrisk("run", "--json"),
            "status": atrisk("status"),
            "status json": atrisk("status", "--json"),
        }


@pytest.mark.slow
def test_score_run_and_status_take_the_day_after_the_data_and_say_it_is_stale(
    stale: dict,
) -> None:
    through, today = stale["through"], stale["today"]
    day = (through + dt.timedelta(days=1)).isoformat()
    score, run, status = stale["score"], stale["run"], stale["status"]
    assert score.code == 0, str(score)
    assert f"for {day}" in score.out
    expected = (
        f"the ingested data ends on {through.isoformat()}, 3 days before today "
        f"({today.isoformat()}): using {day}, the day after it"
    )
    assert expected in " ".join(score.out.split())
    assert "atrisk ingest SOURCE" in score.out and "--as-of" in score.out
    assert run.code == 0, str(run)
    report = last_json(run)
    assert report["as_of"] == day and any(expected in w for w in report["warnings"])
    assert status.code == 0, str(status)
    flat = " ".join(status.out.split())
    assert f"Default day of `atrisk score`/`atrisk run`: {day}" in flat
    assert f"The ingested data ends on {through.isoformat()}" in flat
    assert last_json(stale["status json"])["default_day"] == day


@pytest.mark.slow
def test_the_default_day_shows_no_drift_from_the_missing_days(stale: dict) -> None:
    scored = last_json(stale["score json"])
    assert scored["drifted_features"] == [], scored["warnings"]
