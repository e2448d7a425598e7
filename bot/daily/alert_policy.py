"""Which flagged accounts get an alert today: a small pure decision over candidates and history.

Every decision becomes an alert row: ``pending`` (to be posted), or ``held_out`` /
``suppressed`` with why. In order, riskiest first:

1. **cooldown**: an account alerted (posted, pending or held out) less than
   ``surface.cooldown_days`` ago is suppressed, unless its risk rose by at least
   ``surface.risk_rise_margin`` since that alert;
2. **holdout**: ``feedback.holdout_share`` of accounts, chosen by a stable hash of the account
   and the month (SHA-256, never Python's per-process ``hash()``), are ``held_out``: not
   posted, their outcome recorded all the same, so the lift of acting can be measured;
3. **daily cap**: at most ``surface.daily_cap_per_csm`` alerts per CSM a day (alerts already
   made today for other accounts count); the rest are suppressed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.spec import Spec

ALERTED = frozenset({"pending", "posted", "held_out"})  # what starts a cooldown
EPSILON = 1e-9  # a rise of exactly the margin counts as enough


@dataclass(frozen=True)
class AlertCandidate:
    """A flagged account of today's run, as the policy sees it."""

    account_id: str
    csm_email: str | None
    risk: float
    rank: int
    previous_risk: float | None = None


@dataclass(frozen=True)
class AlertDecision:
    account_id: str
    status: str  # pending | held_out | suppressed
    why: str | None = None


def holdout_bucket(account_id: str, as_of: dt.date) -> float:
    """A number in [0, 1), the same for an account all month on every machine and run."""
    digest = hashlib.sha256(f"{account_id}|{as_of:%Y-%m}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def is_held_out(account_id: str, as_of: dt.date, share: float) -> bool:
    return share > 0 and holdout_bucket(account_id, as_of) < share


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def last_alerts(
    history: Sequence[Mapping[str, Any]], as_of: dt.date
) -> dict[str, tuple[dt.date, float]]:
    """Each account's newest alert before ``as_of`` that started a cooldown: (day, risk)."""
    last: dict[str, tuple[dt.date, float]] = {}
    for row in history:
        day = _day(row["as_of"])
        if row.get("status") not in ALERTED or day >= as_of:
            continue
        aid = str(row["account_id"])
        if aid not in last or day >= last[aid][0]:
            last[aid] = (day, float(row["risk"]))
    return last


def _cooldown_why(
    c: AlertCandidate, prior: tuple[dt.date, float] | None, spec: Spec, as_of: dt.date
) -> str | None:
    days, margin = spec.surface.cooldown_days, spec.surface.risk_rise_margin
    if prior is None or days == 0 or (as_of - prior[0]).days >= days:
        return None
    if c.risk - prior[1] >= margin - EPSILON:
        return None
    return (
        f"alerted on {prior[0].isoformat()}, within the {days}-day cooldown; risk "
        f"{prior[1]:.0%} → {c.risk:.0%} rose less than the {margin * 100:.0f} points "
        "that would alert again"
    )


def select_alerts(
    candidates: Sequence[AlertCandidate],
    history: Sequence[Mapping[str, Any]],
    spec: Spec,
    as_of: dt.date,
) -> list[AlertDecision]:
    """One decision per candidate, in the candidates' order (riskiest first)."""
    cap, share = spec.surface.daily_cap_per_csm, spec.feedback.holdout_share
    prior = last_alerts(history, as_of)
    mine = {c.account_id for c in candidates}
    per_csm: Counter[str] = Counter(
        str(r.get("csm_email") or "")
        for r in history
        if _day(r["as_of"]) == as_of
        and r.get("status") in ("pending", "posted")
        and str(r["account_id"]) not in mine
    )
    decided: dict[str, AlertDecision] = {}
    for c in sorted(candidates, key=lambda c: (-c.risk, c.rank, c.account_id)):
        csm = c.csm_email or ""
        why = _cooldown_why(c, prior.get(c.account_id), spec, as_of)
        if why is not None:
            decided[c.account_id] = AlertDecision(c.account_id, "suppressed", why)
        elif is_held_out(c.account_id, as_of, share):
            decided[c.account_id] = AlertDecision(
                c.account_id,
                "held_out",
                f"control group: {share:.0%} of accounts are held out each month by a stable "
                "hash; not posted, the outcome is still recorded",
            )
        elif per_csm[csm] >= cap:
            decided[c.account_id] = AlertDecision(
                c.account_id,
                "suppressed",
                f"over the daily cap of {cap} alerts for {c.csm_email or 'accounts without a CSM'}"
                " (the riskiest were posted)",
            )
        else:
            per_csm[csm] += 1
            decided[c.account_id] = AlertDecision(c.account_id, "pending")
    return [decided[c.account_id] for c in candidates]
