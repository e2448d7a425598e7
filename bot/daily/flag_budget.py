"""Did ``surface.risk_floor`` cut the flagged list well below what the spec asks for?

The floor keeps accounts whose risk is negligible from being flagged, whatever the share
(``scoring.evaluate.flag_mask``). On a quiet day, or with a model whose risks are low, it can
leave 1 flagged account where ``surface.top_share`` asks for 11; that is right, but a person
reading "1 flagged" should know why. Pure: numbers in, one sentence (or None) out.
"""

from __future__ import annotations

import math

import numpy as np

WELL_BELOW = 0.5  # say so when the floor leaves fewer than half the accounts asked for


def floor_note(
    risks: np.ndarray,
    n_flagged: int,
    *,
    threshold: float | None,
    top_share: float | None,
    risk_floor: float,
    noun: str = "accounts",
) -> str | None:
    """One sentence when ``risk_floor`` cut the flagged list to under half of the budget.

    ``risks``: every scored risk (0–1) of the day's live model; ``n_flagged``: how many were
    flagged. The budget is ``ceil(top_share × scored)`` accounts, or, with ``threshold``, those
    at or above it. None when the floor cut nothing that matters.
    """
    r = np.asarray(risks, dtype=float)
    n = len(r)
    if n == 0 or risk_floor <= 0:
        return None
    if threshold is not None:
        asked = int((r >= threshold).sum())
        setting = f"surface.threshold ({threshold:g})"
    else:
        share = 0.05 if top_share is None else top_share
        asked = min(n, math.ceil(share * n))
        setting = f"surface.top_share ({share:.0%})"
    if asked == 0 or n_flagged >= asked * WELL_BELOW:
        return None
    return (
        f"surface.risk_floor ({risk_floor:g}) left {n_flagged:,} of {n:,} {noun} flagged, "
        f"where {setting} asks for {asked:,}: the other {asked - n_flagged:,} had a risk "
        f"below the floor. Lower surface.risk_floor in atrisk.yml to flag them, or keep it "
        "to alert only on risks above it."
    )
