"""``atrisk status`` and ``atrisk run`` (the daily job, once), and the kill switch commands.

``register_kill_switch(model_group)`` adds ``disable --reason R`` and ``enable`` to the
``atrisk model`` group.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.markup import escape

from bot.bootstrap import Context
from bot.cli.output import console, previews_to_stderr, print_json
from bot.daily.job import DailyReport, run_daily
from bot.daily.status import Status, read_status
from bot.errors import RunFailed
from bot.lifecycle import model_state
from scoring.evaluate import METRIC_NAMES
from scoring.registry import described, served_by


def _actor() -> str:
    """Who runs the command, for the audit trail (``ATRISK_ACTOR`` overrides the login name)."""
    return os.environ.get("ATRISK_ACTOR") or getpass.getuser()


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


def render_status(r: Status) -> None:
    state = {"active": "[green]active[/green]", "disabled": "[red]disabled[/red]"}.get(
        r.model_state, f"[yellow]{r.model_state}[/yellow]"
    )
    why = f" — {escape(r.state_reason)}" if r.state_reason else ""
    by = (
        f" (by {escape(r.state_changed_by or '?')}, {_when(r.state_changed_at)})"
        if r.model_state != "active"
        else ""
    )
    console.print(f"Model: {state}{why}{by}")
    trained = f", trained as of {r.live_model_trained_as_of}" if r.live_model else ""
    if r.model_metric:
        trained += f", {METRIC_NAMES[r.model_metric[0]]} {r.model_metric[1]:.3f} on the test period"
    if r.live_model and r.live_model_kind == "rules":
        trained = trained.replace("on the test period", "on the labelled history")
        console.print(f"Live model: {escape(described(r.live_model, 'rules'))}{trained}")
    else:
        console.print(f"Live model: {escape(r.live_model or 'none')}{trained}")
    run = r.last_run
    if run is None:
        console.print("Last run: none yet")
    else:
        extra = f", fallback: {escape(str(run.fallback_cause))}" if run.fallback else ""
        error = f", error: {escape(str(run.error))}" if run.error and not run.fallback else ""
        console.print(
            f"Last run: {run.as_of} {run.status} ({run.trigger}, finished "
            f"{_when(run.finished_at)}): {run.n_scored} scored, {run.n_flagged} flagged, "
            f"{run.n_alerts} alerts{extra}{error}"
        )
    f = r.freshness
    mark = "red" if f.stale or not f.on_time else "green"
    console.print(
        f"Freshness: [{mark}]{escape(f.describe())}[/{mark}]; "
        f"newest input {f.newest_input or 'none'}"
        + (f" ([red]stale[/red]: over {f.stale_after_days} days)" if f.input_stale else "")
    )
    serving = r.serving
    if serving.paused:
        console.print(f"Serving: [yellow]{escape(serving.banner or '')}[/yellow]")
        if serving.cause:
            console.print(f"  why: {escape(serving.cause)}")
    else:
        scored = (
            f"fresh scores of {serving.scored_on}" if serving.scored_on else "nothing scored yet"
        )
        console.print(f"Serving: {scored}")
    a = r.accuracy
    value = f"{a.value:.3f}" if a.value is not None else "n/a"
    console.print(
        f"Accuracy ({a.metric} on matured outcomes): {value} · target {r.accuracy_target:.2f}"
        f" · floor {a.floor:.2f}" + ("" if a.value is not None else f" — {a.describe()}")
    )
    console.print(f"Next daily run: {r.next_daily_run or '—'}")
    if r.default_day is not None:
        console.print(
            f"Default day of `atrisk score`/`atrisk run`: {r.default_day} "
            f"(data through {r.data_through or 'none ingested'})"
        )
    for note in r.notes:
        console.print(f"[yellow]•[/yellow] {escape(note)}")


def render_fallback(r: DailyReport) -> None:
    """The banner the day's alerts carry, and why the model is paused."""
    console.print(f"[yellow]{escape(r.banner or 'Model paused')}[/yellow]")
    console.print(f"  why: {escape(r.fallback_cause or '')}")


