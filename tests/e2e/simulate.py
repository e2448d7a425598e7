"""The company's history, week by week: integrations break and get fixed, tickets go unanswered,
usage collapses, and accounts leave.

Team/Business accounts leave over broken integrations nobody answers for, Starter (and
unknown-plan) accounts over a usage collapse; Enterprise accounts rarely leave at all. The plan
decides which signal matters, which a linear baseline cannot express, so a tree model wins.
Events are day offsets from the first day; ``tests.e2e.company`` turns them into tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

KEY_FEATURES = ("Editor", "Export to PDF", "Workflows", "Single sign-on", "Public API")
OTHER_FEATURES = ("Comments",)
ADOPTION = {
    "Editor": 0.95,
    "Export to PDF": 0.6,
    "Workflows": 0.55,
    "Single sign-on": 0.35,
    "Public API": 0.3,
    "Comments": 0.8,
}
NEEDS_INTEGRATION = ("Workflows", "Public API")  # not used while an integration is broken
ALWAYS_USED = ("Editor", "Comments")  # still used by an account whose usage collapsed
INTEGRATIONS = ("Salesforce", "HubSpot CRM")
SYNC_ERROR = 'HTTP 401: token expired, "re-auth" needed'
NEVER = np.iinfo(np.int64).max


@dataclass
class Population:
    """What each account is, drawn once: ids, start day, integrations, seats, plan, segment."""

    ids: np.ndarray
    created: np.ndarray  # day offset (negative: before the history starts)
    n_integrations: np.ndarray
    fragile: np.ndarray  # weekly chance that an integration breaks
    seats: np.ndarray
    users_share: np.ndarray
    adopted: dict[str, np.ndarray]
    segment: np.ndarray  # index into company.SEGMENTS (2 is Enterprise)
    plan: np.ndarray  # index into company.PLANS (1, 2 are Team, Business)
    spotlight: np.ndarray  # positions kept as customers and in trouble at the end


@dataclass
class History:
    """Event rows with a ``day`` offset, and each account's churn day (−1 while a customer)."""

    usage: list[pd.DataFrame] = field(default_factory=list)
    runs: list[pd.DataFrame] = field(default_factory=list)
    tickets: list[pd.DataFrame] = field(default_factory=list)
    churn_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


