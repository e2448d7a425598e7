"""Who the customers are, what goes wrong for them, and when they leave.

Days are integers relative to the first day of the history (`cfg.start` is day 0; negative
days lie before it). The churn process is time-homogeneous: accounts sign up at a constant
rate since the company's founding and leave with a daily hazard set by the current state of
their latent driver. The accounts alive at day 0 are the sign-ups that survived until then
(drawn by thinning: kept with their survival probability), so the population the history
starts with is the one the process itself would have produced, and feature distributions
stay level over the history.

Hazard (per month) = base × term factor
    + adoption:      K_ADOPT × key features not yet adopted
    + integrations:  K_INT   × ramp(days the broken integration has been failing)
    + support:       K_SUP   × ramp(days the escalation has been left unanswered)
where ramp(d) = min(d / RAMP_DAYS, 1). Only the account's own driver counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tests.worlds.catalog import DRIVERS, FEATURES, INTEGRATIONS, SEGMENTS, TERM_HAZARD
from tests.worlds.config import WorldConfig

NEVER = 10**7
BURN = 400  # days of episode history simulated before day 0
NOTICE = 60  # days after the end in which a churn may already be known
MONTH = 30.44
BASE = 0.0025
K_ADOPT = 0.016
K_INT = 0.22
K_SUP = 0.22
RAMP_DAYS = 21.0
ADOPTION, INTEGRATIONS_, SUPPORT = 1, 2, 3


@dataclass(frozen=True)
class EpisodeKind:
    """A renewal process of trouble episodes: gaps, then short or long durations (days)."""

    gap: float
    p_short: float
    short: float
    long: float

    def mean_ramp_integral(self) -> float:
        """Expected ∫ ramp over one episode, in days (for the hazard before day 0)."""
        grid = np.linspace(0.0, 400.0, 4001)
        ramp_int = np.where(grid < RAMP_DAYS, grid**2 / (2 * RAMP_DAYS), grid - RAMP_DAYS / 2)

        def expect(mean: float) -> float:
            dens = np.exp(-grid / mean) / mean
            return float(np.trapezoid(ramp_int * dens, grid))

        return self.p_short * expect(self.short) + (1 - self.p_short) * expect(self.long)

    def cycle(self) -> float:
        """Mean days from one episode's start to the next."""
        return self.gap + self.p_short * self.short + (1 - self.p_short) * self.long


BROKEN = EpisodeKind(gap=160.0, p_short=0.4, short=2.0, long=50.0)
BROKEN_NOISE = EpisodeKind(gap=260.0, p_short=0.75, short=1.5, long=7.0)
ESCALATION = EpisodeKind(gap=170.0, p_short=0.3, short=4.0, long=45.0)
ESCALATION_NOISE = EpisodeKind(gap=320.0, p_short=0.8, short=3.0, long=7.0)
EPISODE_HAZARD = {
    INTEGRATIONS_: K_INT * BROKEN.mean_ramp_integral() / BROKEN.cycle(),
    SUPPORT: K_SUP * ESCALATION.mean_ramp_integral() / ESCALATION.cycle(),
}  # average monthly hazard those drivers add, used for survival before day 0


@dataclass(frozen=True)
class Population:
    """Static attributes of each account (arrays of equal length, ordered by sign-up)."""

    created: np.ndarray  # day of sign-up
    driver: np.ndarray  # index into DRIVERS
    segment: np.ndarray  # index into SEGMENTS
    plan: np.ndarray  # plan name (str)
    term: np.ndarray  # months
    seats: np.ndarray  # licensed seats
    engagement: np.ndarray  # share of seats active on a typical day when fully adopted
    connected: np.ndarray  # (A, I) day each integration is connected, NEVER if not used
    adopt: np.ndarray  # (A, F) day of first use of each feature, NEVER if never


@dataclass(frozen=True)
class Lifecycle:
    """The population plus what happens to it on the day grid [-BURN, days + NOTICE)."""

    pop: Population
    days: int
    broken: list[tuple[int, int, int, int]]  # (account, integration, first day, end day)
    escalations: list[tuple[int, int, int]]  # (account, first day, end day)
    hazard: np.ndarray  # (A, G) monthly hazard, grid index = day + BURN
    churn: np.ndarray  # day of churn (may be > days: notice given), NEVER if none

    @property
    def size(self) -> int:
        """Number of accounts."""
        return len(self.pop.created)


