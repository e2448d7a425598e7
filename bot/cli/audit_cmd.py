"""``atrisk audit [--as-of D] [--json]``: can the stored data support a churn model?

Builds the same training snapshots ``atrisk train`` would and reports how far back each table
goes, matured labels and churned accounts per month, missing and constant feature columns,
the class balance and the key features seen in usage. Exit 2 when training would be refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.bootstrap import Context
from bot.cli.output import console, parse_day, print_json, progress
from bot.lifecycle.snapshots import training_sources
from scoring.audit import AuditReport, audit, audit_account_features
from scoring.labels import snapshot_plan, snapshots
from storage.repositories.sources import load_account_features


def run_audit(ctx: Context, as_of: dt.date | None, *, show_progress: bool) -> AuditReport:
    """Audit the stored data the way training reads it (built-in features or account_features)."""
    from bot.lifecycle.training import default_as_of, feature_params

    ctx.require_schema()
    spec = ctx.spec
    if spec.contract.features == "account_features":
        return audit_account_features(
            load_account_features(ctx.source_engine), min_positives=spec.training.min_positives
        )
    as_of = as_of or default_as_of(ctx)
    params = feature_params(spec)
    history = spec.training.history_days
    summary, features_at = training_sources(ctx, as_of, params)
    every = spec.training.snapshot_every_days
    dates = snapshot_plan(summary.data_start, as_of, params, every_days=every, history_days=history)
    with progress(disable=not show_progress) as bar:
        task = bar.add_task("Building snapshots", total=None)
        frame = snapshots(
            features_at,
            dates,
            summary.accounts,
            params,
            as_of,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    return audit(
        summary,
        as_of,
        params,
        history_days=history,
        every_days=every,
        min_positives=spec.training.min_positives,
        features=frame,
    )


def render(report: AuditReport) -> None:
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
    for name in ("month", "snapshots", "rows", "positives", "churned accounts"):
        periods.add_column(name, justify="left" if name == "month" else "right")
    for p in report.periods:
        periods.add_row(
            p.period, str(p.snapshots), f"{p.rows:,}", f"{p.positives:,}", f"{p.churned_accounts:,}"
        )
    console.print(periods)
    rate = report.positive_rate
    console.print(
        f"Class balance: {report.rows - report.positives:,} retained, {report.positives:,} "
        f"churned rows ({'–' if rate is None else f'{rate:.1%}'}); "
        f"{report.churned_accounts:,} churned accounts."
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
    if report.ok:
        console.print("[green]The data can support training.[/green]", markup=True)
    else:
        console.print("[red]Training would be refused.[/red]", markup=True)


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
            render(report)
        if report.problems:
            raise typer.Exit(code=2)
