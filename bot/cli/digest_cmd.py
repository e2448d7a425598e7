"""``atrisk digest [--as-of D]``: send the managers' Monday digest by hand."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from bot.bootstrap import Context
from bot.daily.job import today_in
from bot.feedback.digest import send_digests


def register(app: typer.Typer) -> None:
    @app.command("digest")
    def digest_command(
        as_of: Annotated[
            dt.datetime | None,
            typer.Option(
                "--as-of",
                formats=["%Y-%m-%d"],
                help="Any day of the week to send (the Monday on or before it; default: today)",
            ),
        ] = None,
    ) -> None:
        """Send each manager the digest of the week's Monday (once: a manager already sent
        that Monday's digest is skipped). Without SLACK_BOT_TOKEN (a dry run) each DM is
        written to the outbox folder's digest/ instead."""
        ctx = Context()
        try:
            ctx.require_schema()
            now = ctx.clock()
            day = as_of.date() if as_of else today_in(ctx.spec, now)
            report = send_digests(ctx, now=now, as_of=day)
        finally:
            ctx.close()
        typer.echo(
            f"digest for the week of {report.monday}: {len(report.sent)} sent, "
            f"{len(report.already_sent)} already sent, {len(report.failed)} failed"
        )
        if report.failed:
            raise typer.Exit(1)
