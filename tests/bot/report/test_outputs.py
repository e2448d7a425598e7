"""The report's files: the format follows --format (any case) or the file's extension, the CSV
has the columns an analyst joins on, and the page prints its numbers and keeps gaps."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.cli.report_cmd import report_format
from bot.errors import AtriskError
from bot.report.build import alert_facts, build_report
from bot.report.html import render_html
from bot.report.impact import itt_sentence
from bot.report.lift import Difference
from tests.bot.report.frames import demo_frames


def test_the_format_comes_from_the_option_in_any_case_or_from_the_extension() -> None:
    assert report_format("JSON", None) == "json"
    assert report_format(None, "report.csv") == "csv"
    assert report_format(None, "Report.JSON") == "json"
    assert report_format(None, None) == "html"
    assert report_format("csv", "-") == "csv"
    with pytest.raises(AtriskError, match="choose one of html, csv, json"):
        report_format("xlsx", None)
    with pytest.raises(AtriskError, match="make them agree"):
        report_format("html", "report.csv")


def test_the_csv_has_the_columns_an_analyst_joins_on() -> None:
    facts = alert_facts(demo_frames())
    for column in (
        "account_id",
        "account_name",
        "arr",
        "segment",
        "csm_email",
        "csm_name",
        "manager_email",
        "reasons",
        "playbook_title",
        "outcome",
        "outcome_date",
    ):
        assert column in facts.columns, column
    chosen = facts[facts["action"] == "playbook"].iloc[0]
    assert chosen["playbook_title"] and chosen["reasons"].endswith("trouble")
    assert facts["account_name"].notna().all() and facts["manager_email"].eq("boss@x.io").all()


def test_the_page_prints_numbers_axes_and_keeps_the_week_without_alerts() -> None:
    frames = demo_frames()
    report = build_report(
        frames,
        today=dt.date(2026, 5, 1),
        horizon_days=30,
        accuracy_target=0.8,
        accuracy_floor=0.7,
        psi_threshold=0.25,
    )
    page = render_html(report)
    assert "CSMs who chose a playbook (%)" in page and "week (starting Monday)" in page
    assert "no alerts" in page  # the week of 16 March had no alerts and is drawn as a gap
    assert report["weekly_adoption"][2]["tier"] == "no alerts"
    auc = report["accuracy"]["by_day"][0]["value"]
    assert f"{auc:.3f}" in page  # AUC printed with 3 decimals, on the chart and the table
    lift = report["lift"]["retention_lift"]
    assert f"{lift['value'] * 100:+.1f} pts" in page
    assert "distinguishable from zero" in page and "held-out accounts with a matured" in page


def test_the_report_json_counts_suppressed_alerts_apart_from_the_alerts() -> None:
    frames = demo_frames()
    frames.alerts.loc[frames.alerts.index[:10], "status"] = "suppressed"
    report = build_report(
        frames,
        today=dt.date(2026, 5, 1),
        horizon_days=30,
        accuracy_target=0.8,
        accuracy_floor=0.7,
        psi_threshold=0.25,
    )
    summary = report["summary"]
    assert summary["suppressed"] == 10
    assert summary["alerts"] == len(frames.alerts) - 10
    assert summary["alerts_by_status"]["suppressed"] == 10


def test_no_lift_yet_says_how_many_held_out_accounts_are_needed() -> None:
    a = {"n": 12, "rate": 0.9}
    h = {"n": 0, "rate": None}
    text = itt_sentence(a, h, Difference(None, None, None), 484, 0.05)
    assert text == (
        "No lift yet: 12 alerted and 0 held-out accounts have a matured outcome (both are "
        "needed; about 484 held-out accounts are needed to detect a lift of +5.0 points)."
    )
