"""``atrisk report`` as a service: the report's frames and the kill switch's reading, built once.

The report shows the spec's ``accuracy.metric`` per matured scoring day beside the live
model's reading the daily job compares with the floor, so "accuracy against the SLA" in the
report is the number that would switch the model off.
"""

from __future__ import annotations

import datetime as dt
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

import pandas as pd

from bot.lifecycle.accuracy import AccuracyReading, live_accuracy, live_model
from bot.report.build import build_report
from bot.report.lead_report import lead_report
from scoring.registry import described, kind_of
from storage.repositories.feedback import ReportFrames, load_report_frames

if TYPE_CHECKING:
    from bot.ports import Root


def reading_of(reading: AccuracyReading, kind: str | None = None) -> dict[str, Any]:
    """The kill switch's reading as the report shows it (``kind``: the live model's family)."""
    return {
        "model_version": reading.model_version,
        "model_kind": kind,
        "model_label": (
            described(reading.model_version, kind or "lightgbm") if reading.model_version else None
        ),
        "value": reading.value,
        "n": reading.n,
        "n_churned": reading.n_churned,
        "text": reading.describe(),
    }


def report_of(ctx: Root, *, today: dt.date, since: dt.date | None = None) -> dict[str, Any]:
    """The report from the database, accuracy by the spec's metric beside the kill switch's."""
    spec = ctx.spec
    frames = load_report_frames(ctx.engine, since=since, product=ctx.spec.entity.kind)
    lead = spec.entity.kind == "lead"
    with ctx.uow() as uow, ctx.source_engine.connect() if lead else nullcontext() as source:
        reading = live_accuracy(uow.session, spec, today, source)
        live = live_model(uow.session)
        kind = kind_of(live.extras) if live is not None else None
    report = build_report(
        frames,
        today=today,
        horizon_days=spec.entity.horizon_days,
        accuracy_target=spec.accuracy.target,
        accuracy_floor=spec.accuracy.floor,
        psi_threshold=spec.drift.psi_threshold,
        min_effect=spec.feedback.min_effect,
        holdout_share=spec.feedback.holdout_share,
        metric=spec.accuracy.metric,
        kill_switch=reading_of(reading, kind),
        titles={p.id: p.title for p in ctx.playbooks},
    )
    if spec.entity.kind == "lead":
        report["leads"] = lead_report(lead_alert_rows(frames), today=today).as_dict()
        report["horizon_days"] = spec.entity.horizon_days
    return report


def lead_alert_rows(frames: ReportFrames) -> pd.DataFrame:
    """One row per matured lead alert (posted or held out, its outcome recorded), in the lead
    report's columns: ``lead_id, owner_email, as_of, held_out, acted, playbook_id,
    hours_to_touch`` (from the post to the play) and ``converted`` (within the horizon)."""
    a = frames.alerts
    a = a[a["status"].isin(["posted", "held_out"])]
    rows = a.merge(frames.outcomes[["alert_id", "state"]], left_on="id", right_on="alert_id")
    plays = frames.actions[frames.actions["kind"] == "playbook"]
    rows = rows.merge(plays[["alert_id", "playbook_id", "acted_at"]], on="alert_id", how="left")
    posted = pd.to_datetime(rows["posted_at"], utc=True)
    acted_at = pd.to_datetime(rows["acted_at"], utc=True)
    return pd.DataFrame(
        {
            "lead_id": rows["account_id"].astype("str"),
            "owner_email": rows["csm_email"],
            "as_of": rows["as_of"],
            "held_out": rows["status"] == "held_out",
            "acted": rows["playbook_id"].notna(),
            "playbook_id": rows["playbook_id"],
            "hours_to_touch": (acted_at - posted).dt.total_seconds() / 3600,
            "converted": rows["state"] == "converted",
        }
    )
