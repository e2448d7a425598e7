"""SVG bar charts for the report page: a labelled y axis with its unit and ticks, a labelled x
axis, the value printed on every bar, 95 % whiskers, reference lines, and gaps kept visible
(a slot without a value is drawn empty with its note, e.g. "no alerts"). Pure: numbers in,
escaped markup out; every label from data is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

W, H = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 58, 60, 18, 52
NO_DATA = Markup("<p class='empty'>No data yet.</p>")


@dataclass(frozen=True)
class Bar:
    """One slot on the x axis; ``value`` None leaves a visible gap labelled ``note``."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    note: str = ""
    muted: bool = False  # e.g. the week in progress: drawn pale, not graded
    at: float | None = None  # position on a time axis in [0, 1]; None spaces slots evenly


def _fmt(v: float, percent: bool, digits: int) -> str:
    return f"{v * 100:.{digits}f} %" if percent else f"{v:.{digits}f}"


def bar_chart(
    bars: Sequence[Bar],
    *,
    y_label: str,
    x_label: str,
    y_min: float = 0.0,
    y_max: float = 1.0,
    percent: bool = True,
    digits: int = 0,
    lines: Sequence[tuple[float, str, str]] = (),
    ticks: int = 5,
) -> Markup:
    """The chart as inline SVG; ``lines`` are horizontal references (value, label, colour)."""
    if not bars:
        return NO_DATA
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    n = len(bars)
    slot = plot_w / n if all(b.at is None for b in bars) else min(plot_w / n, 28.0)

    def y(v: float) -> float:
        v = min(max(v, y_min), y_max)
        return TOP + plot_h * (1 - (v - y_min) / (y_max - y_min))

    def x(i: int, b: Bar) -> float:
        if b.at is None:
            return LEFT + i * slot + slot / 2
        return LEFT + slot / 2 + b.at * (plot_w - slot)

    out = [f"<svg viewBox='0 0 {W} {H}' role='img' width='{W}' height='{H}' class='chart'>"]
    base = H - BOTTOM
    for k in range(ticks + 1):
        v = y_min + (y_max - y_min) * k / ticks
        out.append(
            f"<line x1='{LEFT - 4}' x2='{W - RIGHT}' y1='{y(v):.1f}' y2='{y(v):.1f}' "
            f"stroke='#eaeef2'/><text x='{LEFT - 6}' y='{y(v) + 4:.1f}' font-size='10' "
            f"text-anchor='end'>{_fmt(v, percent, 0 if percent else 2)}</text>"
        )
    out.append(f"<line x1='{LEFT}' y1='{TOP}' x2='{LEFT}' y2='{base}' stroke='#57606a'/>")
    out.append(f"<line x1='{LEFT}' y1='{base}' x2='{W - RIGHT}' y2='{base}' stroke='#57606a'/>")
    out.append(
        f"<text transform='translate(14 {TOP + plot_h / 2:.0f}) rotate(-90)' font-size='11' "
        f"text-anchor='middle'>{escape(y_label)}</text>"
        f"<text x='{LEFT + plot_w / 2:.0f}' y='{H - 6}' font-size='11' "
        f"text-anchor='middle'>{escape(x_label)}</text>"
    )
    for ref, ref_label, colour in lines:
        c = escape(colour)
        out.append(
            f"<line x1='{LEFT}' y1='{y(ref):.1f}' x2='{W - RIGHT}' y2='{y(ref):.1f}' "
            f"stroke='{c}' stroke-dasharray='4 3'/><text x='{W - RIGHT + 4}' "
            f"y='{y(ref) + 4:.1f}' font-size='10' fill='{c}'>{escape(ref_label)}</text>"
        )
    every = max(1, n // 12)
    cut = 12 if n > 6 else 24
    for i, b in enumerate(bars):
        cx, bw = x(i, b), slot * 0.62
        if b.value is not None:
            fill = "#afb8c1" if b.muted else "#0969da"
            out.append(
                f"<rect x='{cx - bw / 2:.1f}' y='{y(b.value):.1f}' width='{bw:.1f}' "
                f"height='{base - y(b.value):.1f}' fill='{fill}'><title>{escape(b.label)}: "
                f"{_fmt(b.value, percent, digits)}</title></rect>"
            )
            top = y(max(b.value, b.high or b.value))
            out.append(
                f"<text x='{cx:.1f}' y='{top - 4:.1f}' font-size='10' text-anchor='middle'>"
                f"{_fmt(b.value, percent, digits)}</text>"
            )
        if b.low is not None and b.high is not None:
            out.append(
                f"<line x1='{cx:.1f}' x2='{cx:.1f}' y1='{y(b.low):.1f}' y2='{y(b.high):.1f}' "
                f"stroke='#1f2328' stroke-width='2'/>"
            )
        if b.note:
            out.append(
                f"<text x='{cx:.1f}' y='{base - 6}' font-size='9' fill='#656d76' "
                f"text-anchor='middle'>{escape(b.note)}</text>"
            )
        if i % every == 0:
            out.append(
                f"<text x='{cx:.1f}' y='{base + 14}' font-size='10' text-anchor='middle'>"
                f"{escape(b.label[:cut])}</text>"
            )
    out.append("</svg>")
    return Markup("".join(out))  # numbers, constants and escaped labels only
