"""Did the loop work? The intent-to-treat lift (headline), observational comparisons and the
dismissal check, from one row per alert with a matured outcome (pure, no I/O).

Input ``matured``: one row per alert whose outcome is known, with ``held_out`` (bool),
``acted`` (bool: a playbook was chosen; a dismissal is not acting), ``dismissed`` (bool),
``playbook_id``, ``dismiss_reason``, ``csm``, ``retained`` (bool: not churned within the
horizon), ``arr_before`` and ``arr_after`` (ARR, currency units; missing ARR counts as 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bot.report.lift import (
    Difference,
    bootstrap_ratio_difference,
    holdout_needed,
    newcombe_difference,
    wilson,
)

OBSERVATIONAL = (
    "Observational: CSMs choose which alerts to act on and which playbook to run, so these "
    "differences mix the playbook's effect with the choice. Measuring a playbook needs a "
    "randomised comparison: alerts where that playbook is offered vs alerts where it is not."
)


def _pts(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:+.1f} points"


def _group(frame: pd.DataFrame, name: str) -> dict[str, Any]:
    n, kept = len(frame), int(frame["retained"].sum())
    low, high = wilson(kept, n)
    return {
        "group": name,
        "n": n,
        "retained": kept,
        "rate": kept / n if n else None,
        "ci_low": low,
        "ci_high": high,
    }


def _diff(d: Difference) -> dict[str, Any]:
    return {"value": d.value, "low": d.low, "high": d.high, "excludes_zero": d.excludes_zero}


def _arr(frame: pd.DataFrame, col: str) -> np.ndarray:
    return frame[col].astype(float).fillna(0.0).to_numpy()


def itt_lift(matured: pd.DataFrame, *, min_effect: float, holdout_share: float) -> dict[str, Any]:
    """Every posted alert vs every held-out one: retention and ARR retained, 95 % intervals.

    Returns ``alerted``/``holdout`` groups, ``retention_lift`` and ``arr_lift`` (value, low,
    high, excludes_zero; retention points as fractions), ``holdout_needed`` (held-out accounts
    to detect ``min_effect``) and ``sentence``, the plain-words headline.
    """
    held = matured["held_out"].astype(bool)
    alerted, holdout = matured[~held], matured[held]
    a, h = _group(alerted, "alerted"), _group(holdout, "holdout")
    d = newcombe_difference(a["retained"], a["n"], h["retained"], h["n"])
    arr = bootstrap_ratio_difference(
        _arr(alerted, "arr_before"),
        _arr(alerted, "arr_after"),
        _arr(holdout, "arr_before"),
        _arr(holdout, "arr_after"),
    )
    share = holdout_share if 0 < holdout_share < 1 else 0.1
    needed = holdout_needed(
        h["rate"] if h["rate"] is not None else 0.8, min_effect, (1 - share) / share
    )
    return {
        "alerted": a,
        "holdout": h,
        "retention_lift": _diff(d),
        "arr_lift": _diff(arr),
        "min_effect": min_effect,
        "holdout_needed": needed,
        "sentence": itt_sentence(a, h, d, needed, min_effect),
    }


def itt_sentence(
    a: dict[str, Any], h: dict[str, Any], d: Difference, needed: int, min_effect: float
) -> str:
    """E.g. "Alerted accounts kept 86 % vs 80 % held out: +6.0 points (95 % CI …), …"."""
    if d.value is None or d.low is None or d.high is None:
        return (
            f"No lift yet: {a['n']} alerted and {h['n']} held-out accounts have a matured "
            f"outcome (both are needed; about {needed} held-out accounts are needed to detect "
            f"a lift of {_pts(min_effect)})."
        )
    head = (
        f"Alerted accounts kept {a['rate'] * 100:.1f} % vs {h['rate'] * 100:.1f} % held out: "
        f"{_pts(d.value)} (95 % CI {_pts(d.low)} to {_pts(d.high)}), "
    )
    verdict = ("" if d.excludes_zero else "not ") + "distinguishable from zero"
    size = (
        f"the holdout of {h['n']} is below the {needed} needed to detect {_pts(min_effect)}"
        if h["n"] < needed
        else f"the holdout of {h['n']} can detect {_pts(min_effect)} (needs {needed})"
    )
    return f"{head}{verdict}; {size}."


def observational(matured: pd.DataFrame) -> dict[str, Any]:
    """Acted vs not acted among posted alerts, and per playbook vs not acted, with intervals."""
    posted = matured[~matured["held_out"].astype(bool)]
    acted = posted[posted["acted"].astype(bool)]
    idle = posted[~posted["acted"].astype(bool) & ~posted["dismissed"].astype(bool)]
    a, n = _group(acted, "acted"), _group(idle, "no action")
    rows = []
    for pid, g in acted.groupby("playbook_id"):
        p = _group(g, str(pid))
        d = newcombe_difference(p["retained"], p["n"], n["retained"], n["n"])
        rows.append({**p, "playbook_id": str(pid), "vs_no_action": _diff(d)})
    rows.sort(key=lambda r: -r["n"])
    d = newcombe_difference(a["retained"], a["n"], n["retained"], n["n"])
    return {
        "acted": a,
        "no_action": n,
        "acted_vs_no_action": _diff(d),
        "per_playbook": rows,
        "note": OBSERVATIONAL,
    }


def _churn_rows(frame: pd.DataFrame, by: str, idle: pd.DataFrame) -> list[dict[str, Any]]:
    base_n, base_churned = len(idle), int((~idle["retained"].astype(bool)).sum())
    rows = []
    for key, g in frame.groupby(by):
        churned = int((~g["retained"].astype(bool)).sum())
        low, high = wilson(churned, len(g))
        d = newcombe_difference(churned, len(g), base_churned, base_n)
        rows.append(
            {
                by: str(key),
                "n": len(g),
                "churned": churned,
                "churn_rate": churned / len(g),
                "ci_low": low,
                "ci_high": high,
                "vs_no_action": _diff(d),
            }
        )
    return sorted(rows, key=lambda r: -r["n"])


def dismissal_check(matured: pd.DataFrame) -> dict[str, Any]:
    """Churn of accounts dismissed as "not a risk" vs posted alerts with no action at all.

    A dismissal is right when the account stays; dismissed accounts churning as often as (or
    more than) ignored ones says the dismissals are not informed. Per reason and per CSM.
    """
    posted = matured[~matured["held_out"].astype(bool)]
    dismissed = posted[posted["dismissed"].astype(bool)]
    idle = posted[~posted["acted"].astype(bool) & ~posted["dismissed"].astype(bool)]
    total = _churn_rows(dismissed.assign(all="all dismissed"), "all", idle)
    base_churned = int((~idle["retained"].astype(bool)).sum())
    low, high = wilson(base_churned, len(idle))
    return {
        "dismissed": total[0] if total else None,
        "no_action": {
            "n": len(idle),
            "churned": base_churned,
            "churn_rate": base_churned / len(idle) if len(idle) else None,
            "ci_low": low,
            "ci_high": high,
        },
        "per_reason": _churn_rows(dismissed, "dismiss_reason", idle),
        "per_csm": _churn_rows(dismissed, "csm", idle),
    }