class Simulation:
    """Weekly steps over ``n_days``, all accounts at once."""

    def __init__(self, rng: np.random.Generator, pop: Population, n_days: int) -> None:
        n = len(pop.ids)
        self.rng, self.pop, self.n_days = rng, pop, n_days
        self.broken = np.zeros(n, dtype=bool)
        self.broken_weeks = np.zeros(n, dtype=int)
        self.idle_weeks = np.zeros(n, dtype=int)
        self.unanswered_since = np.full(n, NEVER, dtype=np.int64)
        self.unanswered_until = np.full(n, -1, dtype=np.int64)
        self.history = History(churn_day=np.full(n, -1, dtype=np.int64))

    def run(self) -> History:
        for w0 in range(0, self.n_days, 7):
            self._week(w0, min(7, self.n_days - w0))
        return self.history

    def _week(self, w0: int, week_len: int) -> None:
        pop, rng, n = self.pop, self.rng, len(self.pop.ids)
        alive = (pop.created <= w0) & (self.history.churn_day < 0)
        breaks = alive & (pop.n_integrations > 0) & ~self.broken & (rng.random(n) < pop.fragile)
        fixes = self.broken & (rng.random(n) < 0.3)
        self.broken = (self.broken | breaks) & ~fixes
        if w0 >= self.n_days - 21:
            self.broken[pop.spotlight] = True
        self.broken_weeks = np.where(self.broken, self.broken_weeks + 1, 0)
        stays_idle = rng.random(n) > 0.15
        goes_idle = alive & (rng.random(n) < 0.02)
        idle = np.where(self.idle_weeks > 0, stays_idle, goes_idle)
        if w0 >= self.n_days - 14:
            idle[pop.spotlight] = True  # broken, then quiet: in trouble on the scored days
        self.idle_weeks = np.where(idle, self.idle_weeks + 1, 0)
        self._usage(w0, week_len, alive, idle)
        self._runs(w0, week_len, np.flatnonzero(alive))
        self._tickets(w0, week_len, np.flatnonzero(alive))
        self._churn(w0, week_len, alive)

    def _usage(self, w0: int, week_len: int, alive: np.ndarray, idle: np.ndarray) -> None:
        """One or two rows per adopted feature and week."""
        pop, rng = self.pop, self.rng
        for f in (*KEY_FEATURES, *OTHER_FEATURES):
            use = alive & pop.adopted[f]
            if f in NEEDS_INTEGRATION:
                use &= ~self.broken
            if f not in ALWAYS_USED:
                use &= ~idle
            a = np.repeat(np.flatnonzero(use), 1 + (rng.random(int(use.sum())) < 0.4))
            if not len(a):
                continue
            day = w0 + rng.integers(0, week_len, len(a))
            share = pop.users_share[a] * (0.4 if f == "Editor" else 0.15)
            users = rng.binomial(pop.seats[a], share)
            events = rng.poisson(users * 4.0 + 1)
            self.history.usage.append(
                pd.DataFrame(
                    {
                        "account_id": pop.ids[a],
                        "day": day,
                        "feature": f,
                        "active_users": users,
                        "events": events,
                    }
                )
            )

    def _runs(self, w0: int, week_len: int, idx: np.ndarray) -> None:
        """Two syncs a week per integration; a broken one mostly fails."""
        for k, name in enumerate(INTEGRATIONS):
            a = np.repeat(idx[self.pop.n_integrations[idx] > k], 2)
            if not len(a):
                continue
            day = w0 + np.tile([0, min(3, week_len - 1)], len(a) // 2)
            fail = self.rng.random(len(a)) < np.where(self.broken[a], 0.9, 0.03)
            self.history.runs.append(
                pd.DataFrame(
                    {
                        "account_id": self.pop.ids[a],
                        "day": day,
                        "integration": name,
                        "status": np.where(fail, "failure", "success"),
                        "error": pd.Series(SYNC_ERROR, index=range(len(a))).where(fail, None),
                    }
                )
            )

    def _tickets(self, w0: int, week_len: int, idx: np.ndarray) -> None:
        """More tickets while broken, and then often no reply for weeks."""
        rng = self.rng
        a = np.repeat(idx, rng.poisson(0.12 + 0.9 * self.broken[idx]))
        if not len(a):
            return
        opened = w0 + rng.integers(0, week_len, len(a))
        neglected = self.broken[a] & (rng.random(len(a)) < 0.6)
        reply_days = np.where(neglected, rng.integers(12, 45, len(a)), 0)
        priority = rng.choice(["low", "normal", "high", "urgent"], len(a))
        self.history.tickets.append(
            pd.DataFrame(
                {
                    "account_id": self.pop.ids[a],
                    "day": opened,
                    "reply_days": reply_days,
                    "neglected": neglected,
                    "priority": priority,
                }
            )
        )
        for acc, o, r in zip(a[neglected], opened[neglected], reply_days[neglected], strict=True):
            self.unanswered_since[acc] = min(self.unanswered_since[acc], o)
            self.unanswered_until[acc] = max(self.unanswered_until[acc], o + r)

    def _churn(self, w0: int, week_len: int, alive: np.ndarray) -> None:
        pop, n = self.pop, len(self.pop.ids)
        stale = (w0 - self.unanswered_since >= 5) & (w0 < self.unanswered_until)
        self.unanswered_since[w0 >= self.unanswered_until] = NEVER
        long_broken = self.broken_weeks >= 2
        by_integrations = np.isin(pop.plan, [1, 2])
        risk = np.where(
            by_integrations,
            0.25 * (long_broken & stale) + 0.04 * long_broken,
            0.2 * (self.idle_weeks >= 2),
        )
        hazard = 0.0008 + (pop.segment != 2) * risk
        hazard[pop.spotlight] = 0.0
        churns = alive & (self.rng.random(n) < hazard)
        self.history.churn_day[churns] = w0 + self.rng.integers(0, week_len, int(churns.sum()))
