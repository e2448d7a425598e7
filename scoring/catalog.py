"""The feature catalog: every built-in leading indicator, its family, and its reason template.

A template is plain words with placeholders filled from the account's own row (see
``render_reason``): ``{value}`` is the feature's value, ``{pct}`` its absolute value as a
percentage, ``{direction}`` "down"/"up"/"unchanged" by its sign, ``{name}`` any other column of
the row (a helper column), ``{name:count}`` a whole number ("fewer than 1" between 0 and ½),
and ``{name|one|many}`` picks a word by whether ``name`` equals 1.
docs/features.md lists which helper columns each template uses.

Every model input says whether a person can act on it. Attributes (seats, ARR, tenure, plan,
segment) shape the score and are shown as context, never as a reason. Reasons are told per
family: the features of a family measure one thing, so their contributions are summed
(exact by additivity) and the family is told through its strongest member.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FAMILIES = ("adoption", "integrations", "support", "usage", "commercial")
NEUTRAL_FAMILY = "other"  # a team's column declared without a family


@dataclass(frozen=True)
class FeatureInfo:
    """One catalog column: a model input or a display-only helper used by reason templates."""

    name: str
    family: str
    model_input: bool
    template: str | None
    higher_is_riskier: bool | None
    actionable: bool = True  # False: an attribute, context in the alert, never a reason
    caused_by: str | None = None  # a feature that partly causes this one (see scoring.causes)


def _f(
    name: str,
    family: str,
    template: str,
    higher_is_riskier: bool | None,
    actionable: bool = True,
    caused_by: str | None = None,
) -> FeatureInfo:
    return FeatureInfo(name, family, True, template, higher_is_riskier, actionable, caused_by)


def _h(name: str, family: str) -> FeatureInfo:
    return FeatureInfo(name, family, False, None, None)


_W = "{window_days}"
_MODEL = [
    # adoption
    _f(
        "unadopted_key_features",
        "adoption",
        "{value:count} of {key_features_total:count} key features never used: "
        "{unadopted_key_features_names}",
        True,
    ),
    _f(
        "adoption_breadth",
        "adoption",
        "used {adopted_features_last_window} of {features_available} features in the last "
        f"{_W} days",
        False,
    ),
    _f(
        "adoption_breadth_trend",
        "adoption",
        f"{{adopted_features_last_window}} "
        f"{{adopted_features_last_window|feature|features}} used in the last {_W} days, "
        f"{{adopted_features_prev_window}} in the {_W} before",
        False,
    ),
    # usage
    _f(
        "users_per_seat",
        "usage",
        "{active_users_per_day:count} of {seats:count} {seats|seat|seats} active on a typical day",
        False,
        caused_by="unadopted_key_features",  # key features never used bring fewer users
    ),
    _f(
        "users_per_seat_trend",
        "usage",
        f"active users per seat {{direction}} {{pct}} in {_W} days",
        False,
    ),
    _f(
        "usage_trend",
        "usage",
        f"product usage {{direction}} {{pct}} in the last {_W} days "
        "({events_last_window} events vs {events_prev_window})",
        False,
    ),
    _f(
        "days_since_last_activity",
        "usage",
        "no product activity for {value} {value|day|days}",
        True,
    ),
    # integrations
    _f(
        "integration_failures_14d",
        "integrations",
        f"{{value}} failed {{failing_integrations}} {{value|sync|syncs}} in the last {_W} days",
        True,
    ),
    _f(
        "integration_failure_rate_14d",
        "integrations",
        f"{{pct}} of {{integration_runs_14d}} integration runs failed in the last {_W} days",
        True,
    ),
    _f(
        "consecutive_failures",
        "integrations",
        "{value} {worst_integration} {value|sync|syncs} failed in a row",
        True,
    ),
    _f(
        "days_since_last_sync",
        "integrations",
        "no successful {worst_integration} sync for {value} {value|day|days}",
        True,
    ),
    _f(
        "broken_integrations",
        "integrations",
        "{value} {value|integration|integrations} failing on the last run",
        True,
    ),
    # support
    _f("open_tickets", "support", "{value} open support {value|ticket|tickets}", True),
    _f(
        "oldest_unanswered_ticket_days",
        "support",
        "{oldest_unanswered_ticket_priority} ticket open {value} {value|day|days} with no reply",
        True,
    ),
    _f(
        "urgent_open_tickets",
        "support",
        "{value} urgent or high-priority {value|ticket|tickets} open",
        True,
    ),
    _f(
        "ticket_volume_trend",
        "support",
        f"{{tickets_last_window}} support {{tickets_last_window|ticket|tickets}} "
        f"in the last {_W} days, "
        f"{{tickets_prev_window}} in the {_W} before",
        True,
    ),
    _f(
        "csat_mean",
        "support",
        "average CSAT {value} over the last {csat_days} days "
        "({csat_responses} {csat_responses|rating|ratings})",
        False,
    ),
    # commercial
    _f("days_to_renewal", "commercial", "renewal in {value} {value|day|days}", False),
    _f(
        "renewal_within_horizon",
        "commercial",
        "renewal in {days_to_renewal} {days_to_renewal|day|days}",
        True,
    ),
    _f("tenure_days", "commercial", "customer for {value} {value|day|days}", False, False),
    _f("seats", "commercial", "{value} {value|seat|seats}", None, False),
    _f("arr", "commercial", "ARR {value}", None, False),
    _f("segment", "commercial", "{value} segment", None, False),
    _f("plan", "commercial", "{value} plan", None, False),
]

_HELPERS = [
    _h("unadopted_key_features_names", "adoption"),
    _h("key_features_total", "adoption"),
    _h("features_available", "adoption"),
    _h("adopted_features_last_window", "adoption"),
    _h("adopted_features_prev_window", "adoption"),
    _h("active_users_per_day", "usage"),
    _h("events_last_window", "usage"),
    _h("events_prev_window", "usage"),
    _h("worst_integration", "integrations"),
    _h("failing_integrations", "integrations"),
    _h("integration_runs_14d", "integrations"),
    _h("oldest_unanswered_ticket_priority", "support"),
    _h("tickets_last_window", "support"),
    _h("tickets_prev_window", "support"),
    _h("csat_responses", "support"),
    _h("window_days", "usage"),
    _h("csat_days", "support"),
]

FEATURES: dict[str, FeatureInfo] = {f.name: f for f in _MODEL + _HELPERS}
MODEL_FEATURES: list[str] = [f.name for f in _MODEL]
CATEGORICAL_FEATURES: tuple[str, ...] = ("segment", "plan")
HELPER_COLUMNS: list[str] = [f.name for f in _HELPERS]
ATTRIBUTES: tuple[str, ...] = tuple(f.name for f in _MODEL if not f.actionable)


def reason_groups(features: list[str], catalog: Mapping[str, FeatureInfo]) -> dict[str, str]:
    """Each actionable feature's group: its family (features of a family measure one thing)."""
    return {f: catalog[f].family for f in features if f in catalog and catalog[f].actionable}


