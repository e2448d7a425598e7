"""``atrisk spec``: the data product spec as a one-page Markdown document."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.bootstrap import Context, default_spec_path
from bot.cli.output import console, print_json
from bot.spec import load_spec
from bot.spec_doc import render_spec


def register(app: typer.Typer) -> None:
    @app.command("spec")
    def spec_command(
        spec_file: Annotated[
            Path | None,
            typer.Option(
                "--spec", help="atrisk.yml to render (default: $ATRISK_SPEC or ./atrisk.yml)"
            ),
        ] = None,
        out: Annotated[Path | None, typer.Option("--out", help="Write the Markdown here")] = None,
        example: Annotated[
            bool, typer.Option("--example", help="Print the example atrisk.yml to start from")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="The validated spec as JSON")] = False,
    ) -> None:
        """Render atrisk.yml as the one-page Data Product Spec, for a PM to circulate."""
        if example:
            console.file.write(default_spec_path().read_text(encoding="utf-8"))
            return
        spec = load_spec(spec_file) if spec_file else Context().spec
        if as_json:
            print_json(spec.model_dump(mode="json"))
            return
        text = render_spec(spec)
        if out:
            out.write_text(text, encoding="utf-8")
            console.print(f"Wrote the data product spec to {out}")
        else:
            console.file.write(text)
