"""Without a bot token the outbox is a dry run: exact payloads on disk, a preview on screen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.blockkit.alerts import render_alert
from bot.bootstrap import Context
from bot.delivery.alert_views import load_alert_view
from bot.delivery.ops_notices import notify_ops
from bot.delivery.post_alerts import post_pending
from tests.bot.slack.conftest import SeedAlerts
from tests.bot.slack.test_outbox import alerts


def test_a_dry_run_writes_the_exact_payloads_and_marks_alerts_posted(
    dry_ctx: Context, seed: SeedAlerts, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = seed(dry_ctx, 3, channels=2, name="Acme <{i}> & Co")
    report = post_pending(dry_ctx)
    assert report.dry_run and report.posted == 3
    assert len(dry_ctx.dry_run_slack.written) == 3
    folder = dry_ctx.settings.atrisk_outbox_dir / "2024-12-02"
    rows = alerts(dry_ctx)
    for alert_id in ids:
        row = rows[alert_id]
        assert (row.status, row.posted_ts, row.posted_channel) == ("posted", "dry-run", row.channel)
        written = json.loads(
            (folder / f"A1202-{alert_id - ids[0]:05d}_2024-12-02.json").read_text()
        )
        with dry_ctx.uow() as uow:
            view = load_alert_view(uow.session, alert_id=alert_id)
        assert view is not None
        expected = {"channel": row.channel, **render_alert(view)}
        assert written == {**expected, "unfurl_links": False, "unfurl_media": False}
    shown = capsys.readouterr().out
    assert "#cs-0" in shown and "Acme <0> & Co" in shown and "50 % (first alert)" in shown
    assert "1 failed syncs in 14 days" in shown
    assert "[Integration health check]  [Not a risk]" in shown


def test_a_second_dry_run_writes_nothing_new(dry_ctx: Context, seed: SeedAlerts) -> None:
    seed(dry_ctx, 2)
    post_pending(dry_ctx)
    before = {p: p.stat().st_mtime_ns for p in Path(dry_ctx.settings.atrisk_outbox_dir).rglob("*")}
    again = post_pending(dry_ctx)
    assert again.considered == 0 and again.posted == 0
    after = {p: p.stat().st_mtime_ns for p in Path(dry_ctx.settings.atrisk_outbox_dir).rglob("*")}
    assert after == before


def test_a_dry_run_ops_notice_goes_to_the_outbox_folder_once(
    dry_ctx: Context, capsys: pytest.CaptureFixture[str]
) -> None:
    assert notify_ops(dry_ctx, "model:disabled", "Model disabled by jane: bad data")
    assert not notify_ops(dry_ctx, "model:disabled", "Model disabled by jane: bad data")
    [path] = (dry_ctx.settings.atrisk_outbox_dir / "ops").iterdir()
    payload = json.loads(path.read_text())
    assert payload["channel"] == "#atrisk-ops"
    assert payload["text"].startswith("<@U0DATAOWN1> <@U0MODELOWN> <@U0BOTOWNER> Model disabled")
    assert capsys.readouterr().out.count("Model disabled by jane") == 1