def render_run(r: DailyReport) -> None:
    head = f"Daily run for {r.as_of}: {r.status}"
    if r.reused:
        head += " (already scored: posted what was pending)"
    console.print(head)
    if r.status == "skipped":
        return
    model = f" with {served_by(r.model_version, r.model_kind or '')}" if r.model_version else ""
    console.print(f"{r.n_scored} scored, {r.n_flagged} flagged{model}")
    if r.fallback:
        render_fallback(r)
    alerts = ", ".join(f"{n} {s}" for s, n in sorted(r.alerts.items())) or "none"
    console.print(f"Alerts of the day: {alerts}")
    for w in r.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")
    for e in r.errors:
        console.print(f"[red]•[/red] {escape(e)}")


def register(app: typer.Typer) -> None:
    @app.command("status")
    def status_command(
        as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON")] = False,
    ) -> None:
        """The model and its version, the last run, freshness against the SLA, fallback and why."""
        ctx = Context()
        try:
            ctx.require_schema()
            report = read_status(ctx, ctx.clock())
        finally:
            ctx.close()
        if as_json:
            print_json(report.to_json())
        else:
            render_status(report)

    @app.command("run")
    def run_command(
        as_of: Annotated[
            dt.datetime | None,
            typer.Option(
                "--as-of",
                formats=["%Y-%m-%d"],
                help="The day to run (default: the day after the newest data, at most today)",
            ),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    ) -> None:
        """Run the daily job once: ingest, score, alert policy, post (exit 1 if scoring failed).

        A day already scored is not scored again: what is still pending is posted.
        """
        ctx = Context()
        try:
            ctx.require_schema()
            with previews_to_stderr(as_json):
                report = run_daily(ctx, as_of.date() if as_of else None, trigger="cli")
        finally:
            ctx.close()
        if as_json:
            print_json(report.to_json())
        else:
            render_run(report)
        if report.status == "failed":
            served = " (the last good scores were served)" if report.served_from else ""
            raise RunFailed(f"the scoring run for {report.as_of} failed{served}; see above")
        if report.posting_failed:
            raise RunFailed(f"posting the alerts of {report.as_of} failed; see above")


def register_kill_switch(model: typer.Typer) -> None:
    """``atrisk model disable --reason R`` and ``atrisk model enable``."""

    @model.command("disable")
    def disable_command(
        reason: Annotated[str, typer.Option("--reason", help="Why (shown to everyone, audited)")],
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the new state as JSON")
        ] = False,
    ) -> None:
        """Switch the model off: alerts and answers serve the last good scores with a banner."""
        _switch(lambda ctx: model_state.disable(ctx, reason, _actor()), as_json)

    @model.command("enable")
    def enable_command(
        as_json: Annotated[
            bool, typer.Option("--json", help="Print the new state as JSON")
        ] = False,
    ) -> None:
        """Switch the model back on; the next daily run scores with it again."""
        _switch(lambda ctx: model_state.enable(ctx, _actor()), as_json)


def _switch(change: Callable[[Context], model_state.ModelStatus], as_json: bool) -> None:
    """Apply a kill-switch change (audited and announced by the service), then show the state."""
    ctx = Context()
    try:
        ctx.require_schema()
        with previews_to_stderr(as_json):
            status = change(ctx)
    finally:
        ctx.close()
    _print_state(status, as_json)


def _print_state(status: model_state.ModelStatus, as_json: bool) -> None:
    data: dict[str, Any] = {
        "state": status.state,
        "reason": status.reason,
        "changed_by": status.changed_by,
        "changed_at": status.changed_at,
    }
    if as_json:
        print_json(data)
    elif status.state == "disabled":
        console.print(
            f"Model disabled by {escape(str(status.changed_by))}: {escape(str(status.reason))}. "
            "Alerts and answers serve the last good scores until `atrisk model enable`."
        )
    else:
        console.print(f"Model enabled by {escape(str(status.changed_by))}.")
