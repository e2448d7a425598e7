"""The lead demo: the lead loop replayed on a synthetic funnel, end to end on real code.

synth funnel → ingest into the embedded source engine (DuckDB) → lead features by SQL
push-down → training through the gate → for each replay day (decision days 14 days apart):
score the open leads, alert the hottest (a stable-hash share held out), choose sales plays,
render the alert (dry-run payloads in ``outbox/``), let simulated owners act with their own
compliance and speed, apply the funnel's true effect of a quick first touch
(``synth.lead_truth``), re-ingest the conversions → the lead report, with the true
intent-to-treat effect beside the measured lift.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from bot.blockkit.lead_alerts import LeadAlertView, outcome_text, render_lead_alert
from bot.report.lead_report import LeadReport, lead_report
from playbooks import Library, choose, load_library
from scoring.lead_features import LeadParams, conversion_labels, lead_columns
from scoring.lead_scoring import score_leads, train_leads
from scoring.lead_sql_features import build_lead_features_sql
from scoring.reasons import reasons_of
from scoring.registry import ModelArtifact
from scoring.train import TrainConfig
from storage.db import make_engine
from storage.ingest import ingest
from storage.ingest.contract import LEAD_REQUIRED
from storage.migrate import upgrade
from storage.source_engine import make_source_engine, prepare_embedded
from synth.lead_truth import convert_touched, touched_probability
from synth.leads import SyntheticFunnel, generate_leads, write_funnel

HORIZON = 14
Say = Callable[[str], None]


@dataclass(frozen=True)
class LeadDemo:
    """What the lead demo did and found."""

    report: LeadReport
    true_itt: float  # the true intent-to-treat effect on the posted alerts (fraction)
    model: str  # the gate's sentence
    replay_days: list[dt.date]
    folder: Path


def held_out(lead_id: str, day: dt.date, share: float) -> bool:
    """A stable draw: the same lead and day are always held out, or never."""
    digest = hashlib.sha256(f"{lead_id}|{day.isoformat()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share


def _source_frames(source: Engine) -> pd.DataFrame:
    from sqlalchemy import select

    from storage.lead_models import Lead

    with source.connect() as conn:
        return pd.read_sql(select(Lead), conn)


def _train(source: Engine, days: list[dt.date], params: LeadParams) -> Any:
    cols = lead_columns(_source_frames(source))
    frames = []
    for day in days:
        f = build_lead_features_sql(source, day, params)
        f["label"] = conversion_labels(cols.loc[f.index], day, params.horizon_days)
        frames.append(f.reset_index().assign(as_of=pd.Timestamp(day)))
    config = TrainConfig(horizon_days=HORIZON, top_share=0.1, floor=0.6)
    return train_leads(pd.concat(frames, ignore_index=True), config)


def _ingest(folder: Path, app: Engine, source: Engine, now: dt.datetime, tables: Any) -> None:
    ingest(folder, app, required_tables=tables, source_engine=source, now=now)


@dataclass
class _Owners:
    compliance: dict[str, float]
    mean_hours: dict[str, float]


def _owners(rng: np.random.Generator, team: pd.DataFrame) -> _Owners:
    emails = team.loc[team["role"].isin(["sdr", "ae"]), "email"].tolist()
    return _Owners(
        compliance={e: float(rng.beta(2, 2)) for e in emails},
        mean_hours={e: float(rng.uniform(2, 60)) for e in emails},
    )


def _payload(
    alert_id: int, day: dt.date, row: pd.Series, scored: pd.Series, plays: list[Any], owner: Any
) -> dict[str, Any]:
    """The dry-run post of one lead alert (its owner's channel and the Block Kit message)."""
    view = LeadAlertView(
        alert_id=alert_id,
        alert_key=f"lead:{row.name}:{day.isoformat()}",
        lead_id=str(row.name),
        company=str(row["company"]),
        probability=float(scored["risk"]),
        horizon_days=HORIZON,
        segment=None if pd.isna(row.get("segment")) else str(row.get("segment")),
        employees=int(row["employees"]) if pd.notna(row.get("employees")) else None,
        source=None if pd.isna(row.get("source")) else str(row.get("source")),
        owner_name=owner.get("name"),
        owner_slack_id=owner.get("slack_user_id"),
        reasons=reasons_of(scored["reasons"]),
        playbooks=[c.as_dict() for c in plays],
        model_version="demo",
        as_of=day,
    )
    return {"channel": owner.get("slack_channel"), **render_lead_alert(view)}


def _replay_day(
    day: dt.date,
    ctx: dict[str, Any],
    model: ModelArtifact,
    library: Library,
    leads: pd.DataFrame,
) -> list[dict[str, Any]]:
    """Alert, act and convert for one replay day; ``leads`` is updated in place."""
    rng: np.random.Generator = ctx["rng"]
    features = build_lead_features_sql(ctx["source"], day, ctx["params"])
    scored = score_leads(model, features, threshold=None, top_share=ctx["top_share"])
    truth = ctx["truth"].get(day, pd.Series(dtype=float))
    owners: _Owners = ctx["owners"]
    rows = []
    for lead_id in scored.index[scored["flagged"].to_numpy()]:
        row, s = features.loc[lead_id], scored.loc[lead_id]
        owner = str(leads.at[lead_id, "owner_email"])
        held = held_out(str(lead_id), day, ctx["holdout_share"])
        plays = choose(library, s["reasons"], row.to_dict())
        acted = not held and bool(plays) and rng.random() < owners.compliance.get(owner, 0.0)
        hours = float(rng.exponential(owners.mean_hours.get(owner, 24.0))) if acted else np.nan
        p = float(truth.get(lead_id, s["risk"]))
        conv = pd.Timestamp(leads.at[lead_id, "converted_at"])
        within = pd.notna(conv) and day < conv.date() <= day + dt.timedelta(days=HORIZON)
        touched = np.array([hours / 24])
        if (
            acted
            and not within
            and convert_touched(rng, np.array([p]), np.array([False]), touched)[0]
        ):
            when = day + dt.timedelta(days=int(rng.integers(1, HORIZON + 1)))
            leads.at[lead_id, "converted_at"] = pd.Timestamp(when)
        effect = float(touched_probability(np.array([p]), touched)[0] - p)
        ctx["alert_id"] += 1
        if not held:
            who = ctx["team"].get(owner, {})
            payload = _payload(ctx["alert_id"], day, row, s, plays, who)
            path = ctx["outbox"] / f"{day.isoformat()}-{lead_id}.json"
            path.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
        rows.append(
            {
                "lead_id": lead_id,
                "owner_email": owner,
                "as_of": day,
                "held_out": held,
                "acted": acted,
                "playbook_id": plays[0].id if acted else None,
                "hours_to_touch": hours,
                "true_effect": 0.0 if held or not acted else effect,
            }
        )
    return rows


def _post_outcomes(frame: pd.DataFrame, converted_at: pd.Series, outbox: Path) -> None:
    """The outcome follow-up of every posted alert, as a thread reply payload beside it."""
    for i, row in frame[~frame["held_out"]].iterrows():
        conv = converted_at.loc[i]
        on = conv.date() if bool(row["converted"]) else None
        stem = f"{row['as_of'].isoformat()}-{row['lead_id']}"
        reply = {"thread_of": f"{stem}.json", "text": outcome_text(on, HORIZON)}
        (outbox / f"{stem}.outcome.json").write_text(json.dumps(reply), encoding="utf-8")


def run_lead_demo(
    out: Path,
    *,
    leads: int = 4000,
    days: int = 210,
    seed: int = 7,
    end: dt.date | None = None,
    replay: int = 6,
    top_share: float = 0.08,
    holdout_share: float = 0.25,
    say: Say = lambda _m: None,
) -> LeadDemo:
    """Replay the lead loop on a fresh synthetic funnel in ``out`` (see the module docstring)."""
    end = end or dt.date.today()
    now = dt.datetime.combine(end, dt.time(), dt.UTC)
    funnel: SyntheticFunnel = generate_leads(leads, days, seed, end)
    folder = out / "leads"
    write_funnel(funnel, folder)
    say(f"synthetic funnel: {leads} leads over {days} days → {folder}")
    app = make_engine(f"sqlite:///{out / 'atrisk.db'}", create=True)
    upgrade(app)
    source = make_source_engine(f"duckdb:///{out / 'atrisk.sources.duckdb'}")
    prepare_embedded(source)
    _ingest(folder, app, source, now, LEAD_REQUIRED)
    truth = funnel.tables["ground_truth"]
    decisions = sorted(pd.to_datetime(truth["as_of"]).dt.date.unique())
    matured = [d for d in decisions if d + dt.timedelta(days=HORIZON) < end]
    replay_days = matured[-replay:]
    params = LeadParams(horizon_days=HORIZON)
    train_days = [d for d in matured if d + dt.timedelta(days=HORIZON) <= replay_days[0]]
    trained = _train(source, train_days, params)
    say(f"trained on {len(train_days)} snapshots: {trained.why}")
    outbox = out / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    team = funnel.tables["team"]
    by_day = {
        d: g.set_index("lead_id")["probability"]
        for d, g in truth.assign(day=pd.to_datetime(truth["as_of"]).dt.date).groupby("day")
    }
    ctx: dict[str, Any] = {
        "rng": np.random.default_rng([seed, 2]),
        "source": source,
        "params": params,
        "top_share": top_share,
        "holdout_share": holdout_share,
        "truth": by_day,
        "owners": _owners(np.random.default_rng([seed, 3]), team),
        "team": team.set_index("email").to_dict("index"),
        "outbox": outbox,
        "alert_id": 0,
    }
    table = funnel.tables["leads"].set_index("lead_id")
    library = load_library(entity="lead")
    rows: list[dict[str, Any]] = []
    for day in replay_days:
        rows += _replay_day(day, ctx, trained.model, library, table)
        funnel.tables["leads"] = table.reset_index()
        write_funnel(funnel, folder)
        _ingest(folder, app, source, now, ["leads"])  # the day's conversions, upserted
    frame = pd.DataFrame(rows)
    conv = pd.to_datetime(frame["lead_id"].map(table["converted_at"]))
    as_of = pd.to_datetime(frame["as_of"])
    frame["converted"] = (conv > as_of) & (conv <= as_of + pd.Timedelta(days=HORIZON))
    _post_outcomes(frame, conv, outbox)
    report = lead_report(frame, today=end)
    posted = frame[~frame["held_out"]]
    app.dispose()
    source.dispose()
    frame.to_csv(out / "lead_alerts.csv", index=False)
    (out / "lead_report.json").write_text(
        json.dumps(report.as_dict(), indent=1, default=str), encoding="utf-8"
    )
    return LeadDemo(
        report=report,
        true_itt=float(posted["true_effect"].mean()) if len(posted) else 0.0,
        model=trained.why,
        replay_days=replay_days,
        folder=out,
    )
