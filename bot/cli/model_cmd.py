"""``atrisk model list|promote|retire|disable|enable``: the model registry and its kill switch.

``list`` shows every version with its test metrics and, when a shadow model runs beside the
live one, their comparison on matured outcomes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from bot.bootstrap import Context
from bot.cli.ops_cmd import register_kill_switch
from bot.cli.output import console, print_json
from bot.cli.train_cmd import AsJson
from bot.lifecycle import model_registry
from bot.lifecycle.training import default_as_of
from scoring.registry import KIND_NAMES
from storage.repositories import model_versions as repo

Version = Annotated[str, typer.Argument(help="A model version, e.g. 2026-11-22.1")]


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


def render_list(rows: list[dict[str, Any]], comparison: model_registry.Comparison | None) -> None:
    if not rows:
        console.print("No models yet: run `atrisk train`.")
        return
    table = Table(title="Models", title_justify="left")
    for name in ("version", "kind", "state", "trained as of", "ROC AUC", "baseline", "ECE", "gate"):
        table.add_column(
            name, justify="right" if name in ("ROC AUC", "baseline", "ECE") else "left"
        )
    for r in rows:
        gate = r["gate"]
        table.add_row(
            r["version"],
            KIND_NAMES.get(r["kind"], r["kind"]),
            r["state"],
            str(r["trained_as_of"]),
            _fmt(r["roc_auc"]),
            _fmt(r["baseline_roc_auc"]),
            _fmt(r["ece"]),
            escape("passed" if gate.get("passed") else f"failed: {gate.get('why', '?')}"),
        )
    console.print(table)
    if comparison is not None:
        if comparison.live_value is None or comparison.shadow_value is None:
            console.print(
                f"Shadow {comparison.shadow} vs live {comparison.live}: no matured outcomes "
                f"with both churned and retained accounts yet ({comparison.rows:,} scores)."
            )
        else:
            console.print(
                f"Shadow {comparison.shadow} vs live {comparison.live} on {comparison.rows:,} "
                f"matured scores ({comparison.churned:,} churned): {comparison.metric_name} "
                f"{comparison.shadow_value:.3f} vs {comparison.live_value:.3f}."
            )


def register(app: typer.Typer) -> None:
    model = typer.Typer(
        help="The model registry (list, promote, retire) and the kill switch (disable, enable).",
        no_args_is_help=True,
    )

    @model.command("list")
    def list_command(as_json: AsJson = False) -> None:
        """Every model version, newest first, with the shadow-vs-live comparison."""
        ctx = Context()
        try:
            ctx.require_schema()
            through = default_as_of(ctx)
            with ctx.uow() as uow:
                rows = [model_registry.summary(r) for r in repo.list_versions(uow.session)]
                comparison = model_registry.compare_shadow(
                    uow.session,
                    through=through,
                    horizon_days=ctx.spec.entity.horizon_days,
                    metric=ctx.spec.accuracy.metric,
                )
        finally:
            ctx.close()
        if as_json:
            print_json(
                {
                    "models": rows,
                    "shadow_vs_live": comparison.as_dict() if comparison else None,
                    "as_of": dt.date.isoformat(through),
                }
            )
        else:
            render_list(rows, comparison)

    @model.command("promote")
    def promote_command(
        version: Version,
        force: Annotated[
            bool, typer.Option("--force", help="Promote even though it failed the gate")
        ] = False,
    ) -> None:
        """Make VERSION the live model; the current live model is retired."""
        _change(lambda session: model_registry.promote(session, version, force=force))

    @model.command("retire")
    def retire_command(version: Version) -> None:
        """Retire VERSION: it is no longer scored."""
        _change(lambda session: model_registry.retire(session, version))

    register_kill_switch(model)  # disable --reason R / enable
    app.add_typer(model, name="model")


def _change(action: Any) -> None:
    ctx = Context()
    try:
        ctx.require_schema()
        with ctx.uow() as uow:
            sentence = action(uow.session)
            uow.commit()
    finally:
        ctx.close()
    console.print(sentence[:1].upper() + sentence[1:] + ".")
