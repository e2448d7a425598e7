"""Turn the simulation's index-coded columns into the contract's tables (pandas frames).

Dates are ``datetime64[s]`` at midnight, timestamps ``datetime64[s, UTC]``, text is ``str``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from synth.accounts import INTEGRATIONS, PLANS, SEGMENTS, Accounts
from synth.calendar import Window, next_renewal
from synth.hazard import FAMILIES
from synth.integrations import ERRORS
from synth.simulate import History
from synth.tickets import DAY, NO_TIME, PRIORITIES
from synth.usage import FEATURES


def labels(codes: np.ndarray, names: Sequence[str]) -> pd.Series:
    """A ``str`` column from integer codes (negative codes become missing)."""
    idx = pa.array(np.asarray(codes, np.int32), mask=np.asarray(codes) < 0)
    arr = pa.DictionaryArray.from_arrays(idx, pa.array(list(names), pa.string()))
    return pd.Series(arr.cast(pa.string()).to_pandas(), dtype="str")


def dates(days: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """A date column (midnight, no time zone) from integer days."""
    out = np.asarray(days, np.int64).astype("datetime64[D]").astype("datetime64[s]")
    if missing is not None:
        out[missing] = np.datetime64("NaT")
    return pd.Series(out)


def timestamps(seconds: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """A UTC timestamp column from seconds since 1970."""
    out = np.asarray(seconds, np.int64).astype("datetime64[s]")
    if missing is not None:
        out[missing] = np.datetime64("NaT")
    return pd.Series(out).dt.tz_localize("UTC")


def account_ids(n: int) -> list[str]:
    width = max(5, len(str(n)))
    return [f"acct-{i + 1:0{width}d}" for i in range(n)]


def accounts_frame(
    acc: Accounts, ids: list[str], names: list[str], csm_emails: list[str], csm: np.ndarray,
    churn_day: np.ndarray, window: Window,
) -> pd.DataFrame:  # fmt: skip
    """One row per account; ``churned_at`` only for churns before ``end``."""
    churned = churn_day < window.end
    renewal = np.where(
        churned,
        next_renewal(acc.created, np.minimum(churn_day, window.end)),
        next_renewal(acc.created, window.end),
    )
    return pd.DataFrame(
        {
            "account_id": pd.Series(ids, dtype="str"),
            "name": pd.Series(names, dtype="str"),
            "csm_email": labels(csm, csm_emails),
            "segment": labels(acc.segment, SEGMENTS),
            "plan": labels(acc.plan, PLANS),
            "arr": acc.arr.astype(float),
            "seats": acc.seats.astype(np.int64),
            "created_at": dates(acc.created),
            "renewal_date": dates(renewal),
            "churned_at": dates(np.where(churned, churn_day, 0), ~churned),
        }
    )


def usage_frame(h: History, ids: list[str]) -> pd.DataFrame:
    """Daily usage rows, by date, account and feature (the order they were made in)."""
    return pd.DataFrame(
        {
            "account_id": labels(np.concatenate([u.account for u in h.usage]), ids),
            "date": dates(np.concatenate([u.day for u in h.usage])),
            "feature": labels(np.concatenate([u.feature for u in h.usage]), FEATURES),
            "active_users": np.concatenate([u.active_users for u in h.usage]).astype(np.int64),
            "events": np.concatenate([u.events for u in h.usage]).astype(np.int64),
        }
    )


def runs_frame(h: History, ids: list[str]) -> pd.DataFrame:
    """Integration runs, by day, account, integration and attempt."""
    error = np.concatenate([r.error for r in h.runs]).astype(np.int64)
    return pd.DataFrame(
        {
            "account_id": labels(np.concatenate([r.account for r in h.runs]), ids),
            "ts": timestamps(np.concatenate([r.ts for r in h.runs])),
            "integration": labels(np.concatenate([r.integration for r in h.runs]), INTEGRATIONS),
            "status": labels((error >= 0).astype(np.int64), ("success", "failure")),
            "error": labels(error, ERRORS),
        }
    )


def tickets_frame(
    h: History, ids: list[str], window: Window, *, first: int = 1, width: int = 0
) -> pd.DataFrame:
    """Tickets by opening time; nothing after the account churned or after ``end``.

    Ticket ids count up from ``first``, zero-padded to ``width`` digits (at least 6, and
    enough for the tickets here).
    """
    t = h.tickets
    order = np.argsort(t.opened, kind="stable")
    account = t.account[order]
    cutoff = np.minimum(h.churn_day[account], window.end) * DAY
    responded, closed = t.responded[order], t.closed[order]
    no_response = (responded == NO_TIME) | (responded >= cutoff)
    not_closed = (closed == NO_TIME) | (closed >= cutoff)
    csat = t.csat[order].astype(float)
    csat[not_closed | (csat == 0)] = np.nan
    width = max(6, width, len(str(first + order.size - 1)))
    return pd.DataFrame(
        {
            "ticket_id": pd.Series(
                [f"T-{first + i:0{width}d}" for i in range(order.size)], dtype="str"
            ),
            "account_id": labels(account, ids),
            "opened_at": timestamps(t.opened[order]),
            "first_response_at": timestamps(np.where(no_response, 0, responded), no_response),
            "closed_at": timestamps(np.where(not_closed, 0, closed), not_closed),
            "priority": labels(t.priority[order], PRIORITIES),
            "csat": pd.array(csat, dtype="Int64"),
        }
    )


def truth_frame(h: History, ids: list[str]) -> pd.DataFrame:
    """The true monthly hazard per active account, with each family's contribution (log-odds)."""
    g = h.truth
    if not g.account:
        empty = np.zeros(0, np.int64)
        contributions = np.zeros((0, len(FAMILIES)))
        account = month = driver = empty
        hazard = share = np.zeros(0)
    else:
        account, month = np.concatenate(g.account), np.concatenate(g.month)
        hazard, share = np.concatenate(g.hazard), np.concatenate(g.share)
        driver, contributions = np.concatenate(g.driver), np.concatenate(g.contributions)
    frame = pd.DataFrame(
        {
            "account_id": labels(account, ids),
            "month": dates(month),
            "hazard": hazard.astype(float),
            "driver": labels(np.where(driver < 0, len(FAMILIES), driver), (*FAMILIES, "none")),
            "driver_share": share.astype(float),
        }
    )
    for i, family in enumerate(FAMILIES):
        frame[family] = contributions[:, i].astype(float)
    return frame