def _candidates(cfg: WorldConfig, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Draw `n` sign-ups uniformly over [founding, end) with all their static attributes."""
    first = -int(cfg.founded_years * 365.25)
    created = rng.integers(first, cfg.days, size=n)
    driver = rng.choice(len(DRIVERS), size=n, p=np.asarray(cfg.driver_mix) / sum(cfg.driver_mix))
    seg = rng.choice(len(SEGMENTS), size=n, p=[s.share for s in SEGMENTS])
    plan = np.empty(n, dtype=object)
    term = np.zeros(n, dtype=np.int64)
    seats = np.zeros(n, dtype=np.int64)
    for i, s in enumerate(SEGMENTS):
        idx = np.flatnonzero(seg == i)
        names, p = zip(*s.plans, strict=True)
        plan[idx] = rng.choice(np.asarray(names, dtype=object), size=len(idx), p=p)
        months, q = zip(*s.terms, strict=True)
        term[idx] = rng.choice(np.asarray(months), size=len(idx), p=q)
        seats[idx] = np.maximum(3, np.round(s.seats_median * rng.lognormal(0, 0.55, len(idx))))
    engagement = rng.beta(7.0, 5.0, size=n)
    size_factor = np.where(seg >= 2, 1.3, np.where(seg == 0, 0.7, 1.0))
    share = np.asarray([g.share for g in INTEGRATIONS])
    uses = rng.random((n, len(INTEGRATIONS))) < np.minimum(
        share[None, :] * size_factor[:, None], 0.95
    )
    uses[(driver == INTEGRATIONS_) & ~uses.any(axis=1), 0] = True
    connect_delay = np.round(rng.exponential(10.0, uses.shape)).astype(np.int64)
    connected = np.where(uses, created[:, None] + connect_delay, NEVER)
    adopt = _adoption(rng, created, driver)
    return {
        "created": created, "driver": driver, "segment": seg, "plan": plan, "term": term,
        "seats": seats, "engagement": engagement, "connected": connected, "adopt": adopt,
    }  # fmt: skip


def _adoption(rng: np.random.Generator, created: np.ndarray, driver: np.ndarray) -> np.ndarray:
    """Day of first use of each feature. Adoption-driven accounts stall on 2-4 key features."""
    n = len(created)
    delay = np.empty((n, len(FEATURES)))
    for j, f in enumerate(FEATURES):
        d = rng.exponential(f.adopt_days, n)
        late = rng.random(n) < (0.05 if f.key else 0.0)
        d = np.where(late, rng.exponential(240.0, n), d)
        delay[:, j] = np.where(rng.random(n) < f.optional, d, np.inf)
    key_cols = np.flatnonzero([f.key for f in FEATURES])
    weight = np.asarray([0.4 if FEATURES[j].name == "Pipelines" else 1.0 for j in key_cols])
    for i in np.flatnonzero(driver == ADOPTION):
        k = rng.choice([2, 3, 4], p=[0.35, 0.45, 0.2])
        stalled = rng.choice(key_cols, size=k, replace=False, p=weight / weight.sum())
        late = 45.0 + rng.exponential(500.0, k)
        delay[i, stalled] = np.where(rng.random(k) < 0.5, np.inf, late)  # half never recover
    day = np.where(np.isfinite(delay), created[:, None] + np.round(np.nan_to_num(delay)), NEVER)
    return day.astype(np.int64)


def _survival_to_start(cfg: WorldConfig, c: dict[str, np.ndarray]) -> np.ndarray:
    """Probability that a sign-up before day 0 is still a customer on day 0."""
    before = np.maximum(-c["created"], 0).astype(float)
    term_factor = np.vectorize(TERM_HAZARD.__getitem__)(c["term"])
    cum = BASE * term_factor * before / MONTH
    key = [j for j, f in enumerate(FEATURES) if f.key]
    unadopted = np.minimum(c["adopt"][:, key], 0) - c["created"][:, None]
    unadopted = np.clip(unadopted, 0, before[:, None]).sum(axis=1)
    cum += np.where(c["driver"] == ADOPTION, K_ADOPT * unadopted / MONTH, 0.0)
    for code, h in EPISODE_HAZARD.items():
        cum += np.where(c["driver"] == code, h * before / MONTH, 0.0)
    return np.exp(-cfg.hazard_scale * cum)


def draw_population(cfg: WorldConfig, rng: np.random.Generator) -> Population:
    """Exactly `cfg.accounts` accounts: sign-ups that are still customers on day 0 or later."""
    kept: list[dict[str, np.ndarray]] = []
    have = 0
    while have < cfg.accounts:
        c = _candidates(cfg, rng, 4 * cfg.accounts)
        keep = rng.random(len(c["created"])) < _survival_to_start(cfg, c)
        kept.append({k: v[keep] for k, v in c.items()})
        have += int(keep.sum())
    joined = {k: np.concatenate([b[k] for b in kept])[: cfg.accounts] for k in kept[0]}
    order = np.argsort(joined["created"], kind="stable")
    return Population(**{k: v[order] for k, v in joined.items()})


def _episodes(
    rng: np.random.Generator, kind: EpisodeKind, lo: int, hi: int
) -> list[tuple[int, int]]:
    """Episode intervals [first, end) of a renewal process started at `lo`."""
    out: list[tuple[int, int]] = []
    t = lo + rng.exponential(kind.gap)
    while t < hi:
        mean = kind.short if rng.random() < kind.p_short else kind.long
        length = max(1, round(rng.exponential(mean)))
        out.append((int(t), int(t) + length))
        t += length + rng.exponential(kind.gap)
    return out


def simulate(cfg: WorldConfig, rng: np.random.Generator) -> Lifecycle:
    """Draw the population, its trouble episodes, the hazard on every day, and the churns."""
    pop = draw_population(cfg, rng)
    n, days = len(pop.created), cfg.days
    grid = np.arange(-BURN, days + NOTICE)
    broken: list[tuple[int, int, int, int]] = []
    escalations: list[tuple[int, int, int]] = []
    int_sev = np.zeros((n, len(grid)))
    sup_sev = np.zeros((n, len(grid)))
    for i in range(n):
        lo = max(int(pop.created[i]) + 30, -BURN - 365)
        own = np.flatnonzero(pop.connected[i] < NEVER)
        if len(own):
            kind = BROKEN if pop.driver[i] == INTEGRATIONS_ else BROKEN_NOISE
            for s, e in _episodes(rng, kind, lo, days + NOTICE):
                broken.append((i, int(rng.choice(own)), s, e))
                _ramp_into(int_sev[i], grid, s, e)
        kind = ESCALATION if pop.driver[i] == SUPPORT else ESCALATION_NOISE
        for s, e in _episodes(rng, kind, lo, days + NOTICE):
            escalations.append((i, s, e))
            _ramp_into(sup_sev[i], grid, s, e)
    key = [j for j, f in enumerate(FEATURES) if f.key]
    unadopted = (pop.adopt[:, key][:, :, None] > grid[None, None, :]).sum(axis=1)
    term_factor = np.vectorize(TERM_HAZARD.__getitem__)(pop.term)
    d = pop.driver[:, None]
    hazard = cfg.hazard_scale * (
        BASE * term_factor[:, None]
        + np.where(d == ADOPTION, K_ADOPT * unadopted, 0.0)
        + np.where(d == INTEGRATIONS_, K_INT * int_sev, 0.0)
        + np.where(d == SUPPORT, K_SUP * sup_sev, 0.0)
    )
    at_risk = (grid[None, :] >= np.maximum(pop.created[:, None] + 1, 0)).astype(float)
    cum = np.cumsum(hazard / MONTH * at_risk, axis=1)
    threshold = rng.exponential(1.0, n)
    hit = cum >= threshold[:, None]
    churn = np.where(hit.any(axis=1), grid[np.argmax(hit, axis=1)], NEVER)
    unknown = (churn >= days) & (churn < NEVER) & (rng.random(n) >= cfg.notice_share)
    churn = np.where(unknown, NEVER, churn)
    return Lifecycle(pop, days, broken, escalations, hazard, churn)


def _ramp_into(sev: np.ndarray, grid: np.ndarray, first: int, end: int) -> None:
    """Write ramp(days since `first`) into `sev` for grid days in [first, end)."""
    m = (grid >= first) & (grid < end)
    sev[m] = np.maximum(sev[m], np.minimum((grid[m] - first + 1) / RAMP_DAYS, 1.0))


def monthly_hazard(life: Lifecycle, month_starts: np.ndarray) -> np.ndarray:
    """(A, M) mean monthly hazard over each account's customer days in each month (NaN: none)."""
    days = np.arange(life.days)
    h = life.hazard[:, BURN : BURN + life.days]
    alive = (days[None, :] >= life.pop.created[:, None]) & (days[None, :] < life.churn[:, None])
    total = np.add.reduceat(np.where(alive, h, 0.0), month_starts, axis=1)
    count = np.add.reduceat(alive.astype(float), month_starts, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)
