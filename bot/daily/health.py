"""The scheduled health check: late scores, early drift, accuracy under target.

Freshness is ``bot.daily.status``'s (the same reading ``atrisk status`` shows). The check tells
the owners (once per cause) when scores are late, when some features drift (before enough do
to pause the model) and when matured accuracy falls below the target (the floor is the daily
job's business: it pauses the model).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.daily import fallback
from bot.daily.day_notices import drift_warning_key
from bot.daily.status import freshness, zone
from bot.lifecycle import model_state
from bot.lifecycle.accuracy import live_accuracy
from bot.spec import Spec
from storage.models import DriftStat, ModelVersion

if TYPE_CHECKING:
    from bot.ports import Root


def drifted_features(session: Session, spec: Spec, run_id: int) -> list[tuple[str, float]]:
    """Features of the run over ``drift.psi_threshold`` that count towards a pause (weight
    above 0, or not recorded), most drifted first."""
    rows = session.execute(
        select(DriftStat.feature, DriftStat.psi)
        .where(DriftStat.run_id == run_id, DriftStat.psi > spec.drift.psi_threshold)
        .where((DriftStat.weight.is_(None)) | (DriftStat.weight > 0))
        .order_by(DriftStat.psi.desc())
    ).all()
    return [(str(f), float(p)) for f, p in rows]


def health_check(ctx: Root, now: dt.datetime | None = None) -> list[str]:
    """Tell the owners about late scores, early drift and accuracy under target; the keys sent."""
    now = now or dt.datetime.now(dt.UTC)
    spec = ctx.spec
    notices: list[tuple[str, str, str]] = []
    with ctx.uow() as uow, ctx.source_engine.connect() as source:
        s = uow.session
        fresh = freshness(s, spec, now, source)
        today = now.astimezone(zone(spec)).date()
        good = fallback.last_good_run(s, today)
        drifted = drifted_features(s, spec, good.id) if good is not None else []
        model = s.get(ModelVersion, good.model_version_id) if good is not None else None
        reading = live_accuracy(s, spec, today, source)
    if not fresh.on_time and fresh.due_as_of is not None:
        notices.append(
            (
                f"late:{fresh.due_as_of.isoformat()}",
                f":hourglass: The daily run for {fresh.due_as_of.isoformat()} has not "
                f"produced fresh scores (newest: {fresh.scores_as_of or 'none'}). "
                "See `atrisk status`.",
                "data",
            )
        )
    if good is not None and model is not None and drifted:
        named = ", ".join(f"{f} (PSI {p:.2f})" for f, p in drifted[:5])
        notices.append(
            (
                drift_warning_key(model.version, good.as_of),
                f":chart_with_upwards_trend: {len(drifted)} feature(s) drifted in the run "
                f"of {good.as_of.isoformat()}: {named}. The model pauses only when the "
                f"importance-weighted PSI stays over {spec.drift.pause_weighted_psi} on "
                f"{spec.drift.persist_runs} consecutive runs.",
                "model",
            )
        )
    if reading.value is not None and reading.value < spec.accuracy.target:
        year, week, _ = today.isocalendar()
        notices.append(
            (
                f"accuracy-target:{year}-W{week:02d}",
                f":warning: Model {reading.model_version} is under its accuracy target "
                f"{spec.accuracy.target:.2f}: {reading.describe()}.",
                "model",
            )
        )
    for key, text, about in notices:
        model_state.announce(ctx, key, text, about)
    return [key for key, _, _ in notices]
