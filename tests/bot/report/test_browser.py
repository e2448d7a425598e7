"""The report page renders in a real browser (headless Chromium) with no console errors."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.report.build import build_report
from bot.report.html import render_html
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
