"""The terminal consoles every part of atrisk prints to (the CLI may point them at stderr)."""

from __future__ import annotations

from rich.console import Console

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)
