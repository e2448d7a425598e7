"""The report as one self-contained HTML page with inline SVG charts (no scripts, no downloads).

The page is the Jinja2 template ``bot/report/templates/report.html.j2`` (a lead product's:
``lead_report.html.j2``; package data), rendered
with autoescape and ``StrictUndefined``: every value from the report is escaped by the template.
The bar charts are SVG from ``bot.report.charts`` (axes, units, printed values, gaps kept).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bot.report.charts import Bar, bar_chart

TIER_COLOURS = {
    "best-in-class": "#1a7f37",
    "healthy": "#2da44e",
    "at risk": "#bf8700",
    "failing": "#cf222e",
    "no alerts": "#8c959f",
}
ADOPTION_BANDS = ((0.7, "70 %", "#1a7f37"), (0.4, "40 %", "#bf8700"), (0.2, "20 %", "#cf222e"))


def pct(v: Any) -> str:
    return "—" if v is None else f"{float(v) * 100:.0f} %"


def pts(v: Any) -> str:
    """A difference of two rates in percentage points, signed."""
    return "—" if v is None else f"{float(v) * 100:+.1f} pts"


def num(v: Any, fmt: str = "{:,.1f}") -> str:
    return "—" if v is None else fmt.format(float(v))


def cell(v: Any, kind: str) -> str:
    """A table cell: ``kind`` is pct, num, num3, int or text; an empty value is a dash."""
    if v is None:
        return "—"
    if kind == "pct":
        return pct(v)
    if kind == "pts":
        return pts(v)
    if kind == "num":
        return num(v)
    if kind == "num3":
        return num(v, "{:.3f}")
    if kind == "int":
        return f"{int(v):,}"
    return str(v)


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.report"),  # bot/report/templates/
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=pct, pts=pts, num=num, cell=cell)
    return env


def _adoption_chart(weeks: list[dict[str, Any]], *, y_label: str) -> Markup:
    """Adoption week by week against the tier bands; weeks without alerts and the week in
    progress are shown but not graded."""
    bars = [
        Bar(
            str(w["week"]),
            w["adoption_rate"] if w["alerts"] and not w["in_progress"] else None,
            note="no alerts" if not w["alerts"] else ("in progress" if w["in_progress"] else ""),
            muted=bool(w["in_progress"]),
        )
        for w in weeks
    ]
    return bar_chart(bars, y_label=y_label, x_label="week (starting Monday)", lines=ADOPTION_BANDS)


def _group_bar(label: str, g: dict[str, Any] | None) -> Bar:
    if not g or g["rate"] is None:
        return Bar(label, None, note="no outcomes yet")
    return Bar(f"{label} (n={g['n']})", g["rate"], g["ci_low"], g["ci_high"])


def _accuracy_bars(days: list[dict[str, Any]]) -> list[Bar]:
    dates = [dt.date.fromisoformat(str(d["as_of"])[:10]) for d in days]
    span = max(1, (max(dates) - min(dates)).days) if dates else 1
    return [
        Bar(str(day), d["value"], at=(day - dates[0]).days / span)
        for day, d in zip(dates, days, strict=True)
    ]


def _posted_rate(groups: dict[str, Any]) -> float | None:
    """Conversion of every posted lead (acted on or not)."""
    n = groups["acted"]["leads"] + groups["not_acted"]["leads"]
    x = groups["acted"]["converted"] + groups["not_acted"]["converted"]
    return x / n if n else None


def render_lead_html(report: dict[str, Any], *, title: str) -> str:
    """The lead product's page: ``report`` from ``build_report`` with the lead figures of
    ``bot.report.lead_report`` under ``leads`` (and ``horizon_days``); no churn figure."""
    leads = report["leads"]
    groups = leads["groups"]
    graded = [w for w in leads["weeks"] if w["alerts"] and not w["in_progress"]]
    latest = graded[-1] if graded else None
    charts = {
        "adoption": _adoption_chart(leads["weeks"], y_label="owners who chose a play (%)"),
        "conversion": bar_chart(
            [
                Bar(
                    f"{g['name']} (n={g['leads']})" if g["leads"] else g["name"],
                    g["rate"],
                    g["low"],
                    g["high"],
                    note="" if g["leads"] else "no leads",
                )
                for g in (groups[k] for k in ("acted", "not_acted", "held_out"))
            ],
            y_label="converted within the horizon (%)",
            x_label="alerted leads whose horizon has passed (95 % CI)",
            digits=1,
        ),
    }
    template = _environment().get_template("lead_report.html.j2")
    return template.render(
        report=report,
        title=title,
        charts=charts,
        latest=latest,
        tier_colour=TIER_COLOURS.get(latest["tier"] if latest else "no alerts", "#888"),
        posted_rate=_posted_rate(groups),
        horizon_days=report.get("horizon_days", "—"),
    )


def render_html(
    report: dict[str, Any], *, title: str = "atrisk — is the loop used, does it work"
) -> str:
    """The page for a report from ``build_report``; a lead product's report (with ``leads``)
    gets the lead page (``render_lead_html``)."""
    if "leads" in report:
        return render_lead_html(report, title=title)
    acc = report["accuracy"]
    lift, obs = report["lift"], report["observational"]
    charts = {
        "adoption": _adoption_chart(
            report["weekly_adoption"], y_label="CSMs who chose a playbook (%)"
        ),
        "lift": bar_chart(
            [_group_bar("alerted", lift["alerted"]), _group_bar("held out", lift["holdout"])],
            y_label="retained after the horizon (%)",
            x_label="intent to treat: every posted alert vs every held-out one (95 % CI)",
            digits=1,
        ),
        "observational": bar_chart(
            [_group_bar("playbook chosen", obs["acted"]), _group_bar("no action", obs["no_action"])]
            + [_group_bar(p["playbook_id"], p) for p in obs["per_playbook"]],
            y_label="retained after the horizon (%)",
            x_label="observational: chosen by the CSM, not randomised (95 % CI)",
            digits=1,
        ),
        "accuracy": bar_chart(
            _accuracy_bars(acc["by_day"]),
            y_label=str(acc["metric_name"]),
            x_label="scoring day (time axis: gaps are days without a matured score)",
            y_min=0.5,
            percent=False,
            digits=3,
            lines=((acc["target"], "target", "#1a7f37"), (acc["floor"], "floor", "#cf222e")),
        ),
    }
    tier_colour = TIER_COLOURS.get(report["summary"]["latest_tier"], "#888")
    template = _environment().get_template("report.html.j2")
    return template.render(report=report, title=title, charts=charts, tier_colour=tier_colour)
