"""The Monday digest: one DM per manager, sent once however often or wherever it runs."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import cli
from bot.blockkit.digest import DigestView, render_digest
from bot.bootstrap import Context
from bot.feedback.digest import due_monday, send_digests
from storage.models import Outcome, Play, TeamMember
from tests.bot.slack.app_harness import JANE, MANAGER, Harness, running_app, settings_for
from tests.bot.slack.slack_double import SlackDouble

MONDAY = dt.date(2026, 3, 16)
SIX_AM = dt.datetime(2026, 3, 16, 5, 0, tzinfo=dt.UTC)  # 06:00 in Europe/Berlin (the spec's)
NEWBOSS = "U0NEWBOSS1"


@pytest.fixture
def app(db_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(db_url, slack_double) as harness:
        with harness.ctx.uow() as uow:
            s = uow.session
            s.add(
                TeamMember(
                    email="nora@example.com",
                    name="Nora Newboss",
                    role="manager",
                    slack_user_id=NEWBOSS,
                )
            )
            s.add(  # Jane's play on Acme's alert, due last Thursday
                Play(
                    alert_id=harness.alerts["acme"],
                    account_id="acme",
                    kind="playbook",
                    title="Integration health check",
                    owner_email="jane@example.com",
                    owner_slack_id=JANE,
                    risk=0.81,
                    opened_on=dt.date(2026, 3, 10),
                    due_on=dt.date(2026, 3, 12),
                    status="open",
                )
            )
            s.add(
                Outcome(
                    alert_id=harness.alerts["acme"],
                    account_id="acme",
                    observed_on=dt.date(2026, 3, 11),
                    state="retained",
                    arr_before=48_000.0,
                    arr_after=48_000.0,
                    acted=True,
                )
            )
            uow.commit()
        yield harness


def dms(double: SlackDouble) -> dict[str, list[str]]:
    """The text of every chat.postMessage, by channel."""
    found: dict[str, list[str]] = {}
    for call in double.calls:
        if call.method == "chat.postMessage" and str(call.params.get("channel", "")).startswith(
            "U"
        ):
            blocks: Any = call.params.get("blocks") or "[]"
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            text = "\n".join(b["text"]["text"] for b in blocks)
            found.setdefault(str(call.params["channel"]), []).append(text)
    return found


def test_each_manager_gets_one_dm_with_the_weeks_lines(app: Harness) -> None:
    report = send_digests(app.ctx, now=SIX_AM)
    assert sorted(report.sent) == sorted([MANAGER, NEWBOSS])
    sent = dms(app.double)
    [maria] = sent[MANAGER]
    assert "week of 16 Mar 2026" in maria
    assert "2 at risk · ARR at risk 96,000 · 0 alerted, nobody acted · 1 plays overdue" in maria
    assert "|Acme Corp> · ARR 48,000 · risk 81% · Jane Doe" in maria
    assert "Initech · ARR 48,000 · risk 67% · Omar Khan" in maria
    assert "Integration health check · due 12 Mar · Jane Doe" in maria
    assert "*Saves confirmed last week*\n• <https://slack.com/archives/" in maria
    assert "Umbrella" not in maria and "Zoe" not in maria
    [nora] = sent[NEWBOSS]
    assert "no CSMs report to you" in nora


def test_a_second_run_the_same_day_sends_nothing(app: Harness) -> None:
    send_digests(app.ctx, now=SIX_AM)
    again = send_digests(app.ctx, now=SIX_AM + dt.timedelta(hours=3))
    assert again.sent == [] and sorted(again.already_sent) == sorted([MANAGER, NEWBOSS])
    assert len(dms(app.double)[MANAGER]) == 1


def test_nothing_is_sent_before_monday_six_or_on_other_days(app: Harness) -> None:
    assert send_digests(app.ctx, now=SIX_AM - dt.timedelta(minutes=1)).sent == []
    assert send_digests(app.ctx, now=SIX_AM + dt.timedelta(days=1)).sent == []
    assert dms(app.double) == {}


def test_two_replicas_send_one_digest_per_manager(
    app: Harness, slack_double: SlackDouble, tmp_path: Path
) -> None:
    other = Context(settings=settings_for(app.ctx.settings.database_url, slack_double))
    start = threading.Barrier(2)

    def replica(ctx: Context) -> None:
        start.wait()
        send_digests(ctx, now=SIX_AM)

    threads = [threading.Thread(target=replica, args=(c,)) for c in (app.ctx, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    sent = dms(app.double)
    assert len(sent[MANAGER]) == 1 and len(sent[NEWBOSS]) == 1


def test_by_hand_any_day_of_the_week_sends_that_weeks_monday(app: Harness) -> None:
    report = send_digests(app.ctx, now=SIX_AM + dt.timedelta(days=2), as_of=dt.date(2026, 3, 18))
    assert report.monday == MONDAY and len(report.sent) == 2


def test_a_team_with_a_quiet_week_is_told_so_in_one_short_message(app: Harness) -> None:
    with app.ctx.uow() as uow:
        uow.session.add(
            TeamMember(
                email="carl@example.com",
                name="Carl Calm",
                role="csm",
                manager_email="nora@example.com",
            )
        )
        uow.commit()
    send_digests(app.ctx, now=SIX_AM)
    [nora] = dms(app.double)[NEWBOSS]
    assert "0 at risk · ARR at risk 0 · 0 alerted, nobody acted · 0 plays overdue" in nora
    assert "Quiet week: nothing at risk, no alert waiting, no play overdue" in nora


def test_a_quiet_week_gets_a_short_honest_message() -> None:
    text, blocks = render_digest(DigestView(manager="Maria", monday=MONDAY, has_team=True))
    assert "quiet week" in text and len(blocks) == 1
    assert "Quiet week: nothing at risk" in blocks[0]["text"]["text"]


def _in_new_york(app: Harness) -> None:
    with app.ctx.uow() as uow:
        nora = uow.session.get(TeamMember, "nora@example.com")
        assert nora is not None
        nora.timezone = "America/New_York"
        uow.commit()


def test_each_manager_gets_it_at_six_in_their_own_time_zone(app: Harness) -> None:
    _in_new_york(app)  # Maria has none: the spec's Europe/Berlin
    at_six_berlin = send_digests(app.ctx, now=SIX_AM)
    assert at_six_berlin.sent == [MANAGER]  # 01:00 in New York: Nora waits
    # New York moved to summer time on 8 March: 06:00 EDT is 10:00 UTC (11:00 in winter)
    assert send_digests(app.ctx, now=dt.datetime(2026, 3, 16, 9, 59, tzinfo=dt.UTC)).sent == []
    at_six_new_york = send_digests(app.ctx, now=dt.datetime(2026, 3, 16, 10, 0, tzinfo=dt.UTC))
    assert at_six_new_york.sent == [NEWBOSS] and at_six_new_york.already_sent == [MANAGER]
    assert at_six_new_york.monday == MONDAY
    sent = dms(app.double)
    assert len(sent[MANAGER]) == 1 and len(sent[NEWBOSS]) == 1


def test_an_unknown_time_zone_in_the_team_table_falls_back_to_the_specs(app: Harness) -> None:
    with app.ctx.uow() as uow:
        nora = uow.session.get(TeamMember, "nora@example.com")
        assert nora is not None
        nora.timezone = "Mars/Olympus_Mons"
        uow.commit()
    assert sorted(send_digests(app.ctx, now=SIX_AM).sent) == sorted([MANAGER, NEWBOSS])


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("zone", "first_due", "monday"),
    [
        # Europe: summer time from Sunday 29 March 2026, winter time from Sunday 25 October
        ("Europe/Berlin", _utc(2026, 3, 23, 5, 0), dt.date(2026, 3, 23)),
        ("Europe/Berlin", _utc(2026, 3, 30, 4, 0), dt.date(2026, 3, 30)),
        ("Europe/Berlin", _utc(2026, 10, 19, 4, 0), dt.date(2026, 10, 19)),
        ("Europe/Berlin", _utc(2026, 10, 26, 5, 0), dt.date(2026, 10, 26)),
        # United States: summer time from Sunday 8 March 2026, winter time from 1 November
        ("America/New_York", _utc(2026, 3, 2, 11, 0), dt.date(2026, 3, 2)),
        ("America/New_York", _utc(2026, 3, 9, 10, 0), dt.date(2026, 3, 9)),
        ("America/New_York", _utc(2026, 11, 2, 11, 0), dt.date(2026, 11, 2)),
        # half an hour off UTC, no summer time: Monday 06:00 there is 00:30 UTC
        ("Asia/Kolkata", _utc(2026, 3, 16, 0, 30), dt.date(2026, 3, 16)),
    ],
)
def test_six_on_monday_is_local_across_summer_time_changes(
    zone: str, first_due: dt.datetime, monday: dt.date
) -> None:
    tz = ZoneInfo(zone)
    assert due_monday(tz, first_due - dt.timedelta(minutes=1)) is None
    assert due_monday(tz, first_due) == monday
    assert due_monday(tz, first_due + dt.timedelta(hours=17, minutes=59)) == monday
    assert due_monday(tz, first_due + dt.timedelta(days=1)) is None


@pytest.fixture
def by_hand(app: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The command line's environment on the app's database, without a Slack token."""
    monkeypatch.setenv("DATABASE_URL", app.ctx.settings.database_url)
    monkeypatch.setenv("ATRISK_SPEC", str(app.ctx.settings.atrisk_spec))
    monkeypatch.setenv("ATRISK_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    return tmp_path / "outbox"


def test_atrisk_digest_as_of_a_day_writes_each_dm_to_the_outbox_in_a_dry_run(
    app: Harness, by_hand: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(["digest", "--as-of", "2026-03-18"]) == 0
    assert "digest for the week of 2026-03-16: 2 sent, 0 already sent, 0 failed" in (
        capsys.readouterr().out
    )
    files = sorted((by_hand / "digest").glob("*.json"))
    payloads = {json.loads(f.read_text())["channel"]: json.loads(f.read_text()) for f in files}
    assert sorted(payloads) == sorted([MANAGER, NEWBOSS])
    maria = "\n".join(b["text"]["text"] for b in payloads[MANAGER]["blocks"])
    assert "2 at risk · ARR at risk 96,000" in maria and "Acme Corp" in maria
    assert "no CSMs report to you" in payloads[NEWBOSS]["text"]
    assert dms(app.double) == {}  # nothing reached Slack


def test_atrisk_digest_run_again_sends_nothing(
    app: Harness, by_hand: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.run(["digest", "--as-of", "2026-03-16"]) == 0
    capsys.readouterr()
    assert cli.run(["digest", "--as-of", "2026-03-22"]) == 0
    assert "2026-03-16: 0 sent, 2 already sent, 0 failed" in capsys.readouterr().out


def test_atrisk_digest_with_a_bad_date_is_a_usage_error(app: Harness, by_hand: Path) -> None:
    assert cli.run(["digest", "--as-of", "16/03/2026"]) == 2
