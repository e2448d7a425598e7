"""``atrisk export --to DIR_or_URL [--since D] [--format csv|parquet] [--product churn|lead]``:
atrisk's records for the BI tools analysts already use (docs/export.md lists the tables and
columns). One product at a time: the spec's entity unless ``--product`` names one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, cast
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.progress import TaskID
from rich.table import Table

from bot.bootstrap import Context
from bot.cli.output import console, print_json, progress
from bot.feedback.export import ExportReport, export

#: ``--product`` words → the stored product (``storage.product``)
PRODUCTS = {"churn": "account", "account": "account", "lead": "lead", "leads": "lead"}


def product_of(word: str | None, entity: str) -> str:
    """The product ``--product`` names (``churn`` or ``lead``), else the spec's entity.

    Raises ``typer.BadParameter`` naming the choices for any other word.
    """
    if word is None:
        return entity
    found = PRODUCTS.get(word.strip().lower())
    if found is None:
        raise typer.BadParameter(f"{word!r}: use churn or lead", param_hint="--product")
    return found


def render(report: ExportReport) -> None:
    what = "lead" if report.product == "lead" else "churn"
    table = Table(
        title=f"Exported to {escape(report.target)} ({what} records)", title_justify="left"
    )
    for name in ("table", "from", "days", "rows"):
        table.add_column(name, justify="left" if name in ("table", "from") else "right")
    for name, since in report.since.items():
        start = since.isoformat() if since else "the start"
        table.add_row(name, start, f"{report.days[name]:,}", f"{report.rows[name]:,}")
    console.print(table)
    console.print(
        "Days from each table's start date were replaced; the next export without --since "
        f"starts from {report.through.isoformat()}."
    )


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export_command(
        to: Annotated[
            str,
            typer.Option(
                "--to",
                help="A folder (created if missing) or a SQLAlchemy URL, e.g. sqlite:///bi.db",
                show_default=False,
            ),
        ],
        since: Annotated[
            dt.datetime | None,
            typer.Option(
                "--since",
                formats=["%Y-%m-%d"],
                help="Replace rows from this day on (default: what is new since the last "
                "export to this target; everything the first time)",
            ),
        ] = None,
        fmt: Annotated[
            str,
            typer.Option("--format", help="csv or parquet, for a folder"),
        ] = "parquet",
        product: Annotated[
            str | None,
            typer.Option(
                "--product",
                help="churn or lead: whose records to export (default: the spec's entity)",
                show_default=False,
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    ) -> None:
        """Export scores, alerts, actions, plays and outcomes as tables; running it twice gives
        the same rows."""
        if fmt not in ("csv", "parquet"):
            raise typer.BadParameter(f"{fmt!r}: use csv or parquet", param_hint="--format")
        ctx = Context()
        try:
            chosen = product_of(product, ctx.product)
            ctx.require_schema()
            with progress(disable=as_json) as bar:
                tasks: dict[str, TaskID] = {}

                def on_progress(table: str, done: int, total: int) -> None:
                    if table not in tasks:
                        tasks[table] = bar.add_task(f"{table} (days)", total=total)
                    bar.update(tasks[table], completed=done)

                report = export(
                    ctx.engine,
                    to,
                    today=ctx.clock().astimezone(ZoneInfo(ctx.spec.freshness.timezone)).date(),
                    since=since.date() if since else None,
                    fmt=cast(Literal["csv", "parquet"], fmt),
                    refresh_days=2 * ctx.spec.feedback.outcome_days,
                    progress=on_progress,
                    product=chosen,
                )
        finally:
            ctx.close()
        if as_json:
            print_json(report.to_dict())
        else:
            render(report)
