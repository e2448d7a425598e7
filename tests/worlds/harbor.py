"""Harbor Data: a synthetic B2B SaaS company with a known churn process, as contract tables.

`make_world(cfg)` returns typed frames for the five contract tables plus the ground truth:
each account's latent driver (`adoption`, `integrations`, `support` or `none`), its churn
date, its mean hazard per month and the trouble episodes behind it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from tests.worlds.catalog import (
    AWKWARD_NAMES,
    CSM_WEIGHTS,
    DEPARTED_CSM,
    DRIVERS,
    INTEGRATIONS,
    NAME_HEADS,
    NAME_TAILS,
    PRICE_PER_SEAT,
    SEGMENTS,
    TERM_LABEL,
    csm_emails,
    team_frame,
)
from tests.worlds.config import WorldConfig
from tests.worlds.events import make_integration_runs, make_tickets, make_usage
from tests.worlds.lifecycle import NEVER, Lifecycle, monthly_hazard, simulate

TABLES: tuple[str, ...] = ("accounts", "team", "usage", "integration_runs", "tickets")


@dataclass(frozen=True)
class World:
    """A generated company: the contract tables and what really drove each churn."""

    config: WorldConfig
    accounts: pd.DataFrame
    team: pd.DataFrame
    usage: pd.DataFrame
    integration_runs: pd.DataFrame
    tickets: pd.DataFrame
    ground_truth: pd.DataFrame
    """account_id, driver, created_at, churned_at, term_months, churned (within the history)."""
    hazard: pd.DataFrame
    """account_id, month, hazard: mean monthly churn hazard over the account's days that month."""
    episodes: pd.DataFrame
    """account_id, kind (`broken_integration` | `escalation`), integration, first_day, end_day."""
    drivers: dict[str, str] = field(repr=False, default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The five contract tables by name."""
        return {name: getattr(self, name) for name in TABLES}

    def driver_of(self, account_id: str) -> str:
        """The latent true driver of an account: adoption, integrations, support or none."""
        return self.drivers[account_id]

    @property
    def churned(self) -> pd.DataFrame:
        """Ground-truth rows of the accounts that churned within the history."""
        return self.ground_truth[self.ground_truth["churned"]]


def _dates(cfg: WorldConfig, days: np.ndarray) -> pd.Series:
    """Day offsets as dates (NEVER → NaT)."""
    d = np.where(days >= NEVER, np.datetime64("NaT"), np.datetime64(cfg.start, "D") + days)
    return pd.Series(d.astype("datetime64[D]")).astype("datetime64[s]")


def _next_renewal(created: date, term: int, after: date) -> date:
    """The first term end on or after `after` for a contract running since `created`."""
    months = (after.year - created.year) * 12 + after.month - created.month
    k = max(1, math.ceil(months / term))
    while True:
        d = (pd.Timestamp(created) + pd.DateOffset(months=k * term)).date()
        if d >= after:
            return d
        k += 1


def _names(rng: np.random.Generator, n: int) -> list[str]:
    """Company names: mostly `Head Tail`, with awkward ones (`&`, `<`, quotes, commas) mixed in."""
    names = [f"{rng.choice(NAME_HEADS)} {rng.choice(NAME_TAILS)}" for _ in range(n)]
    slots = rng.choice(n, size=min(n, len(AWKWARD_NAMES)), replace=False)
    for slot, awkward in zip(slots, AWKWARD_NAMES, strict=False):
        names[slot] = awkward
    return names


def _csm_emails(cfg: WorldConfig, rng: np.random.Generator, n: int) -> list[str]:
    """Each account's CSM, spelt as the CRM happens to spell it (case varies)."""
    team = csm_emails()
    w = np.asarray(CSM_WEIGHTS) / sum(CSM_WEIGHTS)
    chosen = [team[k] for k in rng.choice(len(team), size=n, p=w)]
    for slot in rng.choice(n, size=min(n, cfg.departed_csm_accounts), replace=False):
        chosen[slot] = DEPARTED_CSM
    spelling = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    return [
        e.lower() if s == 0 else e.upper() if s == 2 else e
        for e, s in zip(chosen, spelling, strict=True)
    ]


def _accounts(cfg: WorldConfig, life: Lifecycle, rng: np.random.Generator) -> pd.DataFrame:
    """The accounts table, with a few optional values missing and one seat-less pilot."""
    pop, n = life.pop, life.size
    ids = [f"HBR-{10001 + k}" for k in range(n)]
    created = _dates(cfg, pop.created)
    churn_days = np.where(life.churn < NEVER, life.churn, NEVER)
    churned_at = _dates(cfg, churn_days)
    renewals = []
    for k in range(n):
        if cfg.renewal_leak and churn_days[k] < NEVER:
            renewals.append(churned_at[k].date())
        else:
            renewals.append(_next_renewal(created[k].date(), int(pop.term[k]), cfg.end))
    price = np.asarray([PRICE_PER_SEAT[p] for p in pop.plan])
    arr = np.round(pop.seats * price * rng.uniform(0.8, 1.05, n), -2)
    seats = pd.Series(pop.seats, dtype="Int64")
    arr_s = pd.Series(arr, dtype="Float64")
    seg = pd.Series([SEGMENTS[s].name for s in pop.segment], dtype="str")
    plan = pd.Series(list(pop.plan), dtype="str")
    renewal = pd.Series(pd.to_datetime(renewals)).astype("datetime64[s]")
    seats[rng.random(n) < 0.03] = pd.NA
    arr_s[rng.random(n) < 0.03] = pd.NA
    seg[rng.random(n) < 0.02] = pd.NA
    plan[rng.random(n) < 0.02] = pd.NA
    no_renewal = rng.random(n) < 0.02
    if cfg.renewal_leak:
        no_renewal &= churn_days >= NEVER
    renewal[no_renewal] = pd.NaT
    pilot = int(rng.integers(n))
    seats[pilot], arr_s[pilot] = 0, 0.0
    return pd.DataFrame(
        {
            "account_id": pd.Series(ids, dtype="str"),
            "name": pd.Series(_names(rng, n), dtype="str"),
            "csm_email": pd.Series(_csm_emails(cfg, rng, n), dtype="str"),
            "segment": seg,
            "plan": plan,
            "arr": arr_s,
            "seats": seats,
            "created_at": created,
            "renewal_date": renewal,
            "churned_at": churned_at,
            "billing_term": pd.Series([TERM_LABEL[int(t)] for t in pop.term], dtype="str"),
        }
    )


def _truth(cfg: WorldConfig, life: Lifecycle, ids: pd.Series) -> tuple[pd.DataFrame, ...]:
    """Ground truth per account, mean hazard per account-month, and the trouble episodes."""
    pop = life.pop
    truth = pd.DataFrame(
        {
            "account_id": ids,
            "driver": pd.Series([DRIVERS[d] for d in pop.driver], dtype="str"),
            "created_at": _dates(cfg, pop.created),
            "churned_at": _dates(cfg, life.churn),
            "term_months": pop.term.astype(np.int64),
            "seats_licensed": pop.seats.astype(np.int64),
            "engagement": pop.engagement,
            "churned": life.churn < life.days,
        }
    )
    months = pd.date_range(pd.Timestamp(cfg.start), pd.Timestamp(cfg.end), freq="MS")
    months = months.union([pd.Timestamp(cfg.start)])
    months = months[months < pd.Timestamp(cfg.end)]
    starts = np.asarray((months - pd.Timestamp(cfg.start)).days)
    h = monthly_hazard(life, starts)
    hazard = pd.DataFrame(
        {
            "account_id": np.repeat(ids.to_numpy(), len(months)),
            "month": np.tile(months.to_numpy(), life.size),
            "hazard": h.ravel(),
        }
    ).dropna(subset=["hazard"])
    hazard["account_id"] = hazard["account_id"].astype("str")
    ep: list[tuple[int, str, str | None, int, int]] = [
        (i, "broken_integration", INTEGRATIONS[j].name, s, e) for i, j, s, e in life.broken
    ]
    ep += [(i, "escalation", None, s, e) for i, s, e in life.escalations]
    episodes = pd.DataFrame(ep, columns=["account", "kind", "integration", "first", "end"])
    episodes = pd.DataFrame(
        {
            "account_id": ids.to_numpy()[episodes["account"].to_numpy(dtype=np.int64)],
            "kind": episodes["kind"].astype("str"),
            "integration": episodes["integration"].astype("str"),
            "first_day": _dates(cfg, episodes["first"].to_numpy(dtype=np.int64)),
            "end_day": _dates(cfg, episodes["end"].to_numpy(dtype=np.int64)),
        }
    )
    episodes["account_id"] = episodes["account_id"].astype("str")
    return truth, hazard.reset_index(drop=True), episodes


def _with_ids(frame: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """Replace the positional `account` column by `account_id` (first column)."""
    out = frame.drop(columns="account")
    out.insert(0, "account_id", pd.Series(ids.to_numpy()[frame["account"].to_numpy()], dtype="str"))
    return out


def make_world(cfg: WorldConfig | None = None) -> World:
    """Generate the company for `cfg` (deterministic by `cfg.seed`)."""
    cfg = cfg or WorldConfig()
    seeds = np.random.SeedSequence(cfg.seed).spawn(5)
    life_rng, acct_rng, use_rng, run_rng, tix_rng = (np.random.default_rng(s) for s in seeds)
    life = simulate(cfg, life_rng)
    accounts = _accounts(cfg, life, acct_rng)
    ids = accounts["account_id"]
    truth, hazard, episodes = _truth(cfg, life, ids)
    return World(
        config=cfg,
        accounts=accounts,
        team=team_frame(),
        usage=_with_ids(make_usage(cfg, life, use_rng), ids),
        integration_runs=_with_ids(make_integration_runs(cfg, life, run_rng), ids),
        tickets=_with_ids(make_tickets(cfg, life, tix_rng), ids),
        ground_truth=truth,
        hazard=hazard,
        episodes=episodes,
        drivers=dict(zip(truth["account_id"], truth["driver"], strict=True)),
    )
