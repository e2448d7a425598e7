"""Integration syncs: one scheduled run a day per connected integration, outages that fail every
run until someone fixes them (a retry an hour later fails too), and stray rate-limit errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth.accounts import Accounts

ERRORS = (
    "401 Unauthorized: token expired",
    "403 Forbidden: insufficient permissions",
    "422 Unprocessable Entity: field mapping invalid",
    "503 Service Unavailable: upstream timeout",
    "429 Too Many Requests: rate limited",
)
OUTAGE_ERROR_WEIGHT = (0.55, 0.2, 0.15, 0.1)
RATE_LIMITED = 4
BLIP_RATE = 0.012  # share of healthy runs that hit a rate limit
RETRY_MINUTES = 60
LATEST_SYNC_MINUTE = 22 * 60  # so that a retry stays on the same day


def sync_minutes(acc: Accounts) -> np.ndarray:
    """Scheduled minute of each slot's daily sync, early enough for a same-day retry."""
    out: np.ndarray = acc.sync_minute % LATEST_SYNC_MINUTE
    return out


@dataclass
class Outages:
    """Per slot: days an ongoing outage still lasts and the error it returns."""

    left: np.ndarray  # [n, SLOTS] int
    error: np.ndarray  # [n, SLOTS] index into ERRORS


def new_outages(n: int, slots: int) -> Outages:
    return Outages(left=np.zeros((n, slots), np.int64), error=np.zeros((n, slots), np.int64))


def simulate_outages(
    rng: np.random.Generator,
    outages: Outages,
    connected: np.ndarray,
    trouble: np.ndarray,
    days: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``[n, slots, days]`` broken flags and error index for one month; moves ``outages`` on.

    Troubled accounts break more often (token expiry, permission changes) and fix it slower.
    """
    n, slots = connected.shape
    d = np.arange(days)[None, None, :]
    carried = d < outages.left[:, :, None]
    p_break = np.clip(0.15 * trouble, 0, 0.8)[:, None]
    starts = connected & (rng.random((n, slots)) < p_break)
    start_day = rng.integers(0, days, size=(n, slots))
    mean_len = (1 + 5 * trouble**1.2)[:, None] * np.ones((1, slots))
    length = np.minimum(rng.geometric(1 / mean_len), 40)
    fresh = (
        starts[:, :, None] & (d >= start_day[:, :, None]) & (d < (start_day + length)[:, :, None])
    )
    err = rng.choice(len(OUTAGE_ERROR_WEIGHT), size=(n, slots), p=OUTAGE_ERROR_WEIGHT)
    begins_now = starts & (outages.left <= start_day)  # else it prolongs the ongoing outage
    new_error = np.where(begins_now, err, outages.error)
    error = np.where(carried, outages.error[:, :, None], new_error[:, :, None])
    outages.error = new_error
    outages.left = np.maximum(
        np.maximum(outages.left - days, 0), np.where(starts, start_day + length - days, 0)
    )
    broken = (carried | fresh) & connected[:, :, None]
    return broken, error.astype(np.int8)


@dataclass
class RunRows:
    """Columns of emitted runs (account index, slot integration, ts in seconds, error index)."""

    account: np.ndarray
    integration: np.ndarray
    ts: np.ndarray
    error: np.ndarray  # -1 for success


def emit_runs(
    rng: np.random.Generator,
    acc: Accounts,
    broken: np.ndarray,
    alive: np.ndarray,
    error: np.ndarray,
    t0: int,
) -> RunRows:
    """A run a day per connected slot while the account is alive; failing days get a retry.

    ``broken`` and ``error`` are the month's ``[n, slots, days]`` flags and error indexes.
    Rows come out by day, then account, integration and attempt.
    """
    connected = acc.integration >= 0
    first = connected[None, :, :] & alive.T[:, :, None]
    attempts = np.stack([first, first & broken.transpose(2, 0, 1)], axis=3)
    d, a, s, k = np.nonzero(attempts)
    minute = sync_minutes(acc)[a, s] + k * RETRY_MINUTES + rng.integers(0, 10, size=a.size)
    ts = (t0 + d).astype(np.int64) * 86400 + minute * 60
    failing = broken[a, s, d]
    err = np.where(failing, error[a, s, d], -1)
    blip = ~failing & (rng.random(a.size) < BLIP_RATE)
    err[blip] = RATE_LIMITED
    return RunRows(
        account=a.astype(np.int32),
        integration=acc.integration[a, s],
        ts=ts,
        error=err.astype(np.int8),
    )
