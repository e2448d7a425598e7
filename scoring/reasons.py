"""Reasons: an account's largest risk-increasing SHAP contributions, in plain words.

Contributions are any per-feature additive attribution in raw-score space: LightGBM's exact
TreeSHAP (``pred_contrib``) or a linear model's ``coef × (x − mean)``. Features that measure one
thing share a group (for built-in and declared features: their family; the levels of a one-hot
column): the group's contributions are summed, which is exact because the attributions add
up, and the group is told once, through the member that pushed risk up the most. So at most
one reason per family, and no two slots say the same thing. Attributes a person cannot act on
(seats, ARR, tenure, plan, segment) are never told: ``actionable`` leaves them out.
A feature whose value is missing for the account is not told (there is nothing to show).
An account with no actionable reason at all (its risk comes from attributes, or from signals
on their safe side) gets one honest ``profile`` reason instead of an empty "why": no warning
sign to act on, the attributes that pushed its risk named as context, and a review to do.
Each reason is a ``Reason``; scores and alerts store it as ``Reason.to_json()``
(``{"feature", "family", "value", "contribution", "text"}``) and readers use ``Reason.from_json``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scoring.catalog import (
    FEATURES,
    MODEL_FEATURES,
    NEUTRAL_FAMILY,
    format_value,
    reason_groups,
)

FAMILIES = (
    "adoption",
    "integrations",
    "support",
    "usage",
    "commercial",
    "other",
    "profile",
    # leads (scoring.lead_catalog)
    "intent",
    "engagement",
    "trial",
    "buying_group",
)
PROFILE = "profile"  # the feature and family of the reason told when nothing can be acted on
PROFILE_NOUNS = {  # built-in attributes in words; a team's columns read with spaces
    "tenure_days": "tenure",
    "seats": "seat count",
    "arr": "ARR",
    "segment": "segment",
    "plan": "plan",
}
STORED_REASONS = 5  # kept on the score; alerts show the first three
SHOWN_REASONS = 3

# Built-in features told together: every actionable feature by its family.
BUILTIN_GROUPS: dict[str, str] = reason_groups(MODEL_FEATURES, FEATURES)


@dataclass(frozen=True)
class Reason:
    """Why an account is at risk, in one line: a feature, its family and value, its push."""

    feature: str
    family: str
    value: float | int | str | None
    contribution: float
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "family": self.family,
            "value": self.value,
            "contribution": self.contribution,
            "text": self.text,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reason:
        """Read a stored reason (the text falls back to the feature's name)."""
        feature = str(data.get("feature") or "")
        return cls(
            feature=feature,
            family=str(data.get("family") or catalog_family(feature)),
            value=data.get("value"),
            contribution=float(data.get("contribution") or 0.0),
            text=str(data.get("text") or feature),
        )


def reasons_of(stored: Iterable[Mapping[str, Any]] | None) -> list[Reason]:
    """The reasons stored on a score or an alert (a JSON list), best first."""
    return [Reason.from_json(r) for r in stored or [] if isinstance(r, Mapping)]


Render = Callable[[str, Mapping[str, Any]], str]
FamilyOf = Callable[[str], str]
Tellable = Callable[[str, Any], bool]
Actionable = Callable[[str], bool]


def catalog_family(feature: str) -> str:
    """A built-in feature's family; any other column is in the neutral family, never guessed
    from its name (a team declares its columns' families in ``atrisk.yml``)."""
    info = FEATURES.get(feature)
    return info.family if info else NEUTRAL_FAMILY


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def plain_value(value: Any) -> float | int | str | None:
    """A JSON-friendly scalar: ints stay ints, floats are rounded, text stays text."""
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else round(value, 4)
    return str(value)


def plain_records(frame: pd.DataFrame) -> list[dict[str, float | int | str | None]]:
    """``plain_value`` of every cell of ``frame``: one dict per row, keys in column order.

    Column by column (a ``float64`` column in one pass over its Python floats), which for
    thousands of rows is several times faster than converting ``to_dict`` rows cell by cell.
    """
    if len(frame.columns) == 0:
        return [{} for _ in range(len(frame))]
    columns = [
        [_plain_float(v) for v in frame[name].tolist()]
        if frame[name].dtype == np.float64
        else [plain_value(v) for v in frame[name].tolist()]
        for name in frame.columns
    ]
    names = [str(name) for name in frame.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _plain_float(v: float) -> float | int | None:
    """``plain_value`` of a Python float."""
    if v != v:  # NaN
        return None
    return int(v) if v.is_integer() else round(v, 4)


def column_equals_value(feature: str, row: Mapping[str, Any]) -> str:
    """The fallback wording for a team's own columns: ``column = value``."""
    return f"{feature} = {format_value(row.get(feature))}"


def one_hot_groups(frame: pd.DataFrame, features: list[str]) -> dict[str, str]:
    """Group 0/1 columns sharing a ``prefix_`` (``plan_pro``, ``plan_basic`` → ``plan``)."""
    indicator = [
        f
        for f in features
        if pd.api.types.is_numeric_dtype(frame[f])
        and set(pd.unique(frame[f].dropna())) <= {0, 1}
        and "_" in f
    ]
    by_prefix: dict[str, list[str]] = {}
    for f in indicator:
        by_prefix.setdefault(f.rsplit("_", 1)[0], []).append(f)
    return {f: p for p, members in by_prefix.items() if len(members) > 1 for f in members}


def _one_hot_level(group: str, member: str) -> str:
    return re.sub(r"^_+", "", member[len(group) :])


def explain_rows(
    contrib: np.ndarray,
    features: list[str],
    rows: pd.DataFrame,
    *,
    render: Render,
    family_of: FamilyOf,
    groups: Mapping[str, str] | None = None,
    one_hot: Mapping[str, str] | None = None,
    tellable: Tellable | None = None,
    actionable: Actionable | None = None,
    keep: int = STORED_REASONS,
) -> list[list[Reason]]:
    """Reasons for each row of ``rows`` (aligned with ``contrib``; the bias column is ignored).

    ``groups`` maps a feature to its group (default: itself); ``one_hot`` marks indicator
    columns of one categorical, told as ``group = level`` through the level the account has.
    ``tellable(feature, value)`` says whether a value reads as a problem at all (no reason
    says "0 open support tickets", whatever a tree's interactions made of it).
    ``actionable(feature)`` says whether a person can act on it; attributes are left out (their
    push is real, it is just not a "why"). Works from any ``[rows, features (+ bias)]`` array.
    """
    groups = groups or {}
    one_hot = one_hot or {}
    told = [actionable is None or actionable(f) for f in features]
    names = [groups.get(f, one_hot.get(f, f)) for f in features]
    order = list(dict.fromkeys(names))
    gidx = np.array([order.index(n) for n in names])
    members = [np.flatnonzero(gidx == g) for g in range(len(order))]
    group_told = [told[int(m[0])] for m in members]
    out: list[list[Reason]] = []
    raw = np.asarray(contrib, dtype=float)[:, : len(features)]
    phi = np.where(told, raw, 0.0)
    for i, row in enumerate(rows.to_dict("records")):
        totals = np.bincount(gidx, weights=phi[i], minlength=len(order))
        reasons: list[Reason] = []
        for g in np.argsort(-totals, kind="stable"):
            if totals[g] <= 0 or len(reasons) >= keep:
                break
            if not group_told[g]:
                continue
            member = _representative(members[g], phi[i], features, row, one_hot, tellable)
            if member is None:
                continue
            group = order[g]
            if member in one_hot:
                level = _one_hot_level(group, member)
                text, value = f"{group} = {level}", plain_value(level)
            else:
                text, value = render(member, row), plain_value(row.get(member))
            reasons.append(
                Reason(
                    feature=member,
                    family=_family(member, family_of),
                    value=value,
                    contribution=round(float(totals[g]), 6),
                    text=text,
                )
            )
        out.append(reasons or [profile_reason(raw[i], features, told)])
    return out


def profile_reason(contrib: np.ndarray, features: list[str], told: list[bool]) -> Reason:
    """The one reason of an account nothing actionable explains: its attributes' push.

    ``contrib`` is the account's row of contributions, ``told`` marks actionable features.
    The attributes that raised the risk are named (largest first, at most two) as context.
    """
    pushes = sorted(
        ((float(contrib[j]), f) for j, f in enumerate(features) if not told[j] and contrib[j] > 0),
        reverse=True,
    )
    named = [PROFILE_NOUNS.get(f, f.replace("_", " ")) for _, f in pushes[:2]]
    source = f"the account's profile ({' and '.join(named)})" if named else "the account's profile"
    return Reason(
        feature=PROFILE,
        family=PROFILE,
        value=None,
        contribution=round(sum(p for p, _ in pushes), 6),
        text=f"No warning sign to act on: the risk comes from {source} — review the account",
    )


def _family(feature: str, family_of: FamilyOf) -> str:
    family = family_of(feature)
    return family if family in FAMILIES else NEUTRAL_FAMILY


def _representative(
    group: np.ndarray,
    phi_row: np.ndarray,
    features: list[str],
    row: Mapping[str, Any],
    one_hot: Mapping[str, str],
    tellable: Tellable | None,
) -> str | None:
    """The group member to tell (``group``: the positions of its features): the one-hot
    level the account has, else the top contributor whose value is known and reads as a
    problem."""
    members = [int(j) for j in group]
    if features[members[0]] in one_hot:
        active = [features[j] for j in members if row.get(features[j]) == 1]
        return active[0] if active else None
    for j in sorted(members, key=lambda j: -phi_row[j]):
        value = row.get(features[j])
        if not is_missing(value) and (tellable is None or tellable(features[j], value)):
            return features[j]
    return None