def causal_edges(catalog: Mapping[str, FeatureInfo]) -> dict[str, str]:
    """Symptom → cause for every model input whose catalog entry names a ``caused_by``."""
    return {
        name: info.caused_by
        for name, info in catalog.items()
        if info.model_input and info.caused_by and info.caused_by in catalog
    }


def is_actionable(name: str, catalog: Mapping[str, FeatureInfo] | None = None) -> bool:
    """Whether a person can act on ``name`` (unknown columns: no, they are never guessed)."""
    info = (FEATURES if catalog is None else catalog).get(name)
    return bool(info and info.model_input and info.actionable)


def family_of(name: str) -> str | None:
    """The reason family of a catalog column, or None for a column the catalog does not know."""
    info = FEATURES.get(name)
    return info.family if info else None


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, pd.NA and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def format_value(value: Any) -> str:
    """A value in plain words: whole numbers without decimals, others to two significant digits."""
    if _is_missing(value):
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) or hasattr(value, "dtype"):
        try:
            x = float(value)
        except (TypeError, ValueError):
            return str(value)
        if math.isinf(x):
            return "∞"
        if x.is_integer() or abs(x) >= 100:
            return f"{round(x):,}"
        if abs(x) >= 10:
            return f"{x:.1f}".rstrip("0").rstrip(".")
        return f"{x:.2g}"
    return str(value)


def format_pct(value: Any) -> str:
    """The absolute value of a share or relative change as a whole percentage ("63%")."""
    if _is_missing(value):
        return "unknown"
    return f"{abs(float(value)):.0%}"


def _direction(value: Any) -> str:
    if _is_missing(value) or float(value) == 0:
        return "unchanged"
    return "down" if float(value) < 0 else "up"


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(:count)?(?:\|([^|{}]*)\|([^|{}]*))?\}")


class _MissingField(KeyError):
    pass


def _is_one(v: Any) -> bool:
    """Singular when the value reads as 1 ("in 1 day", "1 seat"), also after rounding."""
    try:
        return round(float(v)) == 1
    except (TypeError, ValueError):
        return False


def format_count(value: Any) -> str:
    """A count in whole numbers: 0.071 users a day reads "fewer than 1", 2.6 reads "3"."""
    if _is_missing(value):
        return "unknown"
    x = float(value)
    if 0 < x < 0.5:
        return "fewer than 1"
    return f"{round(x):,}"


def render_reason(
    feature: str, row: Mapping[str, Any], catalog: Mapping[str, FeatureInfo] | None = None
) -> str:
    """Fill ``feature``'s template with the account's row; "feature = value" when there is none.

    The fallback is also used when the row lacks a helper value the template needs, so a
    team's own feature columns and partial rows still read sensibly; a missing value reads
    "days to renewal unknown".
    """
    value = row.get(feature)
    info = (FEATURES if catalog is None else catalog).get(feature)
    fallback = f"{feature} = {format_value(value)}"
    if info is None or info.template is None:
        return fallback
    if _is_missing(value):
        return f"{feature.replace('_', ' ')} unknown".capitalize()

    def fill(m: re.Match[str]) -> str:
        name, count, one, many = m.group(1), m.group(2), m.group(3), m.group(4)
        if name == "pct":
            return format_pct(value)
        if name == "direction":
            return _direction(value)
        if name != "value" and name not in row:
            raise _MissingField(name)
        v: Any = value if name == "value" else row[name]
        if _is_missing(v):
            raise _MissingField(name)
        if one is not None:
            return one if _is_one(v) else many
        return format_count(v) if count else format_value(v)

    try:
        text = _PLACEHOLDER.sub(fill, info.template)
    except _MissingField:
        return fallback
    return text[:1].upper() + text[1:]
