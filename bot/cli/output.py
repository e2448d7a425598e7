"""Console output shared by the commands: rich for people, ``--json`` for automation."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from bot.terminal import console, err_console

__all__ = ["console", "err_console"]


def print_json(data: Any) -> None:
    """Machine-readable output on stdout (dates and other values as strings)."""
    console.file.write(json.dumps(data, indent=2, default=str, sort_keys=True) + "\n")


def progress(*, disable: bool = False) -> Progress:
    """A progress bar on stderr; hidden when ``disable`` (e.g. ``--json``) or not a terminal."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=disable,
        transient=True,
    )


def parse_day(value: str | None) -> dt.date | None:
    """An ``--as-of`` value as a date; a bad one is a usage error naming the format."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date: use YYYY-MM-DD") from None


@contextmanager
def previews_to_stderr(enabled: bool = True) -> Iterator[None]:
    """With ``--json`` only the JSON goes to stdout: dry-run previews of alerts and ops
    notices, printed on the shared console meanwhile, go to stderr."""
    if not enabled:
        yield
        return
    original = console.stderr
    console.stderr = True  # the console writes to whatever sys.stderr is at the time
    try:
        yield
    finally:
        console.stderr = original
