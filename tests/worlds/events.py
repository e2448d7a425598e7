"""Turn a lifecycle into event tables: weekday product usage, integration syncs, tickets.

Usage intensity is partly *caused* by adoption: an account's daily active users scale with
the share of key features it has adopted (0.3 + 0.7 × share), so unadopted key features
show up as fewer active users per seat. Before a churn usage fades over
`cfg.wind_down_days` days; after it there is nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.worlds.catalog import FEATURE_NAMES, FEATURES, INTEGRATIONS, TRANSIENT_ERRORS
from tests.worlds.config import WorldConfig
from tests.worlds.lifecycle import Lifecycle

DAY = 86_400
TRANSIENT_FAILURE = 0.02
PRIORITIES = ("low", "normal", "high", "urgent")
RESPONSE_HOURS = {"low": 20.0, "normal": 8.0, "high": 3.0, "urgent": 1.0}


def _last_day(life: Lifecycle) -> np.ndarray:
    """Per account, the first day without activity: churn day or the end of the history."""
    return np.minimum(life.churn, life.days)


def _utc(cfg: WorldConfig, seconds: np.ndarray) -> pd.Series:
    """Seconds since day 0 00:00 UTC as UTC timestamps (NaN → NaT)."""
    base = pd.Timestamp(cfg.start, tz="UTC")
    whole = np.floor(seconds)  # exports carry whole seconds
    return pd.Series(base + pd.to_timedelta(whole, unit="s")).astype("datetime64[us, UTC]")


def make_usage(cfg: WorldConfig, life: Lifecycle, rng: np.random.Generator) -> pd.DataFrame:
    """One row per account, weekday and feature used (plus a few rows with 0 events)."""
    pop = life.pop
    all_days = np.arange(life.days)
    weekday = (pd.Timestamp(cfg.start).day_of_week + all_days) % 7
    days = all_days[weekday < 5]
    alive = (days[None, :] >= pop.created[:, None]) & (days[None, :] < _last_day(life)[:, None])
    adopted = pop.adopt[:, None, :] <= days[None, :, None]  # (A, W, F)
    key = np.asarray([f.key for f in FEATURES])
    share = adopted[:, :, key].mean(axis=2)
    fade = np.ones(alive.shape)
    if cfg.wind_down_days > 0:
        left = (life.churn[:, None] - days[None, :]) / cfg.wind_down_days
        fade = np.where(left < 1.0, 0.3 + 0.7 * np.clip(left, 0.0, 1.0), 1.0)
    noise = rng.lognormal(0.0, 0.15, alive.shape)
    p = np.clip(pop.engagement[:, None] * (0.3 + 0.7 * share) * fade * noise, 0.0, 1.0)
    active = rng.binomial(pop.seats[:, None], p) * alive  # (A, W)
    daily_use = np.asarray([f.daily_use for f in FEATURES])
    used = adopted & (rng.random(adopted.shape) < daily_use) & (active[:, :, None] > 0)
    users = np.maximum(1, rng.binomial(active[:, :, None], [f.user_share for f in FEATURES]))
    rate = users * np.asarray([f.events_per_user for f in FEATURES])
    events = 1 + rng.poisson(rate)
    zero = adopted & ~used & alive[:, :, None] & (rng.random(adopted.shape) < cfg.zero_row_share)
    a, w, f = np.nonzero(used | zero)
    keep_used = used[a, w, f]
    frame = pd.DataFrame(
        {
            "account": a,
            "date": pd.Timestamp(cfg.start) + pd.to_timedelta(days[w], unit="D"),
            "feature": pd.Series(np.asarray(FEATURE_NAMES, dtype=object)[f], dtype="str"),
            "active_users": np.where(keep_used, users[a, w, f], 0).astype(np.int64),
            "events": np.where(keep_used, events[a, w, f], 0).astype(np.int64),
        }
    )
    frame["date"] = frame["date"].astype("datetime64[s]")
    return frame


def make_integration_runs(
    cfg: WorldConfig, life: Lifecycle, rng: np.random.Generator
) -> pd.DataFrame:
    """Every sync of every connected integration; broken episodes fail every run."""
    pop = life.pop
    last = _last_day(life)
    broken: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i, j, s, e in life.broken:
        broken.setdefault((i, j), []).append((s, e))
    acct: list[np.ndarray] = []
    secs: list[np.ndarray] = []
    integ: list[np.ndarray] = []
    down: list[np.ndarray] = []
    for i, j in zip(*np.nonzero(pop.connected < life.days), strict=True):
        days = np.arange(max(int(pop.connected[i, j]), 0), int(last[i]))
        hours = np.asarray(INTEGRATIONS[j].hours)
        day = np.repeat(days, len(hours))
        failing = np.zeros(len(day), dtype=bool)
        for s, e in broken.get((int(i), int(j)), []):
            failing |= (day >= s) & (day < e)
        acct.append(np.full(len(day), i))
        secs.append(day * DAY + np.tile(hours, len(days)) * 3600 + rng.integers(0, 1500, len(day)))
        integ.append(np.full(len(day), j))
        down.append(failing)
    which, is_down = np.concatenate(integ), np.concatenate(down)
    flaky = ~is_down & (rng.random(len(which)) < TRANSIENT_FAILURE)
    error = np.full(len(which), None, dtype=object)
    broken_errors = np.asarray([g.broken_error for g in INTEGRATIONS], dtype=object)
    error[is_down] = broken_errors[which[is_down]]
    error[flaky] = rng.choice(np.asarray(TRANSIENT_ERRORS, dtype=object), int(flaky.sum()))
    error[error == ""] = None
    names = np.asarray([g.name for g in INTEGRATIONS], dtype=object)
    return pd.DataFrame(
        {
            "account": np.concatenate(acct),
            "ts": _utc(cfg, np.concatenate(secs)),
            "integration": pd.Series(names[which], dtype="str"),
            "status": pd.Series(np.where(is_down | flaky, "failure", "success"), dtype="str"),
            "error": pd.Series(error, dtype="str"),
        }
    )


def _ticket_rows(
    rng: np.random.Generator, account: int, opened: np.ndarray, priority: np.ndarray
) -> dict[str, np.ndarray]:
    """Ordinary tickets: answered within hours, closed within days, often rated."""
    hours = np.asarray([RESPONSE_HOURS.get(p, 8.0) for p in priority])
    wait = rng.exponential(hours * 3600)
    slow = rng.random(len(opened)) < 0.05
    wait = np.where(slow, rng.exponential(4 * DAY, len(opened)), wait)
    first = opened + wait
    closed = first + rng.exponential(2 * DAY, len(opened))
    rated = rng.random(len(opened)) < 0.55
    csat = np.where(
        rated, rng.choice([1, 2, 3, 4, 5], len(opened), p=[0.03, 0.05, 0.12, 0.35, 0.45]), 0
    )
    return {"account": np.full(len(opened), account), "opened": opened, "first": first,
            "closed": closed, "priority": priority, "csat": csat}  # fmt: skip


def make_tickets(cfg: WorldConfig, life: Lifecycle, rng: np.random.Generator) -> pd.DataFrame:
    """Ordinary tickets at a steady rate, plus escalations left unanswered until they end."""
    pop = life.pop
    last = _last_day(life)
    rows: list[dict[str, np.ndarray]] = []
    pri_p = [0.25, 0.48, 0.18, 0.07]
    for i in range(life.size):
        lo, hi = max(int(pop.created[i]), 0), int(last[i])
        if hi <= lo:
            continue
        rate = 0.03 * (pop.seats[i] / 40.0) ** 0.3
        n = rng.poisson(rate * (hi - lo))
        opened = np.sort(rng.uniform(lo * DAY, hi * DAY, n))
        priority = rng.choice(np.asarray((*PRIORITIES, ""), dtype=object), n, p=[*pri_p, 0.02])
        rows.append(_ticket_rows(rng, i, opened, priority))
    for i, s, e in life.escalations:
        created, gone = int(pop.created[i]), int(life.churn[i])
        if e <= 0 or s < created or s >= min(gone, life.days):
            continue
        stop = min(e, gone, life.days)
        extra = rng.poisson(0.12 * (stop - s))
        opened = np.sort(np.concatenate([[s + rng.uniform(0.3, 0.8)], rng.uniform(s, stop, extra)]))
        opened = opened * DAY
        n = len(opened)
        priority = rng.choice(np.asarray(PRIORITIES, dtype=object), n, p=[0.05, 0.25, 0.35, 0.35])
        if gone > e:  # answered once the escalation is resolved
            first = e * DAY + rng.exponential(6 * 3600, n)
            closed = first + rng.exponential(1.5 * DAY, n)
            rated = rng.random(n) < 0.6
            csat = np.where(rated, rng.choice([1, 2, 3, 4, 5], n, p=[0.35, 0.3, 0.2, 0.1, 0.05]), 0)
        else:  # the account left first: never answered, some closed when it left
            first = np.full(n, np.nan)
            closed = np.where(rng.random(n) < 0.4, gone * DAY + rng.uniform(0, DAY, n), np.nan)
            csat = np.zeros(n, dtype=np.int64)
        rows.append({"account": np.full(n, i), "opened": opened, "first": first,
                     "closed": closed, "priority": priority, "csat": csat})  # fmt: skip
    t = pd.DataFrame({k: np.concatenate([r[k] for r in rows]) for k in rows[0]})
    end = life.days * DAY
    for col in ("first", "closed"):  # what has not happened by the end is not in the extract
        t[col] = t[col].where(t[col] < end)
    t.loc[t["closed"].isna(), "csat"] = 0  # only closed tickets carry a rating
    t = t.sort_values(["opened", "account"], kind="stable").reset_index(drop=True)
    return pd.DataFrame(
        {
            "ticket_id": pd.Series([f"ZD-{40001 + k}" for k in range(len(t))], dtype="str"),
            "account": t["account"].astype(np.int64),
            "opened_at": _utc(cfg, t["opened"].to_numpy()),
            "first_response_at": _utc(cfg, t["first"].to_numpy()),
            "closed_at": _utc(cfg, t["closed"].to_numpy()),
            "priority": t["priority"].astype("str").replace("", pd.NA),
            "csat": t["csat"].astype("Int64").replace(0, pd.NA),
        }
    )
