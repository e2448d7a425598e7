"""The daily job's database edge: read what the decision needs, write the plan once.

``last_good`` reads the run a paused day serves (its flagged accounts with the feature values
stored with their scores); ``write_day`` writes the day's run, its scores and drift (when the
model ran) and its alerts, and moves the model state, all in the caller's transaction. Alerts
are only ever added: an alert key already taken for the day is kept as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.daily import fallback
from bot.daily.alert_policy import Hold
from bot.daily.alert_rows import AlertSetting, Contact, build_alerts, days_of_history, pending
from bot.daily.decide import DayPlan, FlaggedAccount, LastGood, ScoringResult
from bot.daily.portfolio import Standing, columns_of, standing_of, standings
from bot.daily.step_timer import StepTimer
from bot.lifecycle import model_state
from bot.spec import Spec
from playbooks import Playbook
from storage.models import Account, Score, utcnow
from storage.product import LEAD, product_of
from storage.repositories import plays as plays_repo
from storage.repositories import scores as repo


@dataclass(frozen=True)
class Written:
    """What ``write_day`` added: the run, its new alert rows, and how many keys were taken."""

    run_id: int
    new_alerts: list[dict[str, Any]]
    n_existing: int
    state_changed: bool


def last_good(
    session: Session, as_of: dt.date, *, exclude_run_id: int | None = None
) -> LastGood | None:
    """The run a paused day serves, with its flagged accounts still active on ``as_of``."""
    run = fallback.last_good_run(session, as_of, exclude_run_id=exclude_run_id)
    if run is None:
        return None
    stmt = select(Score).where(
        Score.run_id == run.id, Score.flagged.is_(True), Score.shadow.is_(False)
    )
    if product_of(session) != LEAD:  # accounts still active (leads have no account row)
        stmt = stmt.join(Account, Account.account_id == Score.account_id).where(
            or_(Account.churned_at.is_(None), Account.churned_at > as_of)
        )
    rows = session.scalars(stmt.order_by(Score.rank, Score.risk.desc(), Score.account_id))
    flagged = [
        FlaggedAccount(
            account_id=s.account_id,
            risk=float(s.risk),
            rank=int(s.rank) if s.rank is not None else i + 1,
            reasons=list(s.reasons or []),
            features=dict(s.features or {}),  # empty for older runs: the reasons' values
            model_version_id=s.model_version_id,
        )
        for i, s in enumerate(rows)
    ]
    return LastGood(run.id, run.as_of, flagged)


def alert_setting(
    session: Session,
    account_ids: Iterable[str],
    spec: Spec,
    as_of: dt.date,
    standings: dict[str, Standing] | None = None,
) -> AlertSetting:
    ids = list(account_ids)
    contacts = repo.account_contacts(session, account_ids=ids).reindex(ids)
    return AlertSetting(
        contacts={
            aid: Contact(_text(csm), _number(arr))
            for aid, csm, arr in zip(
                ids, contacts["csm_email"].tolist(), contacts["arr"].tolist(), strict=True
            )
        },
        channels=repo.csm_channels(session),
        previous_risks=repo.last_alert_risks(session, account_ids=ids, before=as_of),
        history=repo.alert_history(session, since=days_of_history(spec, as_of)),
        holds={
            p.account_id: Hold(p.kind, p.alert_id, p.risk, p.opened_on, p.title)
            for p in reversed(plays_repo.open_plays(session, account_ids=ids))
        },
        standings=standings or {},
    )


def lead_alert_setting(session: Session, plan: DayPlan, spec: Spec) -> AlertSetting:
    """What the builder reads around lead candidates: each lead's owner (kept with its score),
    the owners' channels, and this product's earlier alerts and open plays."""
    ids = [c.account_id for c in plan.candidates]
    return AlertSetting(
        contacts={
            c.account_id: Contact(_text(c.features.get("owner_email")) or None, None)
            for c in plan.candidates
        },
        channels=repo.csm_channels(session),
        previous_risks=repo.last_alert_risks(session, account_ids=ids, before=plan.as_of),
        history=repo.alert_history(session, since=days_of_history(spec, plan.as_of)),
        holds={
            p.account_id: Hold(p.kind, p.alert_id, p.risk, p.opened_on, p.title)
            for p in reversed(plays_repo.open_plays(session, account_ids=ids))
        },
    )


def live_standings(session: Session, scores: Sequence[dict[str, Any]]) -> dict[str, Standing]:
    """Each live account's standing in its CSM's portfolio (``bot.daily.portfolio``)."""
    return standings(scores, repo.account_csms(session))


def rows_to_write(
    scores: Sequence[dict[str, Any]], run_id: int, found: dict[str, Standing]
) -> list[dict[str, Any]]:
    """The run's score rows as written: with the run id and each live row's standing."""
    nowhere = columns_of(None)
    return [
        {
            **r,
            "run_id": run_id,
            **(nowhere if r["shadow"] else columns_of(found.get(r["account_id"]))),
        }
        for r in scores
    ]


def served_standings(session: Session, run_id: int | None) -> dict[str, Standing]:
    """The standings stored with a served run's live scores (a paused day alerts from them)."""
    if run_id is None:
        return {}
    rows = session.scalars(select(Score).where(Score.run_id == run_id, Score.shadow.is_(False)))
    return {s.account_id: st for s in rows if (st := standing_of(s)) is not None}


