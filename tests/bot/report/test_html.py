"""The report page: one self-contained file whose text from the data is always escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from bot.bootstrap import Context, default_spec_path
from bot.feedback.outcomes import record_outcomes
from bot.report.build import build_report
from bot.report.html import render_html
from bot.settings import Settings
from storage.models import Account, Action, Alert, TeamMember
from storage.repositories.feedback import load_report_frames

DAY = dt.date(2026, 9, 7)
HOSTILE = "<script>alert(1)</script> & Co"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"


@pytest.fixture
def ctx(db_url: str, tmp_path) -> Iterator[Context]:
    c = Context(
        settings=Settings(database_url=db_url, atrisk_outbox_dir=tmp_path / "outbox"),
        spec_path=default_spec_path(),
    )
    yield c
    c.close()


def _page(ctx: Context) -> str:
    report = build_report(
        load_report_frames(ctx.engine),
        today=DAY + dt.timedelta(days=40),
        horizon_days=30,
        accuracy_target=0.8,
        accuracy_floor=0.7,
        psi_threshold=0.25,
    )
    return render_html(report, title=f"{HOSTILE} — adoption and impact")


def test_names_from_the_data_appear_escaped_never_as_markup(ctx: Context) -> None:
    posted_at = dt.datetime(2026, 9, 7, 7, 0, tzinfo=dt.UTC)
    with ctx.uow() as uow:
        s = uow.session
        s.add(TeamMember(email="jane@x.io", name=HOSTILE, role="csm", slack_user_id="UJANE"))
        for aid in ("A1", "A2"):
            s.add(
                Account(
                    account_id=aid,
                    name=HOSTILE,
                    csm_email="jane@x.io",
                    created_at=dt.date(2024, 1, 1),
                    arr=10_000.0,
                )
            )
        s.flush()
        for i, aid in enumerate(("A1", "A2"), start=1):
            s.add(
                Alert(
                    id=i,
                    alert_key=f"{aid}:{DAY}",
                    account_id=aid,
                    as_of=DAY,
                    risk=0.5,
                    csm_email="jane@x.io",
                    status="posted",
                    arr=10_000.0,
                    posted_at=posted_at,
                    posted_ts="dry-run",
                    posted_channel="C1",
                )
            )
        s.flush()
        acted_at = posted_at + dt.timedelta(hours=2)
        s.add_all(
            [
                Action(
                    alert_id=1,
                    kind="playbook",
                    playbook_id=HOSTILE,
                    user_email="jane@x.io",
                    acted_at=acted_at,
                ),
                Action(
                    alert_id=2,
                    kind="dismissal",
                    dismiss_reason=HOSTILE,
                    user_email="jane@x.io",
                    acted_at=acted_at,
                ),
            ]
        )
        uow.commit()

    record_outcomes(ctx, DAY + dt.timedelta(days=30))
    page = _page(ctx)

    assert "<script" not in page and "alert(1)</script>" not in page
    # the title twice (head and h1), the CSM (twice), the playbook and the dismissal reason
    assert page.count(ESCAPED) >= 6


def test_the_page_is_one_file_that_loads_nothing(ctx: Context) -> None:
    page = _page(ctx)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert "No data yet." in page
    for outside in ("<script", "<link", "src=", "href=", "@import", "url("):
        assert outside not in page
