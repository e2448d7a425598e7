"""``atrisk demo --entity lead``: the lead loop replayed on a synthetic funnel. Alerts reach the
owner's channel with the sales plays as buttons (escaped), owners act, conversions are read,
and the report's intent-to-treat lift interval covers the funnel's true effect."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from bot.cli import run
from bot.cli.demo_cmd import lead_summary
from bot.demo_leads import LeadDemo, held_out, run_lead_demo

END = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> LeadDemo:
    out = tmp_path_factory.mktemp("lead-demo")
    return run_lead_demo(out, leads=3000, seed=7, end=END, replay=5)


def test_the_itt_lift_interval_covers_the_true_effect_of_acting_quickly(demo: LeadDemo) -> None:
    itt = demo.report.itt
    assert itt.low is not None and itt.high is not None
    assert itt.low <= demo.true_itt <= itt.high, (itt, demo.true_itt)
    assert demo.true_itt > 0


def test_the_report_counts_alerts_acted_on_time_to_first_touch_and_owner_tiers(
    demo: LeadDemo,
) -> None:
    r = demo.report
    alerts = pd.read_csv(demo.folder / "lead_alerts.csv")
    posted = alerts[~alerts["held_out"]]
    assert r.posted == len(posted) > 100 and r.held_out == int(alerts["held_out"].sum()) > 20
    assert r.share_acted == pytest.approx(posted["acted"].mean())
    assert r.median_hours_to_touch == pytest.approx(posted["hours_to_touch"].median())
    tiers = {o["tier"] for o in r.owners}
    assert tiers <= {"best-in-class", "healthy", "at risk", "failing"} and len(tiers) >= 2
    for g in r.groups.values():
        assert g.low is not None and g.high is not None and g.low <= g.rate <= g.high  # type: ignore[operator]
    saved = json.loads((demo.folder / "lead_report.json").read_text(encoding="utf-8"))
    assert saved["share_acted"] == pytest.approx(r.share_acted)


def test_each_posted_alert_goes_to_its_owner_channel_with_the_sales_plays(demo: LeadDemo) -> None:
    files = sorted(
        f for f in (demo.folder / "outbox").glob("*.json") if not f.name.endswith(".outcome.json")
    )
    alerts = pd.read_csv(demo.folder / "lead_alerts.csv")
    assert len(files) == int((~alerts["held_out"]).sum())
    payload = json.loads(files[0].read_text(encoding="utf-8"))
    assert payload["channel"].startswith("#sales-")
    actions = next(b for b in payload["blocks"] if b["type"] == "actions")["elements"]
    plays = {"Call now", "Book a demo", "Hand to an AE", "Send the case study for their segment",
             "Nurture"}  # fmt: skip
    assert {a["text"]["text"] for a in actions[:-1]} <= plays
    assert actions[-1]["action_id"] == "atrisk.dismiss"
    reasons = next(b for b in payload["blocks"] if b.get("block_id") == "atrisk.reasons")
    assert reasons["text"]["text"].startswith("Why now:")
    everything = "".join(f.read_text(encoding="utf-8") for f in files)
    assert "<pricing>" not in everything  # data text is escaped


def test_the_holdout_is_a_stable_draw() -> None:
    day = dt.date(2026, 1, 5)
    draws = [held_out(f"lead-{i:05d}", day, 0.25) for i in range(4000)]
    assert draws == [held_out(f"lead-{i:05d}", day, 0.25) for i in range(4000)]
    assert 0.22 < sum(draws) / len(draws) < 0.28


def test_the_summary_a_person_reads_names_the_lift_and_the_truth(demo: LeadDemo) -> None:
    text = lead_summary(demo)
    assert "Share of alerted leads acted on" in text
    assert "Intent-to-treat lift (alerted vs held out)" in text and "true effect" in text


def test_atrisk_demo_rejects_an_unknown_entity(tmp_path: Path) -> None:
    assert run(["demo", "--entity", "opportunity", "--out", str(tmp_path / "d")]) == 2


def test_each_posted_alert_gets_its_outcome_in_the_thread(demo: LeadDemo) -> None:
    alerts = pd.read_csv(demo.folder / "lead_alerts.csv")
    posted = alerts[~alerts["held_out"]]
    replies = {
        f.name: json.loads(f.read_text(encoding="utf-8"))
        for f in (demo.folder / "outbox").glob("*.outcome.json")
    }
    assert len(replies) == len(posted)
    texts = [r["text"] for r in replies.values()]
    converted = sum(t.startswith("🎉 Converted on ") for t in texts)
    assert converted == int(posted["converted"].sum())
    assert all(
        t == "Not converted within 14 days of the alert" or t.startswith("🎉") for t in texts
    )
