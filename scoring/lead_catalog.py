"""The lead feature catalog: what each lead feature means, its family and the line a rep reads.

Leads are scored on how likely they are to convert within the horizon, so "riskier" in the
shared ``FeatureInfo`` reads "hotter" here: ``higher_is_riskier=True`` means more of it makes a
conversion more likely. Templates use the placeholders of ``scoring.catalog.render_reason``.
Firmographics (employees, segment, source, lead age) shape the score and are shown as
context, never as a reason. docs/lead-scoring.md defines every feature.
"""

from __future__ import annotations

from scoring.catalog import FeatureInfo

#: the families a reason names (the driver families of the synthetic funnel)
LEAD_FAMILIES = ("intent", "engagement", "trial", "buying_group")
FIRMOGRAPHIC = "firmographic"


def _f(
    name: str, family: str, template: str, hotter: bool | None, actionable: bool = True
) -> FeatureInfo:
    return FeatureInfo(name, family, True, template, hotter, actionable)


def _h(name: str, family: str) -> FeatureInfo:
    return FeatureInfo(name, family, False, None, None)


_W = "{window_days}"
_2W = "{long_window_days}"
_MODEL = [
    # intent: the lead says it wants to buy
    _f(
        "demo_requests_14d",
        "intent",
        "asked for a demo {days_since_demo_request} {days_since_demo_request|day|days} ago",
        True,
    ),
    _f(
        "pricing_page_visits_7d",
        "intent",
        f"{{value}} pricing page {{value|visit|visits}} in the last {_W} days",
        True,
    ),
    _f(
        "meetings_14d",
        "intent",
        f"{{value}} {{value|meeting|meetings}} in the last {_2W} days",
        True,
    ),
    # engagement: the lead talks to us
    _f(
        "email_replies_14d",
        "engagement",
        f"replied to {{value}} {{value|email|emails}} in the last {_2W} days",
        True,
    ),
    _f(
        "activities_7d",
        "engagement",
        f"{{value}} {{value|activity|activities}} in the last {_W} days",
        True,
    ),
    _f(
        "activity_trend",
        "engagement",
        f"activity {{direction}} {{pct}} in the last {_W} days "
        "({activities_7d} vs {activities_prev_7d})",
        True,
    ),
    _f(
        "days_since_last_activity",
        "engagement",
        "last active {value} {value|day|days} ago",
        False,
    ),
    # trial: the lead uses the product
    _f(
        "trial_events_7d",
        "trial",
        f"{{value}} trial {{value|action|actions}} in the last {_W} days",
        True,
    ),
    _f("trial_started", "trial", "signed up for a trial", True),
    # buying group: several people of the company are at it
    _f(
        "company_people_active_7d",
        "buying_group",
        f"{{value}} people from {{company}} active in the last {_W} days",
        True,
    ),
    _f(
        "company_trial_users_7d",
        "buying_group",
        f"{{value}} people from {{company}} active in the trial in the last {_W} days",
        True,
    ),
    # firmographics: context, never a reason
    _f("employees", FIRMOGRAPHIC, "{value} employees", None, False),
    _f("lead_age_days", FIRMOGRAPHIC, "lead for {value} {value|day|days}", None, False),
    _f("segment", FIRMOGRAPHIC, "{value} segment", None, False),
    _f("source", FIRMOGRAPHIC, "came from {value}", None, False),
]

_HELPERS = [
    _h("company", "buying_group"),
    _h("days_since_demo_request", "intent"),
    _h("activities_prev_7d", "engagement"),
    _h("window_days", "engagement"),
    _h("long_window_days", "engagement"),
]

LEAD_FEATURES: dict[str, FeatureInfo] = {f.name: f for f in _MODEL + _HELPERS}
LEAD_MODEL_FEATURES: list[str] = [f.name for f in _MODEL]
LEAD_CATEGORICAL: tuple[str, ...] = ("segment", "source")
LEAD_HELPER_COLUMNS: list[str] = [f.name for f in _HELPERS]

#: the smallest value of a count that reads as a reason ("1 people from Acme" is the lead alone)
TELLABLE_FROM: dict[str, float] = {
    "company_people_active_7d": 2,
    "company_trial_users_7d": 2,
}


def lead_tellable(feature: str, value: object) -> bool:
    """Whether a lead's value reads as a reason at all (never "0 pricing page visits")."""
    info = LEAD_FEATURES.get(feature)
    if info is None or not isinstance(value, int | float):
        return info is not None
    if info.higher_is_riskier is False:
        return True
    return float(value) >= TELLABLE_FROM.get(feature, 1)


__all__ = [
    "FIRMOGRAPHIC",
    "LEAD_CATEGORICAL",
    "LEAD_FAMILIES",
    "LEAD_FEATURES",
    "LEAD_HELPER_COLUMNS",
    "LEAD_MODEL_FEATURES",
    "lead_tellable",
]
