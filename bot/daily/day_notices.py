"""The ops messages of a daily run: one per fallback cause and day, one when the model is
back, and a drift warning at most once a week per model. Pure: the plan and what was written
in, ``(notice key, text, about)`` out."""

from __future__ import annotations

import datetime as dt

from bot.daily import fallback
from bot.daily.day_writer import Written
from bot.daily.decide import CAUSES, DayPlan


def day_notices(
    plan: DayPlan, written: Written, model_name: str, model_version: str | None = None
) -> list[tuple[str, str, str]]:
    """The ops messages of the day: one per cause and day, one when the model is back, and a
    drift warning at most once a week per model (``drift_warning_key``)."""
    day = plan.as_of.isoformat()
    if plan.cause is None:
        out: list[tuple[str, str, str]] = []
        if plan.state_change == "active" and written.state_changed:
            text = (
                f":white_check_mark: The {model_name} is back: the run for {day} scored fresh "
                "input, so alerts use today's scores again."
            )
            out.append((f"model-state:active:{day}", text, "model"))
        if plan.drift_warning and model_version is not None:
            text = (
                f":chart_with_upwards_trend: Drift in the run of {day} (model {model_version}): "
                f"{plan.drift_warning}. Alerts still use fresh scores."
            )
            out.append((drift_warning_key(model_version, plan.as_of), text, "model"))
        return out
    if plan.served is None:
        serving = fallback.no_scores_text(plan.as_of)
    else:
        n_alerts = sum(1 for a in written.new_alerts if a["status"] == "pending")
        serving = (
            f"Serving the scores of {plan.served.as_of.isoformat()} with the banner "
            f"“{fallback.banner_text(plan.served.as_of)}”: {n_alerts} alerts for today."
        )
    text = f":warning: {model_name.capitalize()} paused for {day} — {plan.cause.detail}. {serving}"
    return [(f"fallback:{day}:{plan.cause.code}", text, CAUSES[plan.cause.code])]


def drift_warning_key(model_version: str, day: dt.date) -> str:
    """One drift warning per model and ISO week, however many days drift that week."""
    year, week, _ = day.isocalendar()
    return f"drift-warning:{model_version}:{year}-W{week:02d}"
