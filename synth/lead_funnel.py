"""The day loop of the synthetic funnel: latent interest drives what leads do, and every
``DECISION_DAYS`` the true process decides who converts from what the activity shows.

Vectorised over leads; the only Python loop is over days. Activity is kept as daily counts
``[day, lead, type]`` so the decision reads exactly what the ``lead_activity`` table will show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from synth.lead_truth import (
    BASE,
    DECISION_DAYS,
    NOISE_SD,
    SEGMENT_BASE,
    Signals,
    conversion,
    intensities,
)

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
T = {name: i for i, name in enumerate(TYPES)}
NEVER = np.iinfo(np.int32).max
WARMUP_DAYS = 14
TRIAL_DAYS = 28
DISQUALIFY_SHARE = 0.03  # of the leads that do not convert, per decision


@dataclass
class Funnel:
    """Who the leads are (arrays aligned by lead) and what happened to them."""

    company: np.ndarray  # company index per lead
    segment: np.ndarray  # segment name per lead (its company's)
    created: np.ndarray  # day index the lead was created (0 = first simulated day)
    counts: np.ndarray  # [days, leads, types] activity counts
    converted: np.ndarray  # day index, NEVER when not (yet)
    disqualified: np.ndarray
    truth: list[dict[str, np.ndarray]] = field(default_factory=list)


def _window(cum: np.ndarray, t: int, days: int) -> np.ndarray:
    """Counts per lead and type over the ``days`` days before day ``t`` (``cum``: prefix sums)."""
    lo = max(t - days, 0)
    out: np.ndarray = cum[t] - cum[lo]
    return out


def _decide(
    rng: np.random.Generator, f: Funnel, cum: np.ndarray, t: int, noise: np.ndarray
) -> None:
    """Draw conversions for the 14 days after ``t`` for every lead open at ``t``."""
    open_ = (f.created < t) & (f.converted > t) & (f.disqualified > t)
    idx = np.flatnonzero(open_)
    if len(idx) == 0:
        return
    w7, w14 = _window(cum, t, 7), _window(cum, t, 14)
    active = (w7.sum(axis=1) > 0).astype(float)
    people = np.bincount(f.company, weights=active, minlength=f.company.max() + 1)
    signals = Signals(
        demos_14d=w14[idx, T["demo_request"]],
        pricing_7d=w7[idx, T["pricing_page"]],
        replies_14d=w14[idx, T["email_reply"]],
        trial_events_7d=w7[idx, T["trial_event"]],
        company_people_7d=people[f.company[idx]],
    )
    base = np.array([SEGMENT_BASE[s] for s in f.segment[idx]]) + noise[idx]
    truth = conversion(intensities(signals), base + BASE)
    converts = rng.random(len(idx)) < truth.probability
    when = t + rng.integers(1, DECISION_DAYS + 1, len(idx))
    f.converted[idx[converts]] = when[converts]
    drop = ~converts & (rng.random(len(idx)) < DISQUALIFY_SHARE)
    f.disqualified[idx[drop]] = when[drop]
    f.truth.append(
        {
            "day": np.full(len(idx), t),
            "lead": idx,
            "probability": truth.probability,
            "contributions": truth.contributions,
            "driver": truth.driver,
            "driver_share": truth.driver_share,
            "converted": converts.astype(int),
        }
    )


def simulate_funnel(
    rng: np.random.Generator,
    company: np.ndarray,
    segment: np.ndarray,
    created: np.ndarray,
    days: int,
) -> Funnel:
    """Run ``days`` days of activity and decisions for leads created on ``created``."""
    n, n_companies = len(company), int(company.max()) + 1
    f = Funnel(
        company=company,
        segment=segment,
        created=created,
        counts=np.zeros((days, n, len(TYPES)), dtype=np.int16),
        converted=np.full(n, NEVER),
        disqualified=np.full(n, NEVER),
    )
    noise = rng.normal(0, NOISE_SD, n)
    interest = rng.beta(2, 3, n)  # how much a lead looks at prices when engaged
    depth = rng.gamma(1.5, 1.2, n)  # trial actions a day when in the trial
    engaged = np.zeros(n, dtype=bool)
    buying = np.zeros(n_companies, dtype=bool)
    trial_from = np.full(n, NEVER)
    last_demo = np.full(n, -1000)
    cum = np.zeros((days + 1, n, len(TYPES)), dtype=np.int32)
    for t in range(days):
        if t >= WARMUP_DAYS and (t - WARMUP_DAYS) % DECISION_DAYS == 0:
            _decide(rng, f, cum, t, noise)
        buying = np.where(buying, rng.random(n_companies) > 0.05, rng.random(n_companies) < 0.01)
        b = buying[company].astype(float)
        p_on = 0.015 + 0.05 * b
        engaged = np.where(engaged, rng.random(n) > 0.12, rng.random(n) < p_on)
        e = engaged.astype(float)
        live = (created <= t) & (t < f.converted) & (t < f.disqualified)
        c = np.zeros((n, len(TYPES)), dtype=np.int16)
        c[:, T["web_visit"]] = rng.poisson(0.05 + 0.3 * e + 0.15 * b)
        c[:, T["email_open"]] = rng.poisson(0.1 + 0.3 * e)
        c[:, T["email_reply"]] = rng.random(n) < 0.015 + 0.09 * e
        c[:, T["pricing_page"]] = rng.poisson(0.01 + 0.25 * e * interest + 0.05 * b)
        may_ask = t - last_demo > 21
        ask = may_ask & (rng.random(n) < 0.002 + 0.012 * e + 0.008 * b) & live
        c[:, T["demo_request"]] = ask
        last_demo = np.where(ask, t, last_demo)
        recent_demo = (t - last_demo >= 1) & (t - last_demo <= 4)
        c[:, T["meeting"]] = rng.random(n) < 0.003 + 0.3 * recent_demo
        signs = (trial_from == NEVER) & (rng.random(n) < 0.002 + 0.008 * e + 0.01 * b) & live
        c[:, T["trial_signup"]] = signs
        trial_from = np.where(signs, t, trial_from)
        in_trial = (trial_from < t) & (t - trial_from <= TRIAL_DAYS)
        c[:, T["trial_event"]] = rng.poisson(depth * in_trial * (0.5 + e))
        c[~live] = 0
        f.counts[t] = c
        cum[t + 1] = cum[t] + c
    return f
