"""Console output shared by the commands: rich for people, ``--json`` for automation."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


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
