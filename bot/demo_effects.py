"""The demo's two hooks into time and truth: replayed alerts dated on their own day, and the
synthetic company's true playbook effects applied to the accounts CSMs acted on."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
from sqlalchemy import select, update

from bot.bootstrap import Context
from storage.models import Action, Alert
from synth import SyntheticCompany, write_company
from synth.effects import apply_treatment


def date_posts(ctx: Context, day: dt.date) -> int:
    """Record the replayed day's posted alerts as posted at 06:00 UTC that day (not today)."""
    at = dt.datetime.combine(day, dt.time(6), dt.UTC)
    with ctx.uow() as uow:
        done = uow.session.execute(
            update(Alert).where(Alert.as_of == day, Alert.status == "posted").values(posted_at=at)
        )
        uow.commit()
    return int(getattr(done, "rowcount", 0) or 0)


def apply_playbook_effects(
    ctx: Context,
    company: SyntheticCompany,
    company_dir: Path,
    days: list[dt.date],
    *,
    seed: int,
) -> tuple[int, float]:
    """Redraw churn of accounts whose alert had a playbook chosen, write the accounts table and
    ``ground_truth_effects.csv`` (one row per alert acted on), and re-ingest the source.

    Returns (accounts saved, the true average effect per alerted account in retention points as
    a fraction: Σ true effects of the alerts acted on / posted alerts).
    """
    from storage.ingest import ingest

    with ctx.uow() as uow:
        rows = uow.session.execute(
            select(Alert.id, Alert.account_id, Alert.as_of, Action.playbook_id)
            .join(Action, Action.alert_id == Alert.id)
            .where(Alert.as_of.in_(days), Action.kind == "playbook")
        ).all()
        posted = len(
            uow.session.scalars(
                select(Alert.id).where(Alert.as_of.in_(days), Alert.status == "posted")
            ).all()
        )
    treated = pd.DataFrame(
        [tuple(r) for r in rows], columns=["alert_id", "account_id", "as_of", "playbook_id"]
    )
    accounts, effects = apply_treatment(
        company.tables["accounts"],
        company.tables["ground_truth"],
        treated,
        horizon_days=ctx.spec.feedback.outcome_days,
        seed=seed,
    )
    write_company(dataclasses.replace(company, tables={"accounts": accounts}), company_dir)
    effects.to_csv(company_dir / "ground_truth_effects.csv", index=False)
    ingest(company_dir, ctx.engine, required_tables=ctx.spec.contract.required_tables)
    truth = float(effects["true_effect"].sum()) / posted if posted else 0.0
    return int(effects["saved"].sum()), truth
