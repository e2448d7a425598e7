"""``atrisk model list|promote|retire|disable|enable``: the model registry and its kill switch.

``list`` shows every version with its test metrics and, when a shadow model runs beside the
live one, their comparison on matured outcomes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich import box
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from bot.bootstrap import Context
from bot.cli.ops_cmd import register_kill_switch
from bot.cli.output import console, print_json
from bot.cli.train_cmd import AsJson
from bot.lifecycle import model_registry
from bot.lifecycle.training import default_as_of
from storage.repositories import model_versions as repo

Version = Annotated[str, typer.Argument(help="A model version, e.g. 2026-11-22.1")]


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


KIND_SHORT = {"lightgbm": "LightGBM", "logistic": "logistic", "rules": "rules"}


def render_list(
    rows: list[dict[str, Any]],
    comparison: model_registry.Comparison | None,
    *,
    wide: bool = False,
) -> None:
    """The registry as a table that fits 80 columns: version, kind, state, training day,
    ROC AUC beside the baseline's, and the gate; why a gate failed (and what a backfill
    candidate serves) in numbered notes below. ``wide`` adds PR AUC, ECE, the training
    window and the feature source."""
    if not rows:
        console.print("No models yet: run `atrisk train`.")
        return
    table = Table(
        title="Models",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("version", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("trained", no_wrap=True)
    table.add_column("AUC", justify="right", no_wrap=True)
    table.add_column("baseline", justify="right", no_wrap=True)
    if wide:
        for name in ("PR AUC", "ECE"):
            table.add_column(name, justify="right", no_wrap=True)
        table.add_column("window", no_wrap=True)
        table.add_column("features", no_wrap=True)
    table.add_column("gate", no_wrap=True)
    notes: list[str] = []
    for r in rows:
        gate = r["gate"]
        mark = "passed" if gate.get("passed") else "failed"
        if not gate.get("passed"):
            notes.append(f"{r['version']}: gate failed — {gate.get('why', '?')}")
            mark += f" [{len(notes)}]"
        if r.get("backfill_before"):
            notes.append(
                f"{r['version']}: trained for past days; scores days before "
                f"{r['backfill_before']} with no newer model trained on or before them"
            )
            mark += f" [{len(notes)}]"
        cells = [
            r["version"],
            KIND_SHORT.get(r["kind"], r["kind"]),
            r["state"],
            str(r["trained_as_of"]),
            _fmt(r["roc_auc"]),
            _fmt(r["baseline_roc_auc"]),
        ]
        if wide:
            start, end = r["train_window"]
            cells += [_fmt(r["pr_auc"]), _fmt(r["ece"]), f"{start}…{end}", r["feature_source"]]
        table.add_row(*map(escape, cells), escape(mark))
    if wide:  # every column in full: the table takes the width it needs, not the terminal's
        needed = Measurement.get(console, console.options.update(max_width=1000), table).maximum
        narrow, console.width = console.width, max(console.width, needed)
        try:
            console.print(table)
        finally:
            console.width = narrow
    else:
        console.print(table)
    for i, note in enumerate(notes, 1):
        console.print(f"[{i}] {escape(note)}", highlight=False)
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
    def list_command(
        as_json: AsJson = False,
        wide: Annotated[
            bool, typer.Option("--wide", help="Also PR AUC, ECE, training window and features")
        ] = False,
    ) -> None:
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
            render_list(rows, comparison, wide=wide)

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
