"""``atrisk demo``: the whole loop on a synthetic company, SQLite and a dry-run Slack outbox."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from bot.bootstrap import Context, default_spec_path
from bot.cli.output import console, err_console, previews_to_stderr, print_json
from bot.cli.report_cmd import headline
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.demo_leads import LeadDemo


def demo_context(out_dir: Path, spec: Path | None) -> Context:
    """The demo's own database, outbox and spec; Slack is always a dry run (the data is fake)."""
    settings = Settings()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{out_dir / 'atrisk.db'}"
    settings = settings.model_copy(
        update={
            "database_url": url,
            "atrisk_outbox_dir": out_dir / "outbox",
            "slack_bot_token": None,
        }
    )
    return Context(settings=settings, spec_path=spec or default_spec_path(), create_database=True)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_command(
        out: Annotated[Path, typer.Option("--out", help="Folder for the demo's files")] = Path(
            "demo"
        ),
        accounts: Annotated[int, typer.Option("--accounts", min=200)] = 2000,
        months: Annotated[int, typer.Option("--months", min=8)] = 18,
        seed: Annotated[int, typer.Option("--seed")] = 7,
        spec: Annotated[Path | None, typer.Option("--spec", help="Default: the example")] = None,
        as_json: Annotated[bool, typer.Option("--json")] = False,
        entity: Annotated[
            str, typer.Option("--entity", help="account (churn) or lead (a sales funnel)")
        ] = "account",
        leads: Annotated[int, typer.Option("--leads", min=500, help="--entity lead")] = 4000,
    ) -> None:
        """Run the whole loop on a synthetic company: ingest → train → score → post (dry run) →
        simulated clicks → 30-day outcomes → report. Starts afresh in --out each time.
        ``--entity lead``: the lead loop on a synthetic sales funnel."""
        from bot.demo import run_demo

        if entity not in ("account", "lead"):
            raise typer.BadParameter("use account or lead", param_hint="--entity")
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        if entity == "lead":
            _lead_demo(out, leads, seed, as_json)
            return
        ctx = demo_context(out, spec)
        today = dt.date.today()
        say = (lambda _m: None) if as_json else (lambda m: err_console.print(f"[dim]{m}[/dim]"))
        with previews_to_stderr(as_json):
            report = run_demo(
                ctx,
                accounts=accounts,
                months=months,
                seed=seed,
                out_dir=out,
                today=today,
                say=say,
            )
        ctx.close()
        if as_json:
            print_json(
                {
                    "today": today,
                    "database_url": report.database_url,
                    "steps": [s.__dict__ for s in report.steps],
                    "summary": report.summary,
                }
            )
            return
        table = Table(title=f"atrisk demo — {today}", show_lines=False)
        table.add_column("step")
        table.add_column("result")
        table.add_column("s", justify="right")
        for s in report.steps:
            table.add_row(s.name, s.detail, f"{s.seconds:.1f}")
        console.print(table)
        console.print(headline({"summary": report.summary}))
        truth = report.summary.get("true_itt", 0.0) * 100
        console.print(
            "The synthetic company's playbooks have true effects (synth/effects.py); "
            f"{report.summary.get('saved', 0)} accounts were saved by the playbooks chosen "
            f"(true average effect per alerted account: {truth:.1f} "
            "points of retention, in company/ground_truth_effects.csv)."
        )
        console.print(
            f"\nLook at: {out / 'report.html'} (the report), {out / 'outbox'} (every Slack "
            f"payload), {out / 'company'} (the source tables).\nExplore: "
            f"DATABASE_URL={report.database_url} ATRISK_SPEC={default_spec_path()} "
            "atrisk status | atrisk model list | atrisk score --no-post --out scores.csv"
        )


def _lead_demo(out: Path, leads: int, seed: int, as_json: bool) -> None:
    from bot.demo_leads import run_lead_demo

    say = (lambda _m: None) if as_json else (lambda m: err_console.print(f"[dim]{m}[/dim]"))
    demo = run_lead_demo(out, leads=leads, seed=seed, say=say)
    report = demo.report
    if as_json:
        print_json({**report.as_dict(), "true_itt": demo.true_itt, "model": demo.model})
        return
    console.print(lead_summary(demo))


def lead_summary(demo: LeadDemo) -> str:
    """What a person reads after ``atrisk demo --entity lead``."""
    r = demo.report

    def pct(x: float | None) -> str:
        return "–" if x is None else f"{x:.0%}"

    lines = [
        f"Lead demo: {len(demo.replay_days)} days replayed, {r.posted} alerts posted, "
        f"{r.held_out} held out.",
        f"Share of alerted leads acted on: {pct(r.share_acted)} ({r.acted} of {r.posted}); "
        f"median time to first touch "
        f"{'–' if r.median_hours_to_touch is None else f'{r.median_hours_to_touch:.0f} h'}.",
        "Owners: " + ", ".join(f"{o['owner_email']} {pct(o['share_acted'])} ({o['tier']})"
                                 for o in r.owners),
    ]  # fmt: skip
    for g in r.groups.values():
        lines.append(
            f"Converted within 14 days, {g.name}: {pct(g.rate)} of {g.leads} "
            f"(95 % interval {pct(g.low)}–{pct(g.high)})"
        )
    itt = r.itt
    if itt.value is not None and itt.low is not None and itt.high is not None:
        lines.append(
            f"Intent-to-treat lift (alerted vs held out): {itt.value * 100:+.1f} points "
            f"(95 % interval {itt.low * 100:+.1f} to {itt.high * 100:+.1f}); "
            f"the funnel's true effect: {demo.true_itt * 100:+.1f} points."
        )
    lines.append(
        f"Look at: {demo.folder / 'lead_report.json'}, {demo.folder / 'lead_alerts.csv'}, "
        f"{demo.folder / 'outbox'} (every lead alert's Slack payload)."
    )
    return "\n".join(lines)
