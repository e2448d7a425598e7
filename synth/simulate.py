"""The month loop: read each account's indicators at the month start, draw churn decisions from
the true hazard, then let latent health drive the month's usage, syncs and tickets.

Vectorised over accounts; the only Python loops are over months (and features within one).
The first month is a warm-up: its events build the indicators, decisions start in month two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from synth.accounts import Accounts
from synth.calendar import NEVER, Window, next_renewal
from synth.hazard import Hazard, Indicators, baseline_logit, intensities, monthly_hazard
from synth.integrations import Outages, RunRows, emit_runs, new_outages, simulate_outages
from synth.tickets import TicketRows, open_tickets, stale_counts
from synth.usage import (
    KEY_FEATURES,
    UsageRows,
    adopt_more,
    daily_utilization,
    emit_usage,
    initial_adoption,
    next_utilization,
    target_utilization,
    usage_decline,
)

Progress = Callable[[str, int, int], None]
HEALTH_MEMORY = 0.75  # month-to-month autocorrelation of an account's health swings
HEALTH_SWING = 0.6


@dataclass
class GroundTruthRows:
    """Per decision month: the active accounts and their true hazard and its breakdown."""

    account: list[np.ndarray] = field(default_factory=list)
    month: list[np.ndarray] = field(default_factory=list)
    hazard: list[np.ndarray] = field(default_factory=list)
    contributions: list[np.ndarray] = field(default_factory=list)
    driver: list[np.ndarray] = field(default_factory=list)
    share: list[np.ndarray] = field(default_factory=list)


@dataclass
class History:
    """Everything the simulation emitted, as index-coded columns."""

    usage: list[UsageRows]
    runs: list[RunRows]
    tickets: TicketRows
    truth: GroundTruthRows
    churn_day: np.ndarray  # NEVER while active; may lie on or after ``end`` (not yet visible)


def trouble_of(health: np.ndarray) -> np.ndarray:
    """How much more often than average things go wrong for an account (0.2–5×)."""
    out: np.ndarray = np.clip(np.exp(-0.9 * health), 0.2, 5.0)
    return out


def _calendar_days(window: Window, m: int) -> int:
    """Length of month ``m`` in the calendar (the last month may be cut short by ``end``)."""
    t0 = window.month_starts[m]
    nxt = np.datetime64(t0, "D").astype("datetime64[M]") + 1
    return int(nxt.astype("datetime64[D]").astype(np.int64)) - t0


@dataclass
class State:
    """What each account carries from one month into the next (arrays aligned by account)."""

    health: np.ndarray
    util: np.ndarray  # share of seats active on a business day, at the month start
    adopted_day: np.ndarray  # [n, features] day a feature was first used, NEVER if not yet
    seen: np.ndarray  # [n, key features] has a usage row so far
    churn_day: np.ndarray
    decision_day: np.ndarray
    collapse: np.ndarray  # share of usage left between decision and churn
    outages: Outages
    recent_util: np.ndarray  # [n, 28] daily active-seat share of the last 28 days
    recent_broken: np.ndarray  # [n, slots, 14] failing integration-days of the last 14 days
    tickets: list[TicketRows] = field(default_factory=list)


def initial_state(rng: np.random.Generator, acc: Accounts, window: Window) -> State:
    """Health, active seats and adopted features at the start of the window."""
    n = acc.n
    health = acc.health_mean + HEALTH_SWING * rng.standard_normal(n)
    util = target_utilization(health) * rng.lognormal(0, 0.1, n)
    slots = acc.integration.shape[1]
    return State(
        health=health,
        util=util,
        adopted_day=initial_adoption(rng, acc, window),
        seen=np.zeros((n, KEY_FEATURES), bool),
        churn_day=np.full(n, NEVER, np.int64),
        decision_day=np.full(n, NEVER, np.int64),
        collapse=rng.uniform(0.03, 0.2, n),
        outages=new_outages(n, slots),
        recent_util=np.repeat(util[:, None], 28, axis=1),
        recent_broken=np.zeros((n, slots, 14), bool),
    )


def indicators_at(acc: Accounts, st: State, t0: int, month_days: int) -> Indicators:
    """What the tables show about each account at the start of a month."""
    stale_high, stale_other = stale_counts(TicketRows.concat(st.tickets), t0, acc.n)
    tenure = t0 - acc.created
    return Indicators(
        unused_key=KEY_FEATURES - st.seen.sum(axis=1),
        tenure_days=tenure,
        failed_days=st.recent_broken.sum(axis=(1, 2)),
        stale_high=stale_high,
        stale_other=stale_other,
        usage_decline=np.where(tenure >= 28, usage_decline(st.recent_util), 0.0),
        days_to_renewal=next_renewal(acc.created, t0) - t0,
        month_days=month_days,
    )


def decide(
    rng: np.random.Generator,
    acc: Accounts,
    st: State,
    hz: Hazard,
    t0: int,
    month_days: int,
    truth: GroundTruthRows,
) -> None:
    """Draw who decides to churn this month; churn at a renewal in the month, else any day.

    The decision comes 5–15 days before ``churned_at`` (not before the month start).
    """
    active = np.nonzero((acc.created <= t0) & (st.churn_day > t0))[0]
    deciding = active[rng.random(active.size) < hz.hazard[active]]
    renewal = next_renewal(acc.created[deciding], t0 + 3)
    any_day = t0 + rng.integers(3, month_days, size=deciding.size)
    st.churn_day[deciding] = np.where(renewal < t0 + month_days, renewal, any_day)
    lag = rng.integers(5, 16, size=deciding.size)
    st.decision_day[deciding] = np.maximum(t0, st.churn_day[deciding] - lag)
    truth.account.append(active)
    truth.month.append(np.full(active.size, t0))
    truth.hazard.append(hz.hazard[active])
    truth.contributions.append(hz.contributions[active])
    truth.driver.append(hz.driver[active])
    truth.share.append(hz.driver_share[active])


def live_month(
    rng: np.random.Generator, acc: Accounts, st: State, t0: int, t1: int
) -> tuple[UsageRows, RunRows]:
    """Evolve latent state through days ``[t0, t1)`` and emit the month's events."""
    days = t0 + np.arange(t1 - t0)
    trouble = trouble_of(st.health)
    adopt_more(rng, st.adopted_day, acc, st.health, t0, t1)
    util_next = next_utilization(rng, st.util, st.health, trouble)
    path = daily_utilization(rng, st.util, util_next, t1 - t0)
    decided = days[None, :] >= st.decision_day[:, None]
    path = np.where(decided, path * st.collapse[:, None], path)
    alive = (days[None, :] >= acc.created[:, None]) & (days[None, :] < st.churn_day[:, None])
    connected = acc.integration >= 0
    broken, error = simulate_outages(rng, st.outages, connected, trouble, t1 - t0)
    broken &= alive[:, None, :]

    usage = emit_usage(rng, acc, path, alive, st.adopted_day, t0)
    runs = emit_runs(rng, acc, broken, alive, error, t0)
    alive_from, alive_to = np.maximum(t0, acc.created), np.minimum(t1, st.churn_day)
    st.tickets.append(open_tickets(rng, acc.segment, st.health, trouble, alive_from, alive_to))

    key = usage.feature < KEY_FEATURES
    st.seen[usage.account[key], usage.feature[key]] = True
    st.recent_util = np.concatenate([st.recent_util, path], axis=1)[:, -28:]
    st.recent_broken = np.concatenate([st.recent_broken, broken], axis=2)[:, :, -14:]
    swing = st.health - acc.health_mean
    shock = np.sqrt(1 - HEALTH_MEMORY**2) * HEALTH_SWING * rng.standard_normal(acc.n)
    st.health = acc.health_mean + HEALTH_MEMORY * swing + shock
    st.util = util_next
    return usage, runs


