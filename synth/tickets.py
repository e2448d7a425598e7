"""Support tickets: volume and priority follow an account's health; some are left unanswered
for days (the support driver), a few are never answered; CSAT on some closed tickets."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

PRIORITIES = ("low", "normal", "high", "urgent")
TICKETS_PER_MONTH = np.array([0.35, 0.9, 2.2])  # by segment, for an average account
RESPONSE_HOURS = np.array([12.0, 6.0, 3.0, 1.0])  # median first response, by priority
NO_TIME = np.iinfo(np.int64).max  # not answered / not closed
DAY = 86400
STALE_HIGH_DAYS = 3
STALE_OTHER_DAYS = 7


@dataclass
class TicketRows:
    """Columns of tickets (times in seconds since 1970; NO_TIME when it did not happen)."""

    account: np.ndarray
    opened: np.ndarray
    responded: np.ndarray
    closed: np.ndarray
    priority: np.ndarray
    csat: np.ndarray  # 0 for none

    @staticmethod
    def concat(parts: list[TicketRows]) -> TicketRows:
        return TicketRows(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(TicketRows))
        )


def open_tickets(
    rng: np.random.Generator,
    segment: np.ndarray,
    health: np.ndarray,
    trouble: np.ndarray,
    alive_from: np.ndarray,
    alive_to: np.ndarray,
) -> TicketRows:
    """Tickets opened between ``alive_from`` and ``alive_to`` (days) of each account."""
    span = np.maximum(alive_to - alive_from, 0)
    lam = TICKETS_PER_MONTH[segment] * np.sqrt(trouble) * span / 30.0
    count = rng.poisson(lam)
    acct = np.repeat(np.arange(segment.size), count)
    m = acct.size
    opened = (alive_from[acct] * DAY + rng.random(m) * span[acct] * DAY).astype(np.int64)
    k = trouble[acct]
    weights = np.column_stack([np.full(m, 0.25), np.full(m, 0.5), 0.18 * k**0.3, 0.07 * k**0.5])
    cum = (weights / weights.sum(axis=1, keepdims=True)).cumsum(axis=1)
    priority = np.minimum((rng.random(m)[:, None] > cum).sum(axis=1), 3)

    stale = rng.random(m) < np.clip(0.12 * k**1.3, 0, 0.7)
    never = stale & (rng.random(m) < 0.25)
    prompt_h = RESPONSE_HOURS[priority] * rng.lognormal(0, 0.8, m)
    late_h = rng.uniform(3.5, 25, m) * 24
    responded = opened + (np.where(stale, late_h, prompt_h) * 3600).astype(np.int64)
    responded[never] = NO_TIME
    resolve_h = 30 * rng.lognormal(0, 1.0, m)
    closed = responded + (resolve_h * 3600).astype(np.int64)
    still_open = rng.random(m) < 0.07
    closed[still_open & ~never] = NO_TIME
    closed[never] = opened[never] + (rng.uniform(14, 45, int(never.sum())) * DAY).astype(np.int64)
    mood = 4.3 - 1.6 * stale - 0.25 * np.maximum(0.0, -health[acct]) - 1.5 * never
    rated = (closed != NO_TIME) & (rng.random(m) < np.where(never, 0.3, 0.5))
    csat = np.where(rated, np.clip(np.round(mood + 0.9 * rng.normal(size=m)), 1, 5), 0)
    return TicketRows(acct, opened, responded, closed, priority, csat.astype(np.int64))


def stale_counts(t: TicketRows, at_day: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per account: urgent/high tickets unanswered for 3+ days, others for 7+ days, at a day."""
    at = at_day * DAY
    waiting = (t.opened < at) & (t.responded > at) & (t.closed > at)
    age = (at - t.opened) / DAY
    high = waiting & (t.priority >= 2) & (age >= STALE_HIGH_DAYS)
    other = waiting & (t.priority < 2) & (age >= STALE_OTHER_DAYS)
    return (
        np.bincount(t.account[high], minlength=n),
        np.bincount(t.account[other], minlength=n),
    )
