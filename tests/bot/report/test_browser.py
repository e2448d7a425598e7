"""The report page renders in a real browser (headless Chromium) with no console errors."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bot.report.build import build_report
from bot.report.html import render_html
from bot.report.lead_report import lead_report
from storage.repositories.feedback import ReportFrames
from tests.bot.report.frames import demo_frames


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's ``chromium``: installed under CI if missing; a local run without it skips."""
    found = shutil.which("chromium")
    if found is None and os.environ.get("CI"):
        subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=900)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, timeout=900)
        found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium could not be installed under CI")
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it")
    return found


def _run(chromium: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_report_renders_in_headless_chromium_without_console_errors(
    chromium: str, tmp_path: Path
) -> None:
    frames: ReportFrames = demo_frames()
    report = build_report(
        frames,
        today=frames.alerts["as_of"].max() + __import__("datetime").timedelta(days=45),
        horizon_days=30,
        accuracy_target=0.8,
        accuracy_floor=0.7,
        psi_threshold=0.25,
    )
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    dom = _run(chromium, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Did it work?" in dom.stdout and dom.stdout.count("<svg") >= 4
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    shot = tmp_path / "report.png"
    _run(chromium, f"--screenshot={shot}", "--window-size=1024,2400", page.as_uri())
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def _lead_alerts() -> pd.DataFrame:
    """200 lead alerts over four weeks: 3 owners acting on some, a quarter held out."""
    rng = np.random.default_rng(5)
    n = 200
    held = rng.random(n) < 0.25
    acted = ~held & (rng.random(n) < 0.45)
    owner = np.array(["ana@co.test", "ben@co.test", "cleo@co.test"])[np.arange(n) % 3]
    return pd.DataFrame(
        {
            "lead_id": [f"L-{i:04d}" for i in range(n)],
            "owner_email": owner,
            "as_of": [LEAD_MONDAY + dt.timedelta(weeks=int(i % 4)) for i in range(n)],
            "held_out": held,
            "acted": acted,
            "hours_to_touch": np.where(acted, rng.uniform(0.5, 40, n), np.nan),
            "converted": rng.random(n) < np.where(acted, 0.35, 0.18),
        }
    )


LEAD_MONDAY = dt.date(2026, 3, 2)


def test_the_lead_report_page_shows_the_lead_figures_and_no_churn_figure(
    chromium: str, tmp_path: Path
) -> None:
    frames = demo_frames()
    today = LEAD_MONDAY + dt.timedelta(days=45)
    report = build_report(
        frames,
        today=today,
        horizon_days=14,
        accuracy_target=0.8,
        accuracy_floor=0.7,
        psi_threshold=0.25,
    )
    leads = lead_report(_lead_alerts(), today=today)
    report["leads"], report["horizon_days"] = leads.as_dict(), 14
    page = tmp_path / "leads.html"
    page.write_text(render_html(report, title="Leads — adoption and impact"), encoding="utf-8")
    dom = _run(chromium, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert not [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    text = " ".join(re.sub(r"<[^>]+>", " ", dom.stdout).split())
    share = f"{leads.share_acted * 100:.0f} % of alerted leads acted on"  # type: ignore[operator]
    assert f"{share} ({leads.acted} of {leads.posted} posted)" in text
    assert f"{leads.median_hours_to_touch:.1f} h median time to first touch" in text
    for o in leads.owners:
        assert f"{o['owner_email']} {o['alerts']} {o['acted']}" in text and o["tier"] in text
    for g in leads.groups.values():
        assert g.low is not None and g.high is not None
        assert f"{g.name} {g.leads} {g.converted}" in text
        assert f"{g.low * 100:.0f} %–{g.high * 100:.0f} %" in text
    assert "posted vs held out (lift)" in text and "Converted within 14 days" in text
    assert dom.stdout.count("<svg") == 2, "owner adoption and conversion by group"
    for churn_only in ("retain", "ARR", "churn", "Not a risk", "CSM", "dismiss"):
        assert churn_only not in text, churn_only
