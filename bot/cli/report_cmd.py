"""``atrisk outcomes`` (the feedback signal) and ``atrisk report`` (HTML, CSV or JSON)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.bootstrap import Context
from bot.cli.output import console, print_json
from bot.errors import AtriskError
from bot.feedback.outcomes import announce_outcomes, record_outcomes
from bot.feedback.report import report_of
from bot.report.build import alert_facts
from bot.report.html import render_html
from storage.repositories.feedback import load_report_frames

FORMATS = ("html", "csv", "json")


def _today(ctx: Context) -> dt.date:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(ctx.spec.freshness.timezone)).date()


def register(app: typer.Typer) -> None:
    @app.command("outcomes")
    def outcomes_command(
        as_of: Annotated[
            dt.datetime | None, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Day to check")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Record what happened outcome_days after each alert, and post it in the alert's thread."""
        ctx = Context()
        ctx.require_schema()
        day = as_of.date() if as_of else _today(ctx)
        report = record_outcomes(ctx, day)
        announce_outcomes(ctx, report)
        if as_json:
            print_json(report.__dict__)
            return
        states = ", ".join(f"{n} {s}" for s, n in sorted(report.by_state.items())) or "none due"
        console.print(
            f"Outcomes as of {day}: {report.recorded} recorded ({states}); "
            f"{report.announced} announced in alert threads."
        )
        for err in report.announce_errors:
            console.print(f"[yellow]not announced (will retry):[/yellow] {err}")

    @app.command("report")
    def report_command(
        out: Annotated[
            str | None, typer.Option("--out", help="File to write; '-' writes to stdout")
        ] = None,
        fmt: Annotated[
            str | None,
            typer.Option("--format", help="html, csv or json (default: from --out's extension)"),
        ] = None,
        since: Annotated[
            dt.datetime | None,
            typer.Option("--since", formats=["%Y-%m-%d"], help="Only alerts from this day on"),
        ] = None,
    ) -> None:
        """The adoption-and-impact report: use of the loop, lift vs holdout, accuracy, drift."""
        kind = report_format(fmt, out)
        ctx = Context()
        ctx.require_schema()
        spec = ctx.spec
        first = since.date() if since else None
        report = report_of(ctx, today=_today(ctx), since=first)
        if kind == "csv":
            text = alert_facts(
                load_report_frames(ctx.engine, since=first, product=ctx.spec.entity.kind)
            ).to_csv(index=False)
        elif kind == "json":
            text = json.dumps(report, indent=2, default=str)
        else:
            text = render_html(report, title=f"{spec.name} — adoption and impact")
        if out == "-":
            sys.stdout.write(text)
            return
        path = Path(out) if out else Path(f"atrisk-report.{kind}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        console.print(f"Wrote the {kind.upper()} report to {path}")
        if "leads" in report:  # a lead product: its own figures, no churn sentence
            console.print(lead_headline(report["leads"]))
        else:
            console.print(headline(report))


def report_format(fmt: str | None, out: str | None) -> str:
    """The format from ``--format`` (any case), else ``--out``'s extension, else html.

    Raises AtriskError naming the choices for an unknown format or a clashing extension.
    """
    suffix = Path(out).suffix.lower().lstrip(".") if out and out != "-" else ""
    if fmt is None:
        return suffix if suffix in FORMATS else "html"
    kind = fmt.strip().lower()
    if kind not in FORMATS:
        raise AtriskError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if suffix in FORMATS and suffix != kind:
        raise AtriskError(f"--format {kind} but --out {out} ends in .{suffix}: make them agree")
    return kind


def headline(report: dict[str, Any]) -> str:
    """Adoption (the one definition) and the lift sentence, as the HTML page's top shows them."""
    s = report["summary"]
    week = s["adoption"]
    if week is None:
        adoption = "Adoption: no full week with alerts yet."
    else:
        adoption = (
            f"Adoption, week of {week['week']}: {week['adoption_rate'] * 100:.0f} % of CSMs "
            f"({week['tier']}); playbook chosen on {week['action_rate'] * 100:.0f} % of alerts."
        )
    return f"{adoption}\n{s['lift']}"


def lead_headline(leads: dict[str, Any]) -> str:
    """The lead report's figures in one paragraph (alerts whose horizon has passed)."""

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{x * 100:.0f} %"

    hours = leads["median_hours_to_touch"]
    groups = leads["groups"]
    converted = "; ".join(
        f"{g['name']} {pct(g['rate'])} of {g['leads']}" for g in groups.values() if g["leads"]
    )
    itt = leads["itt_lift"]
    lift = (
        f"intent-to-treat lift {itt['value'] * 100:+.1f} points "
        f"({itt['low'] * 100:+.1f} to {itt['high'] * 100:+.1f})"
        if itt["value"] is not None and itt["low"] is not None and itt["high"] is not None
        else "no lift yet (needs posted and held-out leads)"
    )
    return (
        f"Leads (alerts whose horizon has passed): {leads['posted']} posted, "
        f"{leads['held_out']} held out; acted on {pct(leads['share_acted'])} "
        f"({leads['acted']} of {leads['posted']}); median time to first touch "
        f"{'–' if hours is None else f'{hours:.0f} h'}; converted: {converted or '–'}; {lift}."
    )