def write_day(
    session: Session,
    plan: DayPlan,
    *,
    spec: Spec,
    library: Iterable[Playbook],
    trigger: str,
    scoring: ScoringResult | None = None,
    error: str | None = None,
    timer: StepTimer | None = None,
) -> Written:
    """Add the day's run with its scores, drift and alerts; move the model state as planned.

    ``scoring`` None with ``error``: the model run failed (the run is ``failed``); without
    ``error``: the model did not run (paused before scoring). ``timer`` records the seconds
    of ``write_scores`` and ``write_alerts``.
    """
    timer = timer or StepTimer()
    status = "failed" if error else "succeeded"
    run = repo.add_run(
        session,
        as_of=plan.as_of,
        status=status,
        trigger=trigger,
        model_version_id=scoring.model_version_id if scoring else None,
        n_scored=scoring.n_scored if scoring else 0,
        n_flagged=len(scoring.flagged) if scoring else 0,
        warnings=list(scoring.warnings) if scoring else [],
        error=error[:4000] if error else None,
    )
    lead = spec.entity.kind == LEAD
    if scoring is not None:
        standing = {} if lead else live_standings(session, scoring.scores)
        repo.add_scores(session, rows_to_write(scoring.scores, run.id, standing))
        repo.add_drift(session, [{**d, "run_id": run.id} for d in scoring.drift])
    else:
        standing = served_standings(session, plan.served.run_id if plan.served else None)
    timer.lap("write_scores")
    ids = [c.account_id for c in plan.candidates]
    if lead:
        setting = lead_alert_setting(session, plan, spec)
        rows = [
            {**r, "alert_key": f"{LEAD}:{r['alert_key']}"}
            for r in build_alerts(plan, setting, spec, library)
        ]
    else:
        setting = alert_setting(session, ids, spec, plan.as_of, standing)
        rows = build_alerts(plan, setting, spec, library)
    new = repo.add_alerts(session, [{**r, "run_id": run.id} for r in rows])
    _end_dismissals(session, new, setting)
    run.n_alerts = pending(new)
    if plan.cause is not None:
        run.fallback, run.fallback_cause = True, plan.cause.text()
        run.served_from_run_id = plan.served.run_id if plan.served is not None else None
    changed = False
    if plan.state_change == "fallback" and plan.cause is not None:
        changed = model_state.enter_fallback(session, plan.cause.code)
    elif plan.state_change == "active":
        changed = model_state.leave_fallback(session)
    run.finished_at = utcnow()
    session.flush()
    timer.lap("write_alerts")
    return Written(run.id, new, len(rows) - len(new), changed)


def _end_dismissals(session: Session, rows: Sequence[Any], setting: AlertSetting) -> None:
    """A dismissal whose account is alerted again (risk rose past the margin) has expired."""
    for row in rows:
        hold = setting.holds.get(_field(row, "account_id"))
        if hold is not None and hold.kind == "dismissal" and _field(row, "status") == "pending":
            play = plays_repo.play_for_alert(session, alert_id=hold.alert_id)
            if play is not None:
                plays_repo.close_play(
                    session, play_id=play.id, status="expired", at=utcnow(), by=None
                )


def _field(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, dict) else getattr(row, name)


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
