"""``atrisk train [--as-of D] [--json]``: audit, train against the baseline, register the model.

Exit 2 when the data cannot support a model (the audit's problems are listed); the model
row is written only when training succeeds.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from bot.bootstrap import Context
from bot.cli.output import console, parse_day, print_json, progress
from bot.lifecycle.training import TrainingReport, train_model
from scoring.model_metrics import PeriodMetrics

AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of", help="The day to act as of (YYYY-MM-DD; default: after the newest data)"
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON")]


#: the test-period metrics shown for a model, in this order
METRICS = ("roc_auc", "pr_auc", "precision_at_budget", "recall_at_budget", "brier", "ece")


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


def _metric_table(title: str, columns: dict[str, PeriodMetrics]) -> Table:
    """One row per metric, one column per model (e.g. ``{"model": …, "baseline": …}``)."""
    table = Table(title=title, title_justify="left")
    table.add_column("metric", justify="left")
    for name in columns:
        table.add_column(name, justify="right")
    for key in METRICS:
        table.add_row(key, *(_fmt(metrics.get(key)) for metrics in columns.values()))
    return table


def _warnings(report: TrainingReport) -> None:
    for w in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")


def render_rules(report: TrainingReport) -> None:
    """A rules score put live: its reading on the labelled history, why, and any candidate."""
    title = f"Rules score {report.version} (all labelled rows)"
    console.print(_metric_table(title, {"rules score": report.metrics.test}))
    if report.split:
        console.print(escape(report.split[:1].upper() + report.split[1:]) + ".")
    if report.candidate:
        console.print(f"Trained model {report.candidate} stays a candidate (`atrisk model list`).")
    console.print(f"Rules score {report.version} is live — {escape(report.why)}.")
    _warnings(report)


def render_backfill(report: TrainingReport) -> None:
    """A model trained for past days: its test metrics, and that the live model stays."""
    title = f"Model {report.version} (test period)"
    console.print(_metric_table(title, {"model": report.metrics.test}))
    console.print(escape(report.backfill_sentence()))
    if report.candidate:
        console.print(f"Trained model {report.candidate} stays a candidate (`atrisk model list`).")
    _warnings(report)


def render(report: TrainingReport, *, entity: str = "account") -> None:
    """The training report in the terminal: metrics against the baseline, by segment, verdict."""
    if report.backfill:
        render_backfill(report)
        return
    if report.kind == "rules":
        render_rules(report)
        return
    m = report.metrics
    columns = {"model": m.test, "baseline": m.baseline_test}
    console.print(_metric_table(f"Model {report.version} (test period)", columns))
    segments = m.by_segment
    if segments:
        seg = Table(title="By segment (bias audit)", title_justify="left")
        positives = "converted" if entity == "lead" else "churned"
        for name in ("segment", "rows", positives, "roc_auc", "precision", "recall", "ece"):
            seg.add_column(name, justify="left" if name == "segment" else "right")
        for name, s in segments.items():
            seg.add_row(
                escape(name),
                f"{s.rows:,}",
                f"{s.positives:,}",
                _fmt(s.roc_auc),
                _fmt(s.precision_at_budget),
                _fmt(s.recall_at_budget),
                _fmt(s.ece),
            )
        console.print(seg)
    console.print(escape(report.split[:1].upper() + report.split[1:]))
    verdict = {
        "live": "promoted: it is now the live model",
        "shadow": "promoted to shadow: scored beside the live model, never posted; "
        f"`atrisk model promote {report.version}` makes it live",
        "candidate": "not promoted: it stays a candidate",
    }[report.state]
    console.print(f"Model {report.version}: {verdict} — {escape(report.why)}.")
    _warnings(report)


def register(app: typer.Typer) -> None:
    @app.command("train")
    def train_command(as_of: AsOf = None, as_json: AsJson = False) -> None:
        """Train a model on snapshots before AS_OF, judge it against the baseline, register it."""
        day = parse_day(as_of)
        ctx = Context()
        try:
            entity = ctx.spec.entity.kind
            with progress(disable=as_json) as bar:
                task = bar.add_task("snapshots", total=None)

                def on_progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                report = train_model(ctx, as_of=day, progress=on_progress)
        finally:
            ctx.close()
        if as_json:
            print_json(report.as_json())
        else:
            render(report, entity=entity)
