"""``generate``: a whole synthetic company, deterministic for (seed, accounts, months, end)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synth.accounts import make_accounts
from synth.calendar import make_window, to_date
from synth.errors import SynthError
from synth.frames import (
    account_ids,
    accounts_frame,
    runs_frame,
    tickets_frame,
    truth_frame,
    usage_frame,
)
from synth.names import company_names
from synth.people import assign_csms, make_team
from synth.simulate import Progress, simulate

TABLES = ("accounts", "team", "usage", "integration_runs", "tickets", "ground_truth")
MAX_MONTHS = 120


@dataclass(frozen=True)
class SyntheticCompany:
    """The source tables of a made-up B2B SaaS company plus the true churn process behind them.

    ``tables`` holds the five contract tables and ``ground_truth`` (monthly true hazard and
    its drivers per account). Events lie in ``[start, end)``.
    """

    tables: dict[str, pd.DataFrame]
    seed: int
    months: int
    start: dt.date
    end: dt.date

    def summary(self) -> dict[str, Any]:
        """Headline numbers: accounts, active, churned, CSMs and rows per table."""
        accounts = self.tables["accounts"]
        churned = int(accounts["churned_at"].notna().sum())
        return {
            "accounts": len(accounts),
            "active": len(accounts) - churned,
            "churned": churned,
            "csms": int((self.tables["team"]["role"] == "csm").sum()),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seed": self.seed,
            "rows": {name: len(frame) for name, frame in self.tables.items()},
        }


def check_sizes(accounts: int, months: int, seed: int) -> None:
    """Raise ``SynthError`` for a size or seed no company can have."""
    if accounts < 1:
        raise SynthError(f"accounts must be at least 1 (got {accounts}).")
    if not 1 <= months <= MAX_MONTHS:
        raise SynthError(f"months must be between 1 and {MAX_MONTHS} (got {months}).")
    if seed < 0:
        raise SynthError(f"seed must be a non-negative integer (got {seed}).")


def generate(
    accounts: int = 2000,
    months: int = 18,
    seed: int = 7,
    end: dt.date | None = None,
    *,
    on_progress: Progress | None = None,
) -> SyntheticCompany:
    """Make a company of ``accounts`` accounts with ``months`` months of history up to ``end``.

    ``end`` defaults to today (UTC); the data holds events up to the day before it.
    ``on_progress(step, done, total)`` is told as months are simulated.
    """
    check_sizes(accounts, months, seed)
    end = end or dt.datetime.now(dt.UTC).date()
    window = make_window(end, months)
    rng = np.random.default_rng([seed, 1])
    acc = make_accounts(rng, accounts, window)
    team = make_team(np.random.default_rng([seed, 2]), accounts)
    names = company_names(np.random.default_rng([seed, 3]), accounts)
    csm_emails = team.loc[team["role"] == "csm", "email"].tolist()
    csm = assign_csms(np.random.default_rng([seed, 4]), acc.segment, len(csm_emails))
    history = simulate(acc, window, seed, on_progress)
    ids = account_ids(accounts)
    tables = {
        "accounts": accounts_frame(acc, ids, names, csm_emails, csm, history.churn_day, window),
        "team": team,
        "usage": usage_frame(history, ids),
    }
    history.usage.clear()  # keep peak memory near the size of the finished tables
    tables["integration_runs"] = runs_frame(history, ids)
    history.runs.clear()
    tables["tickets"] = tickets_frame(history, ids, window)
    tables["ground_truth"] = truth_frame(history, ids)
    return SyntheticCompany(
        tables=tables, seed=seed, months=months, start=to_date(window.start), end=end
    )
