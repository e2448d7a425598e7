"""``atrisk check``: is this deployment ready to run? Spec, playbooks, database, Slack.

Problems stop the product from working (exit 2); warnings are worth fixing but do not
(exit 0). Secret values are never printed, only whether they are set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

import typer
from rich.markup import escape

from bot.bootstrap import Context, playbook_library
from bot.cli.output import console, print_json
from bot.settings import Settings
from bot.spec import Spec
from playbooks.errors import LibraryInvalid
from storage.errors import DatabaseUnavailable, SchemaNotReady


@dataclass
class CheckReport:
    """What ``atrisk check`` found: problems block a run, warnings do not, notes are fine."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    slack: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": not self.problems,
            "problems": self.problems,
            "warnings": self.warnings,
            "slack": self.slack,
        }


def check_playbooks(spec: Spec, report: CheckReport) -> None:
    try:
        library = playbook_library(spec)
    except LibraryInvalid as e:
        report.problems += e.problems
        return
    folder = spec.resolve(spec.actions.playbooks)
    where = "the built-in library" if folder is None else folder
    if folder is not None and spec.actions.extend_builtin:
        where = f"{folder} on top of the built-in library"
    report.notes.append(f"playbooks: {len(library)} from {where}")
    uncovered = library.uncovered_families()  # the entity's families (ENTITY_FAMILIES)
    for family in (f for f in library.families if f in uncovered):
        report.warnings.append(
            f"no playbook covers the {family} family: its alerts will only offer Not a risk"
        )
    for family in (f for f in library.families if f not in uncovered):
        fitting = [p for p in library if family in p.families]
        if all(p.condition is not None for p in fitting):
            names = ", ".join(p.id for p in fitting)
            report.warnings.append(
                f"every playbook for the {family} family has a condition ({names}): "
                "when none holds, its alerts will only offer Not a risk"
            )


CHURN_WORDS = ("churn", "CSM", "customer success", "accounts", "retention")


def check_contract(spec: Spec, report: CheckReport) -> None:
    """The entity's source tables; under ``entity: lead`` the churn-only fields are named
    when set (the spec already refuses churn tables in ``required_tables``)."""
    tables = ", ".join(spec.contract.required_tables)
    report.notes.append(f"contract: entity {spec.entity.kind} reads {tables}")
    if spec.entity.kind != "lead":
        return
    if spec.contract.key_features:
        report.warnings.append(
            "contract.key_features names product features "
            f"({', '.join(spec.contract.key_features)}): a lead spec does not read them "
            "(they count adoption in churn's usage table); delete the line"
        )
    if spec.contract.features != "builtin":
        report.warnings.append(
            f"contract.features is {spec.contract.features}: a lead spec uses the built-in lead "
            "features (docs/lead-scoring.md); delete the line"
        )
    consumer = f"{spec.consumer.persona} {spec.consumer.job_to_be_done}"
    churn_words = [w for w in CHURN_WORDS if w.lower() in consumer.lower()]
    if churn_words:
        report.warnings.append(
            f"consumer speaks of {', '.join(churn_words)}: describe the lead owners and their job, "
            "e.g. `persona: SDRs and AEs` and `job_to_be_done: Know which of my open leads will "
            "convert in the next 14 days, why, and what to do now.`"
        )
    if spec.feedback.outcome_days != spec.entity.horizon_days:
        report.warnings.append(
            f"feedback.outcome_days ({spec.feedback.outcome_days}) is not read under entity "
            f"lead: a lead's outcome is read horizon_days ({spec.entity.horizon_days}) after its "
            f"alert; set `outcome_days: {spec.entity.horizon_days}` under feedback to say so"
        )


def check_database(ctx: Context, report: CheckReport) -> None:
    """Reachable and migrated; the reason and the fix otherwise (nothing is created here)."""
    try:
        ctx.require_schema()
        where = ctx.engine.url.render_as_string(hide_password=True)
    except (SchemaNotReady, DatabaseUnavailable) as e:
        report.problems.append(f"database: {e}")
        return
    report.notes.append(f"database: {where} is migrated")


def check_slack(settings: Settings, report: CheckReport) -> None:
    token, signing, app_token = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
    )
    if token is None:
        report.slack = {"configured": False, "mode": "dry run"}
        report.notes.append(
            "Slack: not configured (no SLACK_BOT_TOKEN): a dry run, alerts are written to "
            f"{settings.atrisk_outbox_dir}/"
        )
        return
    mode = "socket mode" if app_token else "http" if signing else "incomplete"
    report.slack = {"configured": True, "mode": mode}
    if not token.get_secret_value().startswith("xoxb-"):
        report.warnings.append("SLACK_BOT_TOKEN is set but is not a bot token (xoxb-…)")
    if app_token and not app_token.get_secret_value().startswith("xapp-"):
        report.warnings.append("SLACK_APP_TOKEN is set but is not an app-level token (xapp-…)")
    if mode == "incomplete":
        report.warnings.append(
            "SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP) nor SLACK_APP_TOKEN "
            "(Socket Mode) is: alerts post, but button clicks cannot reach atrisk"
        )
        return
    report.notes.append(f"Slack: configured ({mode})")


def run_checks(ctx: Context) -> CheckReport:
    """Every check; a broken spec raises ``SpecError`` (the CLI prints it, exit 2)."""
    spec = ctx.spec
    report = CheckReport()
    report.notes.append(f"spec: {ctx.spec_path or ctx.settings.atrisk_spec} ({spec.name})")
    check_contract(spec, report)
    check_playbooks(spec, report)
    check_database(ctx, report)
    check_slack(ctx.settings, report)
    return report


def _print(report: CheckReport) -> None:
    for line in report.notes:
        console.print(f"[green]✓[/green] {escape(line)}", soft_wrap=True, markup=True)
    for line in report.warnings:
        console.print(f"[yellow]! warning:[/yellow] {escape(line)}", soft_wrap=True, markup=True)
    for line in report.problems:
        console.print(f"[red]✗ problem:[/red] {escape(line)}", soft_wrap=True, markup=True)
    n, w = len(report.problems), len(report.warnings)
    if n:
        console.print(f"[red]Not ready: {n} problem{'s' * (n != 1)}.[/red]", markup=True)
    elif w:
        console.print(f"[yellow]Ready, with {w} warning{'s' * (w != 1)}.[/yellow]", markup=True)
    else:
        console.print("[green]Ready.[/green]", markup=True)


def register(app: typer.Typer) -> None:
    @app.command("check")
    def check_command(
        as_json: Annotated[bool, typer.Option("--json", help="The findings as JSON")] = False,
    ) -> None:
        """Check the spec, the playbook library, the database and Slack before a run."""
        ctx = Context()
        try:
            report = run_checks(ctx)
        finally:
            ctx.close()
        if as_json:
            print_json(report.as_dict())
        else:
            _print(report)
        if report.problems:
            raise typer.Exit(code=2)
