"""``atrisk score [--as-of D] [--no-post] [--out scores.csv] [--json]``: one scoring run.

Scores every active account with the live model (and the shadow beside it), writes the
run, scores, drift and pending alerts in one transaction, then posts them unless
``--no-post`` (``--out`` names its id column ``lead_id`` for a lead product). Exit 2 for bad
input or a tampered model, 1 for a run that failed, including one whose posting failed or
stopped early (the alerts stay pending for the next run).

The kill switch and the fallback rules apply as in the daily job: while the model is disabled,
or the input is stale, the last good scores are served instead and ``--json`` says
``"fallback": true`` with the cause.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.markup import escape

from bot.bootstrap import Context
from bot.cli.ops_cmd import render_fallback
from bot.cli.output import console, parse_day, previews_to_stderr, print_json
from bot.cli.train_cmd import AsJson, AsOf
from bot.daily.job import DailyReport
from bot.daily.score_day import score_day
from bot.daily.scoring_run import ScoringReport
from bot.errors import RunFailed
from scoring.reasons import SHOWN_REASONS
from scoring.registry import served_by
from scoring.rules import RULES_NOTE

OUT_COLUMNS = ["account_id", "as_of", "risk", "flagged", "reason_1", "reason_2", "reason_3"]


def scores_table(report: ScoringReport, entity: str = "account") -> pd.DataFrame:
    """Every scored account (or lead: its id column is then ``lead_id``) with its top reasons
    in words (the ``--out`` file)."""
    frame = report.scores if report.scores is not None else pd.DataFrame()
    out = pd.DataFrame(
        {
            "account_id": frame.index.astype("str"),
            "as_of": report.as_of.isoformat(),
            "risk": frame["risk"].round(6).to_numpy() if len(frame) else [],
            "flagged": frame["flagged"].to_numpy() if len(frame) else [],
        }
    )
    texts = [[r["text"] for r in reasons[:SHOWN_REASONS]] for reasons in frame.get("reasons", [])]
    for i in range(SHOWN_REASONS):
        out[f"reason_{i + 1}"] = [t[i] if len(t) > i else "" for t in texts]
    out = out[OUT_COLUMNS].sort_values("risk", ascending=False)
    return out.rename(columns={"account_id": "lead_id"}) if entity == "lead" else out


def render(report: ScoringReport, kind: str | None = None, *, entity: str = "account") -> None:
    shadow = f" (shadow {report.shadow_version} scored beside it)" if report.shadow_version else ""
    what = served_by(str(report.model_version), kind or "")
    if kind == "rules":
        what = f"{what} ({RULES_NOTE})"
    console.print(f"Scoring run #{report.run_id} for {report.as_of}: {what}{shadow}")
    held = ", ".join(f"{n:,} {status.replace('_', ' ')}" for status, n in report.not_posted.items())
    existing = report.n_alerts_existing
    console.print(
        f"{report.n_scored:,} {'open leads' if entity == 'lead' else 'active accounts'} scored, "
        f"{report.n_flagged:,} flagged, "
        f"{report.n_alerts:,} new alerts"
        + (f" ({held})" if held else "")
        + (f"; {existing:,} already written for this day" if existing else "")
    )
    console.print(escape(report.posting[:1].upper() + report.posting[1:]) + ".")
    render_warnings(report.warnings)


def render_warnings(warnings: list[str]) -> None:
    for w in warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")


def refuse_failed_posting(daily: DailyReport) -> None:
    """Exit 1 (``RunFailed``) when the run's posting failed or stopped early."""
    if daily.posting_failed:
        why = "; ".join(e for e in daily.errors if "posting" in e) or "posting failed"
        raise RunFailed(f"{why}; the next run posts the pending alerts")


def register(app: typer.Typer) -> None:
    @app.command("score")
    def score_command(
        as_of: AsOf = None,
        no_post: Annotated[
            bool, typer.Option("--no-post", help="Write the alerts to the outbox but do not post")
        ] = False,
        out: Annotated[
            Path | None, typer.Option("--out", help="Also write every account's score to a CSV")
        ] = None,
        as_json: AsJson = False,
    ) -> None:
        """Score every active account, write the run and its alerts, then post them."""
        day = parse_day(as_of)
        ctx = Context()
        try:
            entity = ctx.spec.entity.kind
            with previews_to_stderr(as_json):  # the kill switch and fallback apply
                scored = score_day(ctx, day, post=not no_post)
        finally:
            ctx.close()
        report, daily = scored.scoring, scored.day
        if scored.error is not None or report is None:
            if as_json and scored.error is None:
                base = {"as_of": daily.as_of.isoformat(), "run_id": daily.run_id}
                print_json(
                    {**base, "status": daily.status, "warnings": daily.warnings}
                    | scored.fallback_json()
                )
            elif not as_json:
                render_warnings(daily.warnings)
                if daily.fallback and scored.error is None:
                    render_fallback(daily)
            if scored.error is not None:
                if daily.fallback:  # the why is the error below
                    console.print(f"[yellow]{escape(daily.banner or 'Model paused')}[/yellow]")
                raise scored.error
            refuse_failed_posting(daily)
            return
        if out is not None:
            scores_table(report, entity).to_csv(out, index=False)
        if as_json:
            data = report.as_json() | scored.fallback_json()
            if out is not None:
                data["out"] = str(out)
            print_json(data)
        else:
            render(report, daily.model_kind, entity=entity)
            if daily.fallback:
                render_fallback(daily)
            if out is not None:
                console.print(f"Scores written to {escape(str(out))}.")
        refuse_failed_posting(daily)
