"""Small lead tables for the lead feature tests: random ones, and a way to store them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Engine, insert

from scoring.lead_features import LeadSources
from storage.ingest.contract import ACTIVITY_TYPES
from storage.lead_models import Lead, LeadActivity

AS_OF = dt.date(2025, 6, 1)


def random_leads(seed: int, n_leads: int = 12, days: int = 40) -> LeadSources:
    """Leads at 4 companies with random activity (same second never twice for one lead)."""
    rng = np.random.default_rng(seed)
    start = AS_OF - dt.timedelta(days=days)
    created = [start + dt.timedelta(days=int(d)) for d in rng.integers(0, days, n_leads)]
    converted: list[dt.date | None] = []
    for c in created:
        later = (AS_OF - c).days + 5
        converted.append(
            c + dt.timedelta(days=int(rng.integers(1, later))) if rng.random() < 0.4 else None
        )
    leads = pd.DataFrame(
        {
            "lead_id": [f"L-{i:03d}" for i in range(n_leads)],
            "company": rng.choice(["Acme", "Globex", "Initech", "Hooli & Co"], n_leads),
            "owner_email": "jane@co.test",
            "source": rng.choice(["inbound", "webinar", None], n_leads),
            "segment": rng.choice(["smb", "mid"], n_leads),
            "employees": rng.integers(5, 5000, n_leads),
            "created_at": created,
            "converted_at": converted,
            "disqualified_at": [
                c + dt.timedelta(days=3) if rng.random() < 0.1 else None for c in created
            ],
        }
    )
    rows = []
    for i, c in enumerate(created):
        for _ in range(int(rng.integers(0, 40))):
            ts = dt.datetime.combine(c, dt.time(), dt.UTC) + dt.timedelta(
                seconds=int(rng.integers(0, (days + 3) * 86400))
            )
            rows.append((leads["lead_id"][i], ts, str(rng.choice(ACTIVITY_TYPES))))
    activity = pd.DataFrame(rows, columns=["lead_id", "ts", "type"]).drop_duplicates()
    activity["detail"] = None
    return LeadSources(leads=leads, activity=activity.reset_index(drop=True))


def store_leads(engine: Engine, src: LeadSources) -> None:
    """Write lead frames into a database holding the contract's tables."""
    leads = src.leads.astype(object).where(src.leads.notna(), None)
    activity = src.activity.astype(object).where(src.activity.notna(), None)
    with engine.begin() as conn:
        conn.execute(insert(Lead), leads.to_dict("records"))
        if len(activity):
            conn.execute(insert(LeadActivity), activity.to_dict("records"))
