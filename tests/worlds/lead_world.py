"""Harbor Data's sales funnel: an independent lead world written from the input contract alone.

Not the product's generator (``synth.leads``): weekly readiness states (cold → warm → hot) drive
the activity, companies run evaluations that bring several people in, and every 14 days
(starting on a Wednesday) each open lead converts with

    logit p = −4.4 + 2.2·[demo in 14 d] + 1.5·log1p(pricing 7 d) + 1.3·log1p(replies 14 d)
              + 0.55·sqrt(trial actions 7 d) + 1.1·log1p(other people of the company active 7 d)

grouped into the families intent (demo, pricing), engagement (replies), trial and
buying_group, the largest being the lead's driver. Conversions fall early in the 14 days
(a geometric day). Only the contract's columns are produced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

TYPES = (
    "web_visit",
    "pricing_page",
    "email_open",
    "email_reply",
    "demo_request",
    "meeting",
    "trial_signup",
    "trial_event",
)
K = {t: i for i, t in enumerate(TYPES)}
FAMILY_TERMS = ("intent", "intent", "engagement", "trial", "buying_group")
NEVER = 10**9


@dataclass(frozen=True)
class LeadWorld:
    leads: pd.DataFrame
    activity: pd.DataFrame
    truth: pd.DataFrame  # as_of, lead_id, probability, driver, driver_share, label
    end: dt.date


def make_lead_world(
    n: int = 3000, days: int = 200, seed: int = 5, end: dt.date = dt.date(2026, 10, 14)
) -> LeadWorld:
    rng = np.random.default_rng(seed)
    sizes = np.minimum(rng.geometric(0.45, n), 8)
    company = np.repeat(np.arange(n), sizes)[:n]
    n_co = company.max() + 1
    created = rng.integers(0, days - 10, n)
    counts = np.zeros((days, n, len(TYPES)), dtype=np.int16)
    state = np.zeros(n, dtype=int)  # 0 cold, 1 warm, 2 hot
    evaluating = np.zeros(n_co, dtype=bool)
    trial_from = np.full(n, NEVER)
    converted = np.full(n, NEVER)
    closed = np.full(n, NEVER)
    start_day = (np.datetime64(end) - days).astype(int)
    first_decision = next(d for d in range(14, days) if (start_day + d + 3) % 7 == 2)  # Wed
    truth = []
    cum = np.zeros((days + 1, n, len(TYPES)), dtype=np.int32)
    for t in range(days):
        if t >= first_decision and (t - first_decision) % 14 == 0:
            live = np.flatnonzero((created < t) & (converted > t) & (closed > t))
            w7, w14 = cum[t] - cum[max(t - 7, 0)], cum[t] - cum[max(t - 14, 0)]
            active = (w7.sum(axis=1) > 0).astype(float)
            others = np.bincount(company, weights=active, minlength=n_co)[company] - active
            terms = np.column_stack(
                [
                    2.2 * (w14[:, K["demo_request"]] > 0),
                    1.5 * np.log1p(w7[:, K["pricing_page"]]),
                    1.3 * np.log1p(w14[:, K["email_reply"]]),
                    0.55 * np.sqrt(w7[:, K["trial_event"]]),
                    1.1 * np.log1p(others),
                ]
            )[live]
            fam = np.column_stack(
                [terms[:, 0] + terms[:, 1], terms[:, 2], terms[:, 3], terms[:, 4]]
            )
            p = 1 / (1 + np.exp(-(-4.4 + terms.sum(axis=1))))
            total = fam.sum(axis=1)
            names = np.array(["intent", "engagement", "trial", "buying_group"], dtype=object)
            driver = np.where(total >= 0.5, names[fam.argmax(axis=1)], None)
            share = np.where(total >= 0.5, fam.max(axis=1) / np.maximum(total, 1e-9), 0.0)
            yes = rng.random(len(live)) < p
            when = t + np.minimum(rng.geometric(0.2, len(live)), 14)
            converted[live[yes]] = when[yes]
            lost = ~yes & (rng.random(len(live)) < 0.04)
            closed[live[lost]] = when[lost]
            truth.append(
                pd.DataFrame(
                    {
                        "day": t,
                        "lead": live,
                        "probability": p,
                        "driver": driver,
                        "driver_share": share,
                    }
                )
            )
        if t % 7 == 0:
            evaluating = np.where(evaluating, rng.random(n_co) > 0.35, rng.random(n_co) < 0.04)
            up = rng.random(n) < np.where(evaluating[company], 0.35, 0.08)
            down = rng.random(n) < 0.3
            state = np.clip(state + up - down, 0, 2)
        ev = evaluating[company].astype(float)
        warm, hot = (state >= 1).astype(float), (state == 2).astype(float)
        c = np.zeros((n, len(TYPES)), dtype=np.int16)
        c[:, K["web_visit"]] = rng.poisson(0.08 + 0.25 * warm + 0.2 * ev)
        c[:, K["email_open"]] = rng.poisson(0.15 + 0.2 * warm)
        c[:, K["email_reply"]] = rng.random(n) < 0.01 + 0.07 * warm
        c[:, K["pricing_page"]] = rng.poisson(0.01 + 0.2 * hot)
        c[:, K["demo_request"]] = rng.random(n) < 0.001 + 0.02 * hot
        c[:, K["meeting"]] = rng.random(n) < 0.004 + 0.02 * hot
        signs = (trial_from == NEVER) & (rng.random(n) < 0.001 + 0.01 * warm + 0.01 * ev)
        c[:, K["trial_signup"]] = signs
        trial_from = np.where(signs, t, trial_from)
        c[:, K["trial_event"]] = rng.poisson(
            2.0 * ((trial_from < t) & (t - trial_from < 21)) * (0.3 + warm)
        )
        c[(created > t) | (t >= converted) | (t >= closed)] = 0
        counts[t] = c
        cum[t + 1] = cum[t] + c
    ids = np.array([f"HL-{i:05d}" for i in range(n)], dtype=object)
    day, lead, kind = np.nonzero(counts)
    reps = counts[day, lead, kind].astype(int)
    base = np.repeat(rng.integers(0, 80_000, len(reps)), reps)
    j = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    day, lead, kind = (np.repeat(a, reps) for a in (day, lead, kind))
    ts = pd.to_datetime((start_day + day) * 86400 + base + j * 7, unit="s", utc=True)
    activity = pd.DataFrame(
        {"lead_id": ids[lead], "ts": ts, "type": np.array(TYPES)[kind], "detail": None}
    )

    def dates(d: np.ndarray) -> list[dt.date | None]:
        return [
            None
            if x >= NEVER or start_day + x >= end.toordinal() - 719163
            else dt.date.fromordinal(int(start_day + x) + 719163)
            for x in d
        ]

    leads = pd.DataFrame(
        {
            "lead_id": ids,
            "company": [f"Harbor Prospect {c}" for c in company],
            "owner_email": "rep@harbor.test",
            "source": rng.choice(["inbound", "partner"], n),
            "segment": rng.choice(["smb", "mid", "ent"], n),
            "employees": rng.integers(5, 9000, n),
            "created_at": dates(created),
            "converted_at": dates(converted),
            "disqualified_at": dates(closed),
        }
    )
    t_all = pd.concat(truth, ignore_index=True)
    as_of = [dt.date.fromordinal(int(start_day + d) + 719163) for d in t_all["day"]]
    conv = converted[t_all["lead"]]
    label = (conv > t_all["day"]) & (conv <= t_all["day"] + 14)
    frame = pd.DataFrame(
        {
            "as_of": pd.to_datetime(as_of),
            "lead_id": ids[t_all["lead"]],
            "probability": t_all["probability"],
            "driver": t_all["driver"],
            "driver_share": t_all["driver_share"],
            "label": label.astype(int),
        }
    )
    return LeadWorld(leads, activity, frame, end)
