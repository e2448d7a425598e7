"""The day's alert rows, built one way whether the scores are today's or the last good run's.

Each candidate goes through the alert policy (cooldown, holdout, daily cap); each decision
becomes a row with the candidate's risk, its shown reasons, the playbooks chosen with the
account's feature values (so ``when:`` conditions hold as they did on the scored day), the
CSM's channel, the previous alert's risk and the account's ARR. Fallback rows are marked
``fallback`` and rendered with the banner. Pure: the surroundings come in as ``AlertSetting``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.daily import alert_policy
from bot.daily.decide import DayPlan
from bot.daily.portfolio import Standing, columns_of
from bot.spec import Spec
from playbooks import Playbook, choose
from scoring.reasons import SHOWN_REASONS


@dataclass(frozen=True)
class Contact:
    csm_email: str | None
    arr: float | None


@dataclass(frozen=True)
class AlertSetting:
    """What the builder reads around the candidates: contacts, channels, earlier alerts."""

    contacts: Mapping[str, Contact]
    channels: Mapping[str, str]
    previous_risks: Mapping[str, float]
    history: Sequence[Mapping[str, Any]]
    holds: Mapping[str, alert_policy.Hold] = field(default_factory=dict)
    standings: Mapping[str, Standing] = field(default_factory=dict)  # in the CSM's portfolio


def build_alerts(
    plan: DayPlan, setting: AlertSetting, spec: Spec, library: Iterable[Playbook]
) -> list[dict[str, Any]]:
    """One row per candidate of the plan, riskiest first; ``run_id`` is added by the writer."""
    as_of = plan.as_of
    by_id = {c.account_id: c for c in plan.candidates}
    policy = [
        alert_policy.AlertCandidate(
            account_id=c.account_id,
            csm_email=_contact(setting, c.account_id).csm_email,
            risk=float(c.risk),
            rank=c.rank,
            previous_risk=setting.previous_risks.get(c.account_id),
        )
        for c in sorted(plan.candidates, key=lambda c: (c.rank, -c.risk, c.account_id))
    ]
    decisions = alert_policy.select_alerts(
        policy, setting.history, spec, as_of, holds=setting.holds
    )
    rows: list[dict[str, Any]] = []
    for p, d in zip(policy, decisions, strict=True):
        flagged = by_id[p.account_id]
        reasons = list(flagged.reasons)[:SHOWN_REASONS]
        chosen = choose(library, reasons, flagged.features)
        rows.append(
            {
                "alert_key": f"{p.account_id}:{as_of.isoformat()}",
                "account_id": p.account_id,
                "as_of": as_of,
                "model_version_id": flagged.model_version_id,
                "csm_email": p.csm_email,
                "channel": setting.channels.get(p.csm_email or "", spec.surface.default_channel),
                "risk": p.risk,
                "previous_risk": p.previous_risk,
                "arr": _contact(setting, p.account_id).arr,
                "reasons": reasons,
                "playbooks": [c.as_dict() for c in chosen],
                "fallback": plan.fallback,
                "status": d.status,
                "last_error": d.why if d.status != "pending" else None,  # why not posted
                "follows_alert_id": d.follows,
                "since_text": d.since,
                **columns_of(setting.standings.get(p.account_id)),
            }
        )
    return rows


def _contact(setting: AlertSetting, account_id: str) -> Contact:
    return setting.contacts.get(account_id) or Contact(None, None)


def pending(rows: Sequence[Mapping[str, Any]]) -> int:
    return sum(1 for r in rows if r["status"] == "pending")


def days_of_history(spec: Spec, as_of: dt.date) -> dt.date:
    """How far back earlier alerts matter to the policy (cooldown and outcome window)."""
    lookback = max(spec.surface.cooldown_days, spec.feedback.outcome_days) + 1
    return as_of - dt.timedelta(days=lookback)
