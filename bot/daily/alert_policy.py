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

Before those, an account's open **hold** decides: while a play is open, an alert that passes
the cooldown updates the play's message (``follows``) instead of posting a new one; a
dismissal is honoured (suppressed) until risk rises by ``surface.risk_rise_margin`` over the
dismissed alert's risk, and the alert posted then says so (``since``).
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
class Hold:
    """The account's open play or dismissal: which alert it is on, its risk then, when."""

    kind: str  # playbook | dismissal
    alert_id: int
    risk: float
    opened_on: dt.date
    title: str


@dataclass(frozen=True)
class AlertDecision:
    account_id: str
    status: str  # pending | held_out | suppressed
    why: str | None = None
    follows: int | None = None  # update this alert's message instead of posting
    since: str | None = None  # what changed since the open play or dismissal


def _pct(risk: float) -> str:
    return f"{round(risk * 100)} %"


def risk_words(before: float, now: float) -> str:
    """``rose from 18 % to 34 %``, ``fell from …``, ``stayed at 34 %``."""
    if _pct(before) == _pct(now):
        return f"stayed at {_pct(now)}"
    return f"{'rose' if now > before else 'fell'} from {_pct(before)} to {_pct(now)}"


def _held(c: AlertCandidate, hold: Hold, margin: float) -> AlertDecision | None:
    """The decision an open dismissal makes (None: the hold does not decide)."""
    if hold.kind != "dismissal":
        return None
    day = f"{hold.opened_on.day} {hold.opened_on:%b}"
    if c.risk - hold.risk < margin - EPSILON:
        why = (
            f"marked not a risk on {hold.opened_on.isoformat()} at {_pct(hold.risk)}; honoured "
            f"until risk rises by {margin * 100:.0f} points (now {_pct(c.risk)})"
        )
        return AlertDecision(c.account_id, "suppressed", why)
    since = (
        f"Risk {risk_words(hold.risk, c.risk)} since this was marked not a risk "
        f"({hold.title}) on {day}: more than the {margin * 100:.0f}-point margin, so it is back"
    )
    return AlertDecision(c.account_id, "pending", since=since)


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
    holds: Mapping[str, Hold] | None = None,
) -> list[AlertDecision]:
    """One decision per candidate, in the candidates' order (riskiest first); ``holds`` are
    the accounts' open plays and dismissals."""
    cap, share = spec.surface.daily_cap_per_csm, spec.feedback.holdout_share
    holds = holds or {}
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
        hold = holds.get(c.account_id)
        held = _held(c, hold, spec.surface.risk_rise_margin) if hold else None
        why = _cooldown_why(c, prior.get(c.account_id), spec, as_of)
        if held is not None and held.status == "suppressed":
            decided[c.account_id] = held
        elif why is not None:
            decided[c.account_id] = AlertDecision(c.account_id, "suppressed", why)
        elif hold is not None and hold.kind == "playbook":
            day = f"{hold.opened_on.day} {hold.opened_on:%b}"
            since = f"Risk {risk_words(hold.risk, c.risk)} since you chose {hold.title} on {day}"
            decided[c.account_id] = AlertDecision(
                c.account_id, "pending", follows=hold.alert_id, since=since
            )
        elif held is not None and per_csm[csm] < cap:
            per_csm[csm] += 1
            decided[c.account_id] = held
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
