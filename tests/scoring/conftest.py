"""Small hand-built source tables for scoring tests: 3–6 accounts, a few months of events.

``random_sources(seed)`` draws tables dense in edge cases — events at 23:59 and 00:00 UTC,
replies and closures after ``AS_OF``, accounts created or churned on ``AS_OF``, integrations
that never succeeded, tickets without priority or rating.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from storage.repositories.sources import SourceFrames

AS_OF = dt.date(2025, 3, 1)
FEATURE_NAMES = ("Reports", "Dashboards", "Automations", "SSO", "API", "Exports")
INTEGRATIONS = ("Salesforce", "HubSpot", "Zendesk", "slack", "Jira")
PRIORITIES = ("low", "normal", "high", "urgent", None)


def _ts(day: dt.date, rng: np.random.Generator) -> pd.Timestamp:
    seconds = int(rng.choice([0, 1, 43_200, 86_399, int(rng.integers(0, 86_400))]))
    return pd.Timestamp(day, tz="UTC") + pd.Timedelta(seconds=seconds)


def random_sources(seed: int, n_accounts: int = 5, days: int = 90) -> SourceFrames:
    """Random contract tables around ``AS_OF`` (events up to 10 days after it)."""
    rng = np.random.default_rng(seed)
    first = AS_OF - dt.timedelta(days=days)
    ids = [f"acc-{i}" for i in range(n_accounts)]
    accounts = []
    for i, aid in enumerate(ids):
        created = AS_OF - dt.timedelta(days=int(rng.choice([0, 1, 5, 40, 200])))
        churned = None
        if rng.random() < 0.4:
            churned = AS_OF + dt.timedelta(days=int(rng.choice([-3, 0, 1, 20, 30, 31])))
        renewal = None if rng.random() < 0.2 else AS_OF + dt.timedelta(int(rng.integers(-30, 500)))
        accounts.append(
            {
                "account_id": aid,
                "name": f"Account {i}",
                "csm_email": f"csm{i % 2}@example.com",
                "segment": str(rng.choice(["SMB", "Mid-Market", "Enterprise"])),
                "plan": None if i == 0 else str(rng.choice(["Basic", "Pro"])),
                "arr": float(rng.integers(1, 100) * 1000),
                "seats": int(rng.choice([0, 5, 20])) if i != 1 else None,
                "created_at": created,
                "renewal_date": renewal,
                "churned_at": churned,
            }
        )
    usage, runs, tickets = [], [], []
    for aid in ids:
        feats = rng.choice(FEATURE_NAMES, size=int(rng.integers(0, 5)), replace=False)
        for d in range(days + 10):
            day = first + dt.timedelta(days=d)
            for feat in feats:
                if rng.random() < 0.3:
                    usage.append(
                        {
                            "account_id": aid,
                            "date": day,
                            "feature": str(feat),
                            "active_users": int(rng.integers(0, 6)),
                            "events": int(rng.choice([0, 1, 3, 10])),
                        }
                    )
        for integ in rng.choice(INTEGRATIONS, size=int(rng.integers(0, 6)), replace=False):
            p_fail = float(rng.choice([0.0, 0.3, 1.0]))
            seen: set[pd.Timestamp] = set()
            for _ in range(int(rng.integers(1, 40))):
                day = first + dt.timedelta(days=int(rng.integers(0, days + 10)))
                ts = _ts(day, rng)
                if ts in seen:
                    continue
                seen.add(ts)
                status = "failure" if rng.random() < p_fail else "success"
                runs.append(
                    {
                        "account_id": aid,
                        "ts": ts,
                        "integration": str(integ),
                        "status": status,
                        "error": "timeout" if status == "failure" else None,
                    }
                )
        for k in range(int(rng.integers(0, 8))):
            opened = _ts(first + dt.timedelta(days=int(rng.integers(0, days + 10))), rng)
            resp = opened + pd.Timedelta(hours=int(rng.choice([1, 30, 24 * 20])))
            closed = resp + pd.Timedelta(hours=int(rng.choice([0, 5, 24 * 15])))
            tickets.append(
                {
                    "ticket_id": f"{aid}-t{k}",
                    "account_id": aid,
                    "opened_at": opened,
                    "first_response_at": None if rng.random() < 0.3 else resp,
                    "closed_at": None if rng.random() < 0.3 else closed,
                    "priority": PRIORITIES[int(rng.integers(0, len(PRIORITIES)))],
                    "csat": None if rng.random() < 0.4 else int(rng.integers(1, 6)),
                }
            )
    return frames(accounts, usage, runs, tickets)


def frames(
    accounts: list[dict], usage: list[dict], runs: list[dict], tickets: list[dict]
) -> SourceFrames:
    """Source frames with the stored dtypes (dates as datetime64, timestamps UTC)."""
    acc = pd.DataFrame(accounts)
    for col in ("created_at", "renewal_date", "churned_at"):
        acc[col] = pd.to_datetime(acc[col]).astype("datetime64[s]")
    u = pd.DataFrame(usage, columns=["account_id", "date", "feature", "active_users", "events"])
    u["date"] = pd.to_datetime(u["date"]).astype("datetime64[s]")
    r = pd.DataFrame(runs, columns=["account_id", "ts", "integration", "status", "error"])
    r["ts"] = pd.to_datetime(r["ts"], utc=True)
    t = pd.DataFrame(
        tickets,
        columns=[
            "ticket_id",
            "account_id",
            "opened_at",
            "first_response_at",
            "closed_at",
            "priority",
            "csat",
        ],
    )
    for col in ("opened_at", "first_response_at", "closed_at"):
        t[col] = pd.to_datetime(t[col], utc=True)
    t["csat"] = pd.to_numeric(t["csat"]).astype(float)
    team = pd.DataFrame(
        [{"email": "csm0@example.com", "name": "Ana", "role": "csm"}],
        columns=["email", "name", "role", "manager_email", "slack_user_id", "slack_channel"],
    )
    return SourceFrames(accounts=acc, team=team, usage=u, integration_runs=r, tickets=t)


def with_frames(src: SourceFrames, **frames_: pd.DataFrame) -> SourceFrames:
    return replace(src, **frames_)


@pytest.fixture(params=[1, 2, 3])
def random_src(request: pytest.FixtureRequest) -> SourceFrames:
    return random_sources(int(request.param))


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for row in frame.to_dict("records"):
        clean: dict[str, object] = {}
        for k, v in row.items():
            if v is None or (not isinstance(v, str) and pd.isna(v)):
                clean[k] = None
            elif isinstance(v, pd.Timestamp):
                clean[k] = v.to_pydatetime()
            elif isinstance(v, np.generic):
                clean[k] = v.item()
            else:
                clean[k] = v
        out.append(clean)
    return out


def store_sources(engine, src: SourceFrames) -> None:
    """Write source frames into a migrated database through the ORM tables."""
    from sqlalchemy import insert

    from storage.models import Account, IntegrationRun, TeamMember, Ticket, Usage

    acc = src.accounts.copy()
    for col in ("created_at", "renewal_date", "churned_at"):
        acc[col] = [None if pd.isna(v) else v.date() for v in acc[col]]
    usage = src.usage.copy()
    usage["date"] = [v.date() for v in usage["date"]]
    with engine.begin() as conn:
        for model, frame in (
            (TeamMember, src.team),
            (Account, acc),
            (Usage, usage),
            (IntegrationRun, src.integration_runs),
            (Ticket, src.tickets),
        ):
            rows = _records(frame)
            if rows:
                conn.execute(insert(model), rows)


def churn_company(n_accounts: int = 6, days: int = 240, end: dt.date = AS_OF) -> SourceFrames:
    """Accounts using "Reports" every other day until they churn; every other account churns,
    spread over the history, so each month holds a few matured labels."""
    start = end - dt.timedelta(days=days)
    accounts, usage = [], []
    for i in range(n_accounts):
        churned = start + dt.timedelta(days=40 + i * (days - 40) // n_accounts) if i % 2 else None
        accounts.append(
            {
                "account_id": f"c-{i:02d}",
                "name": f"C {i}",
                "csm_email": "csm0@example.com",
                "segment": "SMB" if i % 3 else "Enterprise",
                "plan": "Pro",
                "arr": 1000.0 * (i + 1),
                "seats": 10,
                "created_at": start - dt.timedelta(days=100),
                "renewal_date": end + dt.timedelta(days=30 + i),
                "churned_at": churned,
            }
        )
        last = churned or end
        for d in range(0, (last - start).days, 2):
            usage.append(
                {
                    "account_id": f"c-{i:02d}",
                    "date": start + dt.timedelta(days=d),
                    "feature": "Reports",
                    "active_users": 1 + i % 4,
                    "events": 5 + (d // 7) % 5,
                }
            )
    return frames(accounts, usage, [], [])
