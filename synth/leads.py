"""``generate_leads``: a synthetic sales funnel whose conversion process is known.

It makes the lead tables of the input contract (``leads``, ``lead_activity``, ``team`` with SDRs
and AEs) plus ``ground_truth``: for every open lead on every decision day (every 14 days) the
true probability of converting within 14 days (the oracle), the driver behind it and each
driver's contribution. The same ``(seed, leads, days, end)`` always gives the same tables.
docs/synth.md ("The lead funnel") describes the process; ``synth.lead_truth`` holds its
formula and the true effect of acting quickly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth.calendar import day_number, to_date
from synth.errors import SynthError
from synth.lead_funnel import NEVER, TYPES, WARMUP_DAYS, Funnel, simulate_funnel
from synth.lead_truth import DRIVERS
from synth.names import ascii_slug, company_names, person_names
from synth.people import _slack_id
from synth.write import Format, _write_table

LEAD_TABLES = ("leads", "lead_activity", "team", "ground_truth")
DOMAIN = "sales.example.com"
SOURCES = ("inbound", "outbound", "webinar", "referral", "event")
SOURCE_SHARE = (0.4, 0.25, 0.15, 0.1, 0.1)
DETAILS: dict[str, tuple[str, ...]] = {
    "web_visit": ("/", "/customers", "/blog/forecasting-101", "/docs/getting-started"),
    "pricing_page": ("/pricing", "/pricing#enterprise"),
    "email_open": ("Q3 product update", "Case study: how Harbor & Co cut churn"),
    "email_reply": ("Re: quick question", "Re: <pricing> for our team"),
    "demo_request": ("Demo request via website form",),
    "meeting": ("Discovery call", "Demo with the team"),
    "trial_signup": ("Signed up for a 14-day trial",),
    "trial_event": ("created a dashboard", "invited a teammate", "connected Salesforce"),
}


@dataclass(frozen=True)
class SyntheticFunnel:
    """The lead tables of a made-up sales funnel plus the true conversion process behind them."""

    tables: dict[str, pd.DataFrame]
    seed: int
    start: dt.date
    end: dt.date

    def summary(self) -> dict[str, Any]:
        leads = self.tables["leads"]
        return {
            "leads": len(leads),
            "converted": int(leads["converted_at"].notna().sum()),
            "disqualified": int(leads["disqualified_at"].notna().sum()),
            "companies": int(leads["company"].nunique()),
            "owners": int(self.tables["team"]["role"].isin(["sdr", "ae"]).sum()),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "seed": self.seed,
            "rows": {name: len(frame) for name, frame in self.tables.items()},
        }


def _companies(rng: np.random.Generator, n_leads: int) -> tuple[np.ndarray, int]:
    """A company index per lead: companies of 1–6 people (most of one or two)."""
    sizes: list[int] = []
    while sum(sizes) < n_leads:
        sizes.append(int(min(1 + rng.poisson(1.2), 6)))
    company = np.repeat(np.arange(len(sizes)), sizes)[:n_leads]
    return company, len(sizes)


def _team(rng: np.random.Generator, n_leads: int) -> pd.DataFrame:
    """SDRs and AEs (one per ~400 leads, at least 4 and 2), a sales manager and an admin."""
    n_sdr, n_ae = max(4, n_leads // 600), max(2, n_leads // 1200)
    roles = ["sdr"] * n_sdr + ["ae"] * n_ae + ["manager", "admin"]
    names = person_names(rng, len(roles))
    taken: set[str] = set()
    rows = []
    for i, (name, role) in enumerate(zip(names, roles, strict=True)):
        owner = role in ("sdr", "ae")
        rows.append(
            {
                "email": f"{ascii_slug(name)}{i}@{DOMAIN}",
                "name": name,
                "role": role,
                "manager_email": None,
                "slack_user_id": _slack_id(rng, "U", taken),
                "slack_channel": f"#sales-{ascii_slug(name.split()[0], '-')}" if owner else None,
            }
        )
    team = pd.DataFrame(rows)
    team.loc[team["role"].isin(["sdr", "ae"]), "manager_email"] = team["email"].iloc[-2]
    return team.astype("str")


def _activity(rng: np.random.Generator, f: Funnel, ids: np.ndarray, start: int) -> pd.DataFrame:
    """One row per activity, at distinct seconds of its day (so ``(lead_id, ts, type)`` is a
    key and every count of ``f.counts`` is in the table exactly)."""
    day, lead, kind = np.nonzero(f.counts)
    n = f.counts[day, lead, kind].astype(np.int64)
    cell_start = rng.integers(6 * 3600, 20 * 3600, len(n))  # one start per (day, lead, type)
    day, lead, kind, start_s = (np.repeat(a, n) for a in (day, lead, kind, cell_start))
    first = np.repeat(np.cumsum(n) - n, n)
    j = np.arange(len(day)) - first  # 0 … n−1 within a (day, lead, type) cell
    second = start_s + 60 * j  # a minute apart: distinct within the cell
    ts = (start + day).astype("datetime64[D]").astype("datetime64[s]") + second.astype(
        "timedelta64[s]"
    )
    types = np.array(TYPES)[kind]
    detail = np.empty(len(day), dtype=object)
    for name, options in DETAILS.items():
        mask = types == name
        detail[mask] = np.array(options, dtype=object)[rng.integers(0, len(options), mask.sum())]
    frame = pd.DataFrame(
        {
            "lead_id": ids[lead],
            "ts": pd.to_datetime(ts).tz_localize("UTC"),
            "type": types,
            "detail": detail,
        }
    )
    return frame.sort_values(["ts", "lead_id", "type"], kind="stable").reset_index(drop=True)


def _truth(f: Funnel, ids: np.ndarray, start: int) -> pd.DataFrame:
    parts = f.truth
    if not parts:
        return pd.DataFrame(columns=["as_of", "lead_id", "probability", "driver", *DRIVERS])
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    names = np.array([*DRIVERS, ""], dtype=object)
    out = pd.DataFrame(
        {
            "as_of": (start + cat["day"]).astype("datetime64[D]").astype("datetime64[s]"),
            "lead_id": ids[cat["lead"]],
            "probability": cat["probability"],
            "driver": names[cat["driver"]],
            "driver_share": cat["driver_share"],
        }
    )
    out["driver"] = out["driver"].replace("", None)
    for i, name in enumerate(DRIVERS):
        out[name] = cat["contributions"][:, i]
    out["converted_within_14d"] = cat["converted"]
    return out


def _dates(start: int, days: np.ndarray, end: int) -> pd.Series:
    """Day indices as dates; NEVER or on/after ``end`` (not yet visible) as missing."""
    visible = (days != NEVER) & (start + days < end)
    values = np.where(visible, start + days, 0).astype("datetime64[D]").astype("datetime64[s]")
    return pd.Series(values).where(visible)


def generate_leads(
    leads: int = 4000, days: int = 210, seed: int = 7, end: dt.date | None = None
) -> SyntheticFunnel:
    """A funnel of ``leads`` leads over ``days`` days ending the day before ``end``."""
    if leads < 10 or days < 3 * WARMUP_DAYS:
        raise SynthError(f"a funnel needs at least 10 leads and {3 * WARMUP_DAYS} days.")
    end = end or dt.datetime.now(dt.UTC).date()
    stop = day_number(end)
    start = stop - days
    rng = np.random.default_rng([seed, 18])
    company, n_companies = _companies(rng, leads)
    employees = np.round(rng.lognormal(np.log(120), 1.3, n_companies)).astype(int) + 2
    seg = np.where(employees < 100, "SMB", np.where(employees < 1000, "Mid-Market", "Enterprise"))
    created = np.sort(rng.integers(0, days - 7, leads))
    f = simulate_funnel(rng, company, seg[company], created, days)
    ids = np.array([f"lead-{i + 1:05d}" for i in range(leads)], dtype=object)
    team = _team(rng, leads)
    owners = team.loc[team["role"].isin(["sdr", "ae"]), "email"].to_numpy()
    owner_of_company = owners[rng.integers(0, len(owners), n_companies)]
    names = np.array(company_names(rng, n_companies), dtype=object)
    table = pd.DataFrame(
        {
            "lead_id": ids,
            "company": names[company],
            "owner_email": owner_of_company[company],
            "source": rng.choice(SOURCES, leads, p=SOURCE_SHARE),
            "segment": seg[company],
            "employees": employees[company],
            "created_at": (start + created).astype("datetime64[D]").astype("datetime64[s]"),
            "converted_at": _dates(start, f.converted, stop),
            "disqualified_at": _dates(start, f.disqualified, stop),
        }
    )
    for col in ("lead_id", "company", "owner_email", "source", "segment"):
        table[col] = table[col].astype("str")
    tables = {
        "leads": table,
        "lead_activity": _activity(rng, f, ids, start),
        "team": team,
        "ground_truth": _truth(f, ids, start),
    }
    return SyntheticFunnel(tables, seed, to_date(start), end)


def write_funnel(funnel: SyntheticFunnel, out_dir: Path, fmt: Format = "csv") -> dict[str, Path]:
    """Write every table to ``out_dir/<table>.<fmt>``; the paths by table name."""
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SynthError(f"cannot create the output folder {out_dir}: {e.strerror}.") from e
    paths: dict[str, Path] = {}
    for name in LEAD_TABLES:
        paths[name] = out_dir / f"{name}.{fmt}"
        _write_table(funnel.tables[name], paths[name], fmt, lambda _n: None)
    return paths
