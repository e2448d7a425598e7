"""``atrisk audit [--as-of D] [--json]``: can the stored data support a churn (or lead) model?

Builds the same training snapshots ``atrisk train`` would and reports how far back each table
goes, matured labels and churned accounts per month, missing and constant feature columns,
the class balance and the key features seen in usage, and runs every check training makes
before fitting: each refusal ``atrisk train`` can give is reported here first, in the same
words. Exit 2 when training would be refused; exit 0 with a cold-start note when only the
rules score can serve yet, and how much more history a trained model needs. Under
``entity: lead`` it audits the lead snapshots with the lead preflight ``atrisk train`` runs
(``bot.lifecycle.lead_training.lead_inputs``), in conversions.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.bootstrap import Context
from bot.cli.output import console, parse_day, print_json, progress
from bot.lifecycle.lead_training import lead_inputs
from bot.lifecycle.training import preflight
from bot.lifecycle.training_data import default_as_of, train_config, training_inputs
from scoring.audit import AuditReport


def run_audit(ctx: Context, as_of: dt.date | None, *, show_progress: bool) -> AuditReport:
    """Audit the stored data exactly as ``atrisk train`` reads it, with every refusal training
    would give before fitting (``bot.lifecycle.training.preflight``), in its words."""
    ctx.require_schema()
    as_of = as_of or default_as_of(ctx)
    if ctx.spec.entity.kind == "lead":
        with progress(disable=not show_progress) as bar:
            task = bar.add_task("Building lead snapshots", total=None)
            report, _ = lead_inputs(
                ctx,
                as_of,
                train_config(ctx.spec),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        return report
    with progress(disable=not show_progress) as bar:
        task = bar.add_task("Building snapshots", total=None)
        report, got = training_inputs(
            ctx,
            as_of,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if got is not None:
        preflight(ctx, report, got)
    return report


def render(report: AuditReport, *, entity: str = "account") -> None:
    """The audit in tables and lines; ``entity`` names the outcome (churned or converted)."""
    kept, gone, who = (
        ("not converted", "converted", "leads")
        if entity == "lead"
        else ("retained", "churned", "accounts")
    )
    tables = Table(title="Source tables", title_justify="left")
    for name in ("table", "rows", "first", "last"):
        tables.add_column(name, justify="right" if name == "rows" else "left")
    for t in report.tables:
        tables.add_row(t.table, f"{t.rows:,}", str(t.first or "–"), str(t.last or "–"))
    console.print(tables)
    periods = Table(
        title=f"Matured labels per month ({report.horizon_days or 'own'}-day horizon)"
        if report.horizon_days
        else "Labels per month (account_features)",
        title_justify="left",
    )
    for name in ("month", "snapshots", "rows", "positives", f"{gone} {who}"):
        periods.add_column(name, justify="left" if name == "month" else "right")
    for p in report.periods:
        periods.add_row(
            p.period, str(p.snapshots), f"{p.rows:,}", f"{p.positives:,}", f"{p.churned_accounts:,}"
        )
    console.print(periods)
    rate = report.positive_rate
    console.print(
        f"Class balance: {report.rows - report.positives:,} {kept}, {report.positives:,} "
        f"{gone} rows ({'–' if rate is None else f'{rate:.1%}'}); "
        f"{report.churned_accounts:,} {gone} {who}."
    )
    if report.label_coverage is not None and report.snapshots_wanted:
        console.print(
            f"Label coverage: {report.label_coverage:.0%} — {report.snapshots} of "
            f"{report.snapshots_wanted} snapshot dates in the training history have data and a "
            "matured label."
        )
    elif report.label_coverage is not None:
        console.print(f"Label coverage: {report.label_coverage:.0%} of rows have a known label.")
    if report.key_features:
        seen = ", ".join(
            f"{k} (since {d})" if d else f"{k} (never)" for k, d in report.key_features.items()
        )
        console.print(f"Key features in usage: {escape(seen)}.")
    if report.missing:
        worst = sorted(report.missing.items(), key=lambda kv: -kv[1])[:8]
        console.print(
            "Missing values: " + ", ".join(f"{escape(k)} {v:.0%}" for k, v in worst) + "."
        )
    for w in report.warnings:
        console.print(f"[yellow]! warning:[/yellow] {escape(w)}", soft_wrap=True, markup=True)
    for problem in report.problems:
        console.print(f"[red]✗ problem:[/red] {escape(problem)}", soft_wrap=True, markup=True)
    for thin in report.cold_start:
        console.print(f"[yellow]• cold start:[/yellow] {escape(thin)}", soft_wrap=True)
    if not report.ok:
        console.print("[red]Training would be refused.[/red]", markup=True)
    elif report.cold_start:
        console.print(
            "[yellow]A trained model is not possible yet: `atrisk train` serves the rules "
            "score (docs/model.md) until one meets the floor and beats it.[/yellow]",
            markup=True,
        )
    else:
        console.print("[green]The data can support training.[/green]", markup=True)


def register(app: typer.Typer) -> None:
    @app.command("audit")
    def audit_command(
        as_of: Annotated[
            str | None,
            typer.Option(
                "--as-of", help="Train as of this day (YYYY-MM-DD; default: after the data)"
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="The report as JSON")] = False,
    ) -> None:
        """Audit the stored data before training: history, labels, columns, key features."""
        ctx = Context()
        try:
            report = run_audit(ctx, parse_day(as_of), show_progress=not as_json)
        finally:
            ctx.close()
        if as_json:
            print_json(report.as_dict())
        else:
            render(report, entity=ctx.spec.entity.kind)
        if report.problems:
            raise typer.Exit(code=2)