def simulate(
    acc: Accounts,
    window: Window,
    seed: int,
    on_progress: Progress | None = None,
    *,
    stream: tuple[int, ...] = (),
) -> History:
    """Run the churn process over the window and return every emitted row.

    ``stream`` picks independent random streams for another slice of accounts of the same
    company (accounts do not interact, so slices can be simulated one after the other).
    """
    st = initial_state(np.random.default_rng([seed, 999, *stream]), acc, window)
    baseline = baseline_logit(acc.segment, acc.noise)
    usage: list[UsageRows] = []
    runs: list[RunRows] = []
    truth = GroundTruthRows()
    for m in range(window.months):
        rng = np.random.default_rng([seed, 1000 + m, *stream])
        t0, t1 = window.month_bounds(m)
        if m > 0:  # the first month is a warm-up that builds the indicators
            month_days = _calendar_days(window, m)
            hz = monthly_hazard(intensities(indicators_at(acc, st, t0, month_days)), baseline)
            decide(rng, acc, st, hz, t0, month_days, truth)
        month_usage, month_runs = live_month(rng, acc, st, t0, t1)
        usage.append(month_usage)
        runs.append(month_runs)
        if on_progress:
            on_progress("simulating months", m + 1, window.months)
    return History(usage, runs, TicketRows.concat(st.tickets), truth, st.churn_day)
