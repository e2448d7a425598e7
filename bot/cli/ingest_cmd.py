"""``atrisk ingest SOURCE``: check source tables against the input contract and upsert them.

SOURCE is a folder of CSV/Parquet files or a SQLAlchemy URL (default: ``contract.source`` in
atrisk.yml). Bad input exits 2 with every problem named; nothing is written then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import TaskID
from rich.table import Table

from bot.bootstrap import Context
from bot.cli.output import console, print_json, progress
from bot.spec import Contract
from storage.errors import ContractViolation
from storage.ingest import IngestReport, ingest
from storage.ingest.contract import FEATURES_TABLE


def contract_of(ctx: Context) -> Contract:
    """The spec's contract section; the defaults when there is no atrisk.yml (ingest needs none)."""
    path = ctx.spec_path or ctx.settings.atrisk_spec
    return ctx.spec.contract if Path(path).exists() else Contract()


LEAD_FILES = ("leads", "lead_activity")


def lead_tables_without_a_lead_spec(ctx: Context, where: str | Path) -> str | None:
    """Under no spec (or a churn one), a folder holding lead tables but no accounts table:
    the one-line fix (``entity: lead`` in a spec); None otherwise."""
    spec_path = Path(ctx.spec_path or ctx.settings.atrisk_spec)
    has_spec = spec_path.exists()
    if has_spec and ctx.spec.entity.kind == "lead":
        return None
    folder = Path(where)
    if not folder.is_dir():
        return None

    def present(name: str) -> bool:
        return any((folder / f"{name}.{ext}").exists() for ext in ("csv", "parquet"))

    found = [f"{n}.csv" for n in LEAD_FILES if present(n)]
    if not found or present("accounts"):
        return None
    whose = f"{spec_path.name} scores accounts" if has_spec else "no spec was found"
    return (
        f"{folder} holds {', '.join(found)}, which look like lead tables, but {whose} (the churn "
        "contract reads accounts, usage, …): set `entity: lead` in a spec (`atrisk spec "
        "--example > leads.yml`, then change what docs/lead-scoring.md lists) and point "
        "ATRISK_SPEC at it"
    )


def required_tables(contract: Contract) -> list[str]:
    tables = list(contract.required_tables)
    if contract.features == FEATURES_TABLE and FEATURES_TABLE not in tables:
        tables.append(FEATURES_TABLE)
    return tables


def render(report: IngestReport) -> None:
    table = Table(title=f"Ingested {escape(report.source)}", title_justify="left")
    for name in ("table", "rows", "new", "changed", "unchanged"):
        table.add_column(name, justify="left" if name == "table" else "right")
    for name, c in report.tables.items():
        table.add_row(name, f"{c.rows:,}", f"{c.inserted:,}", f"{c.updated:,}", f"{c.unchanged:,}")
    console.print(table)
    through = report.data_through.isoformat() if report.data_through else "no events"
    console.print(f"Data through {through} · {report.seconds:.1f} s · ingest run #{report.run_id}")
    for w in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command("ingest")
    def ingest_command(
        source: Annotated[
            str | None,
            typer.Argument(
                help="Folder of CSV/Parquet files or a SQLAlchemy URL "
                "(default: contract.source in atrisk.yml)",
                show_default=False,
                metavar="SOURCE",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    ) -> None:
        """Validate source tables against the input contract and upsert them in one transaction."""
        ctx = Context()
        try:
            ctx.require_schema()
            contract = contract_of(ctx)
            if ctx.source_in_place:
                raise typer.BadParameter(
                    f"contract.source is a database read in place ({contract.source}); "
                    "nothing is copied from it, so there is nothing to ingest",
                    param_hint="SOURCE",
                )
            where = source or (ctx.spec.resolve(contract.source) if contract.source else None)
            if not where:
                raise typer.BadParameter(
                    "name a folder or a database URL (or set contract.source in atrisk.yml)",
                    param_hint="SOURCE",
                )
            if (hint := lead_tables_without_a_lead_spec(ctx, where)) is not None:
                raise ContractViolation([hint])
            with progress(disable=as_json) as bar:
                tasks: dict[str, TaskID] = {}

                def on_progress(table: str, done: int, total: int) -> None:
                    if table not in tasks:
                        tasks[table] = bar.add_task(table, total=total)
                    bar.update(tasks[table], completed=done)

                report = ingest(
                    where,
                    ctx.engine,
                    required_tables=required_tables(contract),
                    source_engine=ctx.source_engine,
                    progress=on_progress,
                )
        finally:
            ctx.close()
        if as_json:
            print_json(report.to_dict())
        else:
            render(report)
