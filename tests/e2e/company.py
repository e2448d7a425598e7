"""A small company that follows the input contract but was not made by ``atrisk synth``.

Written the way a real extract looks: feature names with spaces and mixed case, three CSMs and
one manager (one CSM without a channel), empty segment/plan/renewal, ARR as ``12000.0``, seats
missing for some, timestamps with ``Z``, ``+02:00`` or no offset, tickets without ``csat``,
columns the contract does not know, ids such as ``ACME/EU#3`` and names with ``<``, ``&`` and
emoji. Churn follows broken integrations and tickets nobody answers, so a model can learn it.

``make_company(CompanyConfig(...))`` returns typed frames; ``write_csv``, ``write_parquet`` and
``write_sqlite`` write them as a user's extract would arrive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tests.e2e.simulate import ADOPTION, KEY_FEATURES, Population, Simulation

__all__ = ["KEY_FEATURES", "Company", "CompanyConfig", "make_company"]
ODD_IDS = ("ACME/EU#3", "00042", "Team Blue 7", "kunde-ü/12")
ODD_NAMES = (
    "Smith & Sons <EU>",
    "🚀 Rocket Labs",
    "<!channel> Ltd",
    "Müller, Schmidt & Co",
    '"Quoted" Systems',
)
CSMS = (
    ("Ana.Souza@Example.io", "Ana Souza", "#cs-emea", "U0ANASOUZA"),
    ("li.wei@example.io", "Li Wei", "C0LIWEI001", "U0LIWEI001"),
    ("sam.okafor@example.io", "Sam Okafor", None, "W0SAMOKAF1"),  # no channel: default
)
MANAGER = ("maria.lopez@example.io", "María López", None, "U0MARIALOP")
SEGMENTS = ("SMB", "Mid-Market", "Enterprise", None)
PLANS = ("Starter", "Team", "Business", None)


# A fixed last day keeps the company (and the model trained on it) the same on every run.
END = dt.date(2026, 8, 31)


@dataclass(frozen=True)
class CompanyConfig:
    """How big the company is and where its history ends (inclusive)."""

    accounts: int = 900
    months: int = 14
    seed: int = 2
    end: dt.date = END
    unknown_csm_accounts: int = 0  # accounts whose csm_email is not in the team table


@dataclass
class Company:
    """The five contract tables as typed frames (timestamps in UTC, dates as ``datetime.date``)."""

    accounts: pd.DataFrame
    team: pd.DataFrame
    usage: pd.DataFrame
    integration_runs: pd.DataFrame
    tickets: pd.DataFrame
    end: dt.date

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "accounts": self.accounts,
            "team": self.team,
            "usage": self.usage,
            "integration_runs": self.integration_runs,
            "tickets": self.tickets,
        }

    def matured_churns(self, horizon_days: int = 30) -> int:
        """Accounts that churned early enough for their label to be known at ``end``."""
        cut = self.end - dt.timedelta(days=horizon_days)
        return int(sum(1 for d in self.accounts["churned_at"] if d is not None and d <= cut))


def spotlight(cfg: CompanyConfig) -> np.ndarray:
    """Positions of the accounts with odd ids, odd names or a CSM missing from the team."""
    odd = [7 + 13 * i for i in range(len(ODD_IDS))] + [3 + 11 * i for i in range(len(ODD_NAMES))]
    odd += [5 + 17 * i for i in range(cfg.unknown_csm_accounts)]
    return np.array(sorted(set(odd)), dtype=int)


def _ids(n: int) -> list[str]:
    ids = [f"acc-{i:05d}" for i in range(1, n + 1)]
    for i, odd in enumerate(ODD_IDS):
        ids[7 + 13 * i] = odd
    return ids


def _names(rng: np.random.Generator, n: int) -> list[str]:
    words = ["Nord", "Blue", "Atlas", "Kite", "Ωmega", "Café", "Pine", "Zeta", "Orbit", "Lumen"]
    kinds = ["GmbH", "Inc.", "Ltd", "SAS", "AB", "Labs"]
    names = [
        f"{words[rng.integers(len(words))]} {words[rng.integers(len(words))]} "
        f"{kinds[rng.integers(len(kinds))]} {i}"
        for i in range(n)
    ]
    for i, odd in enumerate(ODD_NAMES):
        names[3 + 11 * i] = odd
    return names


def _team() -> pd.DataFrame:
    rows = [
        {
            "email": e.lower() if i else e,
            "name": name,
            "role": "csm",
            "manager_email": MANAGER[0],
            "slack_user_id": uid,
            "slack_channel": channel,
            "region": "EMEA",
        }
        for i, (e, name, channel, uid) in enumerate(CSMS)
    ]
    rows.append(
        {
            "email": MANAGER[0],
            "name": MANAGER[1],
            "role": "manager",
            "manager_email": None,
            "slack_user_id": MANAGER[3],
            "slack_channel": None,
            "region": "AMER",
        }
    )
    return pd.DataFrame(rows)


def _at(days: np.ndarray, rng: np.random.Generator, start: dt.date) -> pd.Series:
    """UTC timestamps on the given day offsets at a random time between 06:00 and 20:00."""
    seconds = rng.integers(6 * 3600, 20 * 3600, size=len(days))
    base = pd.Timestamp(start, tz="UTC")
    return pd.Series(
        base + pd.to_timedelta(days, unit="D") + pd.to_timedelta(seconds, unit="s"),
        dtype="datetime64[us, UTC]",
    )


def make_company(cfg: CompanyConfig) -> Company:
    """Simulate ``cfg.months`` of weekly history for ``cfg.accounts`` accounts."""
    rng = np.random.default_rng(cfg.seed)
    n_days = int(cfg.months * 30.44)
    start = cfg.end - dt.timedelta(days=n_days - 1)
    pop = _population(rng, cfg, n_days)
    history = Simulation(rng, pop, n_days).run()
    accounts = _accounts(rng, cfg, pop, start, history.churn_day, n_days)
    return Company(
        accounts=accounts,
        team=_team(),
        usage=_usage(pd.concat(history.usage, ignore_index=True), start),
        integration_runs=_runs(pd.concat(history.runs, ignore_index=True), rng, start),
        tickets=_tickets(pd.concat(history.tickets, ignore_index=True), rng, start, n_days),
        end=cfg.end,
    )


def _population(rng: np.random.Generator, cfg: CompanyConfig, n_days: int) -> Population:
    n = cfg.accounts
    old = rng.random(n) < 0.65
    before = -rng.integers(30, 1500, n)
    during = rng.integers(0, max(1, n_days - 60), n)
    pop = Population(
        ids=np.array(_ids(n), dtype=object),
        created=np.where(old, before, during),
        n_integrations=rng.choice([0, 1, 2], size=n, p=[0.25, 0.5, 0.25]),
        fragile=rng.uniform(0.005, 0.08, n),
        seats=rng.integers(5, 200, n),
        users_share=rng.beta(4, 3, n),
        adopted={f: rng.random(n) < p for f, p in ADOPTION.items()},
        segment=rng.integers(0, len(SEGMENTS), n),
        plan=rng.integers(0, len(PLANS), n),
        spotlight=spotlight(cfg),
    )
    # the accounts with odd ids, names or CSMs: old Business/SMB customers with two integrations
    spot = pop.spotlight
    pop.created[spot], pop.n_integrations[spot], pop.plan[spot], pop.segment[spot] = -400, 2, 2, 0
    return pop


def _day(start: dt.date, offsets: list[int | None]) -> list[dt.date | None]:
    return [None if o is None else start + dt.timedelta(days=int(o)) for o in offsets]


def _accounts(
    rng: np.random.Generator,
    cfg: CompanyConfig,
    pop: Population,
    start: dt.date,
    churn_day: np.ndarray,
    n_days: int,
) -> pd.DataFrame:
    n = len(pop.ids)
    emails = [CSMS[c][0] for c in rng.integers(0, len(CSMS), n)]
    for i in range(cfg.unknown_csm_accounts):
        emails[5 + 17 * i] = f"former.csm{i}@example.io"
    renewal = pop.created + 365 * (1 + (n_days - pop.created) // 365)  # the next one after end
    no_renewal = rng.random(n) < 0.15
    no_seats = rng.random(n) < 0.1
    arr = np.round(pop.seats * rng.uniform(300, 1500, n) / 100) * 100.0
    arr[pop.ids == ODD_IDS[0]] = 1.2e12  # a typo in the CRM: twelve hundred billion
    return pd.DataFrame(
        {
            "account_id": pop.ids,
            "name": _names(rng, n),
            "csm_email": emails,
            "segment": [SEGMENTS[i] for i in pop.segment],
            "plan": [PLANS[i] for i in pop.plan],
            "arr": arr,
            "seats": pd.array(
                [None if m else s for m, s in zip(no_seats, pop.seats, strict=True)], dtype="Int64"
            ),
            "created_at": _day(start, [int(c) for c in pop.created]),
            "renewal_date": _day(
                start, [None if m else int(r) for m, r in zip(no_renewal, renewal, strict=True)]
            ),
            "churned_at": _day(start, [int(d) if d >= 0 else None for d in churn_day]),
            "region": rng.choice(["EMEA", "AMER", "APAC"], n),
            "internal_notes": np.where(rng.random(n) < 0.1, "call back, re: pricing\nnext Q", ""),
        }
    )


def _usage(frame: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    frame = frame.groupby(["account_id", "day", "feature"], as_index=False).sum()
    frame.insert(1, "date", _day(start, [int(d) for d in frame.pop("day")]))
    return frame


def _runs(frame: pd.DataFrame, rng: np.random.Generator, start: dt.date) -> pd.DataFrame:
    frame.insert(1, "ts", _at(frame.pop("day").to_numpy(), rng, start))
    return frame.drop_duplicates(["account_id", "ts", "integration"]).reset_index(drop=True)


def _tickets(
    frame: pd.DataFrame, rng: np.random.Generator, start: dt.date, n_days: int
) -> pd.DataFrame:
    opened = _at(frame["day"].to_numpy(), rng, start)
    quick = pd.to_timedelta(rng.integers(600, 20 * 3600, len(frame)), unit="s")
    reply = opened + np.where(
        frame["neglected"], pd.to_timedelta(frame["reply_days"], unit="D"), quick
    )
    closed = reply + pd.to_timedelta(rng.integers(1, 5 * 24, len(frame)), unit="h")
    last = pd.Timestamp(start, tz="UTC") + pd.Timedelta(days=n_days)
    out = pd.DataFrame(
        {
            "ticket_id": [f"T-{i:06d}" for i in range(1, len(frame) + 1)],
            "account_id": frame["account_id"],
            "opened_at": opened,
            "first_response_at": reply.where(reply < last),
            "closed_at": closed.where(closed < last),
            "priority": frame["priority"],
            "subject": "Sync broken & nobody <answers>",
        }
    )
    return out
