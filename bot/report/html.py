"""The report as one self-contained HTML page with inline SVG charts (no scripts, no downloads).

The page is the Jinja2 template ``bot/report/templates/report.html.j2`` (package data), rendered
with autoescape and ``StrictUndefined``: every value from the report is escaped by the template.
The bar charts are SVG built here from numbers; the few labels in them are escaped here too.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

W, H, PAD = 640, 220, 36
TIER_COLOURS = {
    "best-in-class": "#1a7f37",
    "healthy": "#2da44e",
    "at risk": "#bf8700",
    "failing": "#cf222e",
    "no alerts": "#8c959f",
}
ADOPTION_BANDS = ((0.7, "70 %", "#1a7f37"), (0.4, "40 %", "#bf8700"), (0.2, "20 %", "#cf222e"))
NO_DATA = Markup("<p class='empty'>No data yet.</p>")


def pct(v: Any) -> str:
    return "—" if v is None else f"{float(v):.0%}"


def num(v: Any, fmt: str = "{:,.1f}") -> str:
    return "—" if v is None else fmt.format(float(v))


def cell(v: Any, kind: str) -> str:
    """A table cell: ``kind`` is pct, num, num3, int or text; an empty value is a dash."""
    if v is None:
        return "—"
    if kind == "pct":
        return pct(v)
    if kind == "num":
        return num(v)
    if kind == "num3":
        return num(v, "{:.3f}")
    if kind == "int":
        return f"{int(v):,}"
    return str(v)


def bars(
    values: Sequence[tuple[str, float | None]],
    *,
    max_value: float = 1.0,
    lines: Sequence[tuple[float, str, str]] = (),
    percent: bool = True,
    whiskers: Sequence[tuple[float | None, float | None]] | None = None,
) -> Markup:
    """A vertical bar chart; ``lines`` are horizontal references (value, label, colour)."""
    if not values:
        return NO_DATA
    n = len(values)
    bw = (W - 2 * PAD) / n

    def y(v: float) -> float:
        return H - PAD - (H - 2 * PAD) * min(v, max_value) / max_value

    parts = [f"<svg viewBox='0 0 {W} {H}' role='img' width='{W}' height='{H}'>"]
    parts.append(f"<line x1='{PAD}' y1='{H - PAD}' x2='{W - PAD}' y2='{H - PAD}' stroke='#888'/>")
    for ref, ref_label, colour in lines:
        parts.append(
            f"<line x1='{PAD}' y1='{y(ref):.1f}' x2='{W - PAD}' y2='{y(ref):.1f}' "
            f"stroke='{escape(colour)}' stroke-dasharray='4 3'/><text x='{W - PAD + 2}' "
            f"y='{y(ref) + 4:.1f}' font-size='10' fill='{escape(colour)}'>"
            f"{escape(ref_label)}</text>"
        )
    for i, (label, value) in enumerate(values):
        x = PAD + i * bw + bw * 0.15
        if value is not None:
            shown = pct(value) if percent else num(value)
            parts.append(
                f"<rect x='{x:.1f}' y='{y(value):.1f}' width='{bw * 0.7:.1f}' "
                f"height='{H - PAD - y(value):.1f}' fill='#0969da'><title>{escape(label)}: "
                f"{shown}</title></rect>"
            )
        if whiskers and whiskers[i][0] is not None and whiskers[i][1] is not None:
            lo, hi = whiskers[i]
            cx = x + bw * 0.35
            parts.append(
                f"<line x1='{cx:.1f}' x2='{cx:.1f}' y1='{y(lo or 0):.1f}' "
                f"y2='{y(hi or 0):.1f}' stroke='#111' stroke-width='2'/>"
            )
        if n <= 16 or i % max(1, n // 12) == 0:
            parts.append(
                f"<text x='{x:.1f}' y='{H - PAD + 14}' font-size='10'>{escape(label[:12])}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # numbers, constants, escaped labels


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.report"),  # bot/report/templates/
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=pct, num=num, cell=cell)
    return env


def render_html(
    report: dict[str, Any], *, title: str = "atrisk — is the loop used, does it work"
) -> str:
    """The page for a report from ``build_report``."""
    acc = report["accuracy"]
    charts = {
        "adoption": bars(
            [(str(w["week"]), w["adoption_rate"]) for w in report["weekly_adoption"]],
            lines=ADOPTION_BANDS,
        ),
        "retention": bars(
            [(str(r["group"]), r["rate"]) for r in report["retention"]],
            whiskers=[(r["ci_low"], r["ci_high"]) for r in report["retention"]],
        ),
        "accuracy": bars(
            [(str(r["as_of"]), r["value"]) for r in acc["by_day"]],
            percent=False,
            lines=((acc["target"], "target", "#1a7f37"), (acc["floor"], "floor", "#cf222e")),
        ),
    }
    tier_colour = TIER_COLOURS.get(report["summary"]["latest_tier"], "#888")
    template = _environment().get_template("report.html.j2")
    return template.render(report=report, title=title, charts=charts, tier_colour=tier_colour)
