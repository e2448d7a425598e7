"""``atrisk synth``: make a synthetic company (source tables plus the true churn process), or
with ``--entity lead`` a synthetic sales funnel (lead tables plus the true conversion process)."""

from __future__ import annotations

import datetime as dt
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.output import console, print_json, progress

CHUNK_ACCOUNTS = 50_000  # synth.chunked.CHUNK_ACCOUNTS (not imported: the CLI starts fast)
WHOLE_UP_TO = 200_000  # above this, a company made at once needs several GB


class FileFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


class EntityKind(StrEnum):
    account = "account"
    lead = "lead"


def _render(
    title: str,
    counts: list[tuple[str, int]],
    summary: dict[str, Any],
    files: dict[str, Path],
    seconds: float,
) -> None:
    """One summary table: the counts, the rows written per table, then the span and folder."""
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for label, value in counts:
        table.add_row(label, f"{value:,}")
    table.add_section()
    for name, rows in summary["rows"].items():
        table.add_row(f"{name} rows", f"{rows:,}")
    console.print(table)
    folder = next(iter(files.values())).parent if files else Path()
    console.print(
        f"{summary['start']} to {summary['end']} (events before the end day), "
        f"seed {summary['seed']} · {seconds:.1f} s · written to {escape(str(folder))}"
    )


def render_funnel(summary: dict[str, Any], files: dict[str, Path], seconds: float) -> None:
    """The summary table a person reads after ``atrisk synth --entity lead``."""
    keys = ("leads", "converted", "disqualified", "companies", "owners")
    _render("Synthetic sales funnel", [(k, summary[k]) for k in keys], summary, files, seconds)


def render(summary: dict[str, Any], files: dict[str, Path], seconds: float) -> None:
    """The summary table a person reads after ``atrisk synth``."""
    counts = [(k, summary[k]) for k in ("accounts", "active", "churned")]
    counts.append(("CSMs", summary["csms"]))
    _render("Synthetic company", counts, summary, files, seconds)


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth_command(
        accounts: Annotated[int, typer.Option(min=1, help="Number of accounts")] = 2000,
        months: Annotated[int, typer.Option(min=1, max=120, help="Months of history")] = 18,
        seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same data)")] = 7,
        out: Annotated[Path, typer.Option(help="Folder to write the tables to")] = Path(
            "demo/company"
        ),
        end: Annotated[
            dt.datetime | None,
            typer.Option(
                formats=["%Y-%m-%d"],
                help="Day the data is pulled; events end the day before [default: today, UTC]",
                show_default=False,
            ),
        ] = None,
        file_format: Annotated[
            FileFormat, typer.Option("--format", help="File format of the tables")
        ] = FileFormat.csv,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
        entity: Annotated[
            EntityKind,
            typer.Option(help="account: a company with churn; lead: a sales funnel"),
        ] = EntityKind.account,
        leads: Annotated[int, typer.Option(min=10, help="Number of leads (--entity lead)")] = 4000,
        days: Annotated[
            int, typer.Option(min=42, max=1000, help="Days of history (--entity lead)")
        ] = 210,
        chunk_accounts: Annotated[
            int | None,
            typer.Option(
                min=1,
                help="Make and write this many accounts at a time, so memory follows the slice "
                f"[default: {CHUNK_ACCOUNTS:,} above {WHOLE_UP_TO:,} accounts, else all at once]",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Make a synthetic B2B SaaS company with a known churn process and write its tables
        (``--entity lead``: a sales funnel with a known conversion process)."""
        from synth import generate, write_company, write_company_chunked

        if entity is EntityKind.lead:
            _synth_funnel(leads, days, seed, out, end, file_format, as_json)
            return
        chunk = chunk_accounts or (CHUNK_ACCOUNTS if accounts > WHOLE_UP_TO else None)
        started = time.perf_counter()
        with progress(disable=as_json) as bar:
            tasks: dict[str, Any] = {}

            def on_progress(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = bar.add_task(step.capitalize(), total=total)
                bar.update(tasks[step], completed=done)

            if chunk is None:
                company = generate(
                    accounts,
                    months,
                    seed,
                    end.date() if end else None,
                    on_progress=on_progress,
                )
                files = write_company(company, out, file_format.value, on_progress=on_progress)
                summary = company.summary()
            else:
                made = write_company_chunked(
                    out,
                    accounts,
                    months,
                    seed,
                    end.date() if end else None,
                    fmt=file_format.value,
                    chunk_accounts=chunk,
                    on_progress=on_progress,
                )
                files, summary = made.files, made.summary()
        seconds = time.perf_counter() - started
        if as_json:
            print_json(
                {
                    **summary,
                    "format": file_format.value,
                    "files": {k: str(v) for k, v in files.items()},
                    "seconds": round(seconds, 2),
                }
            )
        else:
            render(summary, files, seconds)


def _synth_funnel(
    leads: int,
    days: int,
    seed: int,
    out: Path,
    end: dt.datetime | None,
    file_format: FileFormat,
    as_json: bool,
) -> None:
    from synth.leads import generate_leads, write_funnel

    started = time.perf_counter()
    folder = Path("demo/leads") if out == Path("demo/company") else out
    funnel = generate_leads(leads, days, seed, end.date() if end else None)
    files = write_funnel(funnel, folder, file_format.value)
    seconds = time.perf_counter() - started
    summary = funnel.summary()
    if as_json:
        print_json(
            {
                **summary,
                "entity": "lead",
                "format": file_format.value,
                "files": {k: str(v) for k, v in files.items()},
                "seconds": round(seconds, 2),
            }
        )
    else:
        render_funnel(summary, files, seconds)
