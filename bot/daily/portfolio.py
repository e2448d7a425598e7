"""Where an account's risk stands among its CSM's active accounts on the scored day.

A 9 % risk reads very differently in a portfolio whose typical account is at 2 % than in one
at 8 %. Computed once at scoring time over the live scores of the run (every active account
is scored), stored with the score and the alert, and told as "riskiest 5 % of your accounts
(typical: 2 %)". Pure: score rows and each account's CSM in, standings out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Standing:
    """``rank`` 1 is the riskiest of the CSM's ``size`` accounts; ``median_risk`` is theirs."""

    rank: int
    size: int
    median_risk: float

    def columns(self) -> dict[str, Any]:
        """The ``portfolio_*`` columns of a score or alert row."""
        return {
            "portfolio_rank": self.rank,
            "portfolio_size": self.size,
            "portfolio_median_risk": self.median_risk,
        }


def standings(
    scores: Iterable[Mapping[str, Any]], csm_of: Mapping[str, str | None]
) -> dict[str, Standing]:
    """Per live score row (``account_id``, ``risk``, ``shadow``): its standing among the accounts
    of the same CSM (emails compared case-blind). Accounts without a CSM stand nowhere."""
    by_csm: dict[str, list[tuple[str, float]]] = {}
    for row in scores:
        if row.get("shadow"):
            continue
        csm = csm_of.get(str(row["account_id"]))
        if csm:
            by_csm.setdefault(csm.lower(), []).append((str(row["account_id"]), float(row["risk"])))
    out: dict[str, Standing] = {}
    for accounts in by_csm.values():
        accounts.sort(key=lambda a: (-a[1], a[0]))
        median = float(np.median([r for _, r in accounts]))
        for i, (account_id, _) in enumerate(accounts):
            out[account_id] = Standing(i + 1, len(accounts), median)
    return out


def columns_of(standing: Standing | None) -> dict[str, Any]:
    """The ``portfolio_*`` columns of a row, all None for an account that stands nowhere."""
    if standing is None:
        return dict.fromkeys(("portfolio_rank", "portfolio_size", "portfolio_median_risk"))
    return standing.columns()


def standing_of(row: Any) -> Standing | None:
    """The standing stored on a score or alert row (``portfolio_*`` attributes), if any."""
    rank, size = getattr(row, "portfolio_rank", None), getattr(row, "portfolio_size", None)
    median = getattr(row, "portfolio_median_risk", None)
    if rank is None or not size or median is None:
        return None
    return Standing(int(rank), int(size), float(median))
