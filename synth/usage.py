"""Product usage: which features an account has adopted, how many of its seats are active, and
the daily ``usage`` rows that follow (a row only on days a feature was used)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.accounts import Accounts
from synth.calendar import NEVER, Window, is_business_day
from synth.truth import sigmoid

FEATURES = ("Reports", "Dashboards", "Automations", "SSO", "API", "Projects", "Comments", "Exports")
KEY_FEATURES = 5  # the first five are the key features of the default spec
# Usage is clumpy: a team uses a feature on some days, several people at once. Per feature:
# the daily chance of a session per active seat, the share of active seats that join it,
# and events per user.
SESSION_RATE = 0.03 * np.array([0.5, 1.0, 0.2, 0.8, 0.1, 0.9, 0.35, 0.15])
SESSION_SHARE = np.array([0.15, 0.3, 0.04, 0.5, 0.01, 0.3, 0.12, 0.04])
EVENTS_PER_USER = np.array([4.0, 12.0, 25.0, 1.5, 350.0, 9.0, 5.0, 2.0])
# Log-odds that an established account has adopted a feature, by segment (SMB, Mid, Ent).
ADOPTION_LOGIT = np.array(
    [
        [1.0, 1.5, 2.0],
        [2.5, 3.0, 3.0],
        [-0.3, 0.5, 1.0],
        [-2.0, 0.2, 2.0],
        [-1.5, -0.2, 1.0],
        [2.5, 3.0, 3.0],
        [0.5, 1.0, 1.5],
        [0.0, 0.5, 0.5],
    ]
)
STARTER_FEATURES = (1, 5)  # Dashboards and Projects come with the first login
WEEKEND_FACTOR = 0.03
# Adoption causes part of the usage: seats active on a day scale with the share of key features
# adopted by then (ADOPTION_FLOOR with none, 1 with all), so unadopted key features also show as
# fewer active users (a symptom beside its cause).
ADOPTION_FLOOR = 0.6


def target_utilization(health: np.ndarray) -> np.ndarray:
    """Share of seats active on a business day that an account settles at, given its health."""
    out: np.ndarray = 0.06 + 0.34 * sigmoid(0.4 + 1.0 * health)
    return out


def initial_adoption(rng: np.random.Generator, acc: Accounts, window: Window) -> np.ndarray:
    """``[n, features]`` day each feature was first used (NEVER if not yet)."""
    n = acc.n
    tenure_years = np.clip((window.start - acc.created) / 365.0, 0, 3)
    logit = ADOPTION_LOGIT[:, acc.segment].T + 0.8 * acc.health_mean[:, None]
    p = sigmoid(logit - 0.2 + 0.4 * tenure_years[:, None])
    adopted = rng.random((n, len(FEATURES))) < p
    day = np.where(adopted, window.start - 1, NEVER).astype(np.int64)
    new = acc.created >= window.start
    day[new] = NEVER
    for f in STARTER_FEATURES:
        starts = new & (rng.random(n) < 0.9)
        day[starts, f] = acc.created[starts]
    return day


def adopt_more(
    rng: np.random.Generator,
    adopted_day: np.ndarray,
    acc: Accounts,
    health: np.ndarray,
    t0: int,
    t1: int,
) -> None:
    """Healthy accounts pick up features they do not use yet, young ones faster (in place)."""
    young = (t0 - acc.created) < 180
    logit = ADOPTION_LOGIT[:, acc.segment].T - 3.6 + 0.8 * health[:, None] + 1.0 * young[:, None]
    start = np.maximum(t0, acc.created)
    new = (adopted_day == NEVER) & (rng.random(logit.shape) < sigmoid(logit))
    new &= (start < t1)[:, None]
    when = start[:, None] + (rng.random(logit.shape) * np.maximum(t1 - start, 1)[:, None])
    adopted_day[new] = when.astype(np.int64)[new]


def next_utilization(
    rng: np.random.Generator, util: np.ndarray, health: np.ndarray, trouble: np.ndarray
) -> np.ndarray:
    """Utilization at the next month start: drift back to target, or a sudden drop.

    A drop (a champion leaves, a team moves to another tool) cuts active seats by 35–65 %.
    """
    n = util.size
    target = target_utilization(health)
    drift = np.exp(
        np.log(util) + 0.45 * (np.log(target) - np.log(util)) + 0.07 * rng.normal(size=n)
    )
    drop = rng.random(n) < np.clip(0.04 * trouble**1.2, 0, 0.35)
    out: np.ndarray = np.where(drop, util * rng.uniform(0.35, 0.65, n), drift)
    return np.clip(out, 0.02, 0.95)


def daily_utilization(
    rng: np.random.Generator, start: np.ndarray, end: np.ndarray, days: int
) -> np.ndarray:
    """``[n, days]`` path from ``start`` to ``end``: a ramp of 1–10 days at a random day."""
    n = start.size
    at = rng.random(n) * days
    width = rng.uniform(1, 10, n)
    d = np.arange(days)[None, :]
    ramp = np.clip((d - at[:, None]) / width[:, None], 0, 1)
    out: np.ndarray = start[:, None] + (end - start)[:, None] * ramp
    return out


@dataclass
class UsageRows:
    """Columns of emitted usage rows (account index, day, feature index, counts)."""

    account: np.ndarray
    day: np.ndarray
    feature: np.ndarray
    active_users: np.ndarray
    events: np.ndarray


def emit_usage(
    rng: np.random.Generator,
    acc: Accounts,
    util_days: np.ndarray,
    alive: np.ndarray,
    adopted_day: np.ndarray,
    t0: int,
) -> UsageRows:
    """Rows for one month: days with a session of an adopted feature, and who joined it.

    An adopted feature shows at least once a month (on a random day it could be used), so a
    feature with no usage row ever is one the account never adopted.
    """
    n, n_days = alive.shape
    days = t0 + np.arange(n_days)
    weekday = np.where(is_business_day(days), 1.0, WEEKEND_FACTOR)
    key_share = (adopted_day[:, None, :KEY_FEATURES] <= days[None, :, None]).mean(axis=2)
    active_seats = (
        acc.seats[:, None] * util_days * (ADOPTION_FLOOR + (1 - ADOPTION_FLOOR) * key_share)
    )
    sessions = np.zeros((n_days, n, len(FEATURES)), bool)  # day-major: rows come out by date
    for i in range(len(FEATURES)):
        usable = alive & (adopted_day[:, i][:, None] <= days[None, :])
        chance = -np.expm1(-active_seats * (weekday * SESSION_RATE[i])[None, :])
        session = usable & (rng.random((n, n_days), dtype=np.float32) < chance)
        _at_least_once(rng, session, usable)
        sessions[:, :, i] = session.T
    d, a, f = np.nonzero(sessions)
    users = 1 + rng.poisson(active_seats[a, d] * SESSION_SHARE[f])
    events = np.maximum(
        users, np.round(users * EVENTS_PER_USER[f] * rng.lognormal(0, 0.35, users.size))
    )
    return UsageRows(
        account=a.astype(np.int32),
        day=(d + t0).astype(np.int32),
        feature=f.astype(np.int8),
        active_users=users.astype(np.int32),
        events=events.astype(np.int64),
    )


def _at_least_once(rng: np.random.Generator, session: np.ndarray, usable: np.ndarray) -> None:
    """Give accounts that could use a feature but drew no session one on a random usable day."""
    lacking = np.nonzero(usable.any(axis=1) & ~session.any(axis=1))[0]
    if lacking.size:
        score = rng.random((lacking.size, usable.shape[1])) * usable[lacking]
        session[lacking, score.argmax(axis=1)] = True


def usage_decline(recent_util: np.ndarray) -> np.ndarray:
    """1 − mean active seats of the last 14 days / of the 14 days before (from a 28-day path)."""
    prev = recent_util[:, :14].mean(axis=1)
    last = recent_util[:, 14:].mean(axis=1)
    out: np.ndarray = 1.0 - last / np.maximum(prev, 1e-9)
    return out
