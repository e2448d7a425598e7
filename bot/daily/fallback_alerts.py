"""The day's alerts while the model is paused: the last good run's flagged accounts, re-decided.

The flagged accounts of the served run go through the same alert policy as fresh scores
(daily cap, cooldown, holdout), so an account alerted a few days ago is not alerted again
just because the model paused. Each alert keeps the served scores' risk, reasons and
playbooks, is marked ``fallback`` (rendered with the banner), and uses the day's
``alert_key``, so one account still gets at most one alert per day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import Session

from bot.daily import alert_policy
from bot.spec import Spec
from playbooks import Library, choose
from scoring.reasons import SHOWN_REASONS
from storage.models import Account, Alert, Score, ScoringRun
from storage.repositories import scores as repo

UNPOSTED = ("pending", "held_out", "suppressed")


def any_posted(session: Session, run_id: int) -> bool:
    """Has any alert of this run reached (or been tried on) Slack?"""
    touched = or_(Alert.status == "posted", Alert.attempts > 0, Alert.posted_at.is_not(None))
    return bool(session.scalar(select(exists().where(Alert.run_id == run_id, touched))))


def discard_unposted(session: Session, run_id: int) -> int:
    """Drop the run's alerts that never went out (their scores are not to be served)."""
    result = session.execute(
        delete(Alert).where(
            Alert.run_id == run_id,
            Alert.status.in_(UNPOSTED),
            Alert.attempts == 0,
            Alert.posted_at.is_(None),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _served_flagged(session: Session, served: ScoringRun, as_of: dt.date) -> list[Score]:
    """The served run's flagged live scores of accounts still active on ``as_of``."""
    return list(
        session.scalars(
            select(Score)
            .join(Account, Account.account_id == Score.account_id)
            .where(
                Score.run_id == served.id,
                Score.flagged.is_(True),
                Score.shadow.is_(False),
                or_(Account.churned_at.is_(None), Account.churned_at > as_of),
            )
            .order_by(Score.rank, Score.risk.desc(), Score.account_id)
        )
    )


def _served_playbooks(session: Session, served: ScoringRun) -> dict[str, list[Any]]:
    rows = session.execute(
        select(Alert.account_id, Alert.playbooks).where(Alert.run_id == served.id)
    )
    return {str(aid): list(playbooks or []) for aid, playbooks in rows}


def write_fallback_alerts(
    session: Session, spec: Spec, run: ScoringRun, served: ScoringRun, library: Library
) -> int:
    """Stage the day's fallback alerts under ``run``; returns how many are ``pending``."""
    as_of = run.as_of
    flagged = _served_flagged(session, served, as_of)
    if not flagged:
        return 0
    ids = [s.account_id for s in flagged]
    contacts = repo.account_contacts(session).reindex(ids)
    channels = repo.csm_channels(session)
    previous = repo.last_alert_risks(session, account_ids=ids, before=as_of)
    lookback = max(spec.surface.cooldown_days, spec.feedback.outcome_days) + 1
    history = repo.alert_history(session, since=as_of - dt.timedelta(days=lookback))
    candidates = [
        alert_policy.AlertCandidate(
            account_id=s.account_id,
            csm_email=_text(contacts.at[s.account_id, "csm_email"]),
            risk=float(s.risk),
            rank=int(s.rank) if s.rank is not None else i + 1,
            previous_risk=previous.get(s.account_id),
        )
        for i, s in enumerate(flagged)
    ]
    decisions = alert_policy.select_alerts(candidates, history, spec, as_of)
    by_id = {s.account_id: s for s in flagged}
    stored = _served_playbooks(session, served)
    rows: list[dict[str, Any]] = []
    for c, d in zip(candidates, _in_order(candidates, decisions), strict=True):
        score = by_id[c.account_id]
        reasons = list(score.reasons or [])[:SHOWN_REASONS]
        playbooks = stored.get(c.account_id)
        if playbooks is None:
            playbooks = [p.as_dict() for p in choose(library, reasons)]
        rows.append(
            {
                "alert_key": f"{c.account_id}:{as_of.isoformat()}",
                "account_id": c.account_id,
                "as_of": as_of,
                "run_id": run.id,
                "model_version_id": score.model_version_id,
                "csm_email": c.csm_email,
                "channel": channels.get(c.csm_email or "", spec.surface.default_channel),
                "risk": c.risk,
                "previous_risk": c.previous_risk,
                "reasons": reasons,
                "playbooks": playbooks,
                "fallback": True,
                "status": d.status,
                "last_error": d.why if d.status != "pending" else None,
            }
        )
    repo.add_alerts(session, rows)
    return sum(1 for r in rows if r["status"] == "pending")


def _in_order(
    candidates: list[alert_policy.AlertCandidate], decisions: list[alert_policy.AlertDecision]
) -> list[alert_policy.AlertDecision]:
    by_id = {d.account_id: d for d in decisions}
    return [by_id[c.account_id] for c in candidates]


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)
