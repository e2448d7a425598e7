"""The report as one self-contained HTML page with inline SVG charts (no scripts, no downloads)."""

from __future__ import annotations

from html import escape
from typing import Any

W, H, PAD = 640, 220, 36
TIER_COLOURS = {
    "best-in-class": "#1a7f37",
    "healthy": "#2da44e",
    "at risk": "#bf8700",
    "failing": "#cf222e",
    "no alerts": "#8c959f",
}


def _pct(v: Any) -> str:
    return "—" if v is None else f"{float(v):.0%}"


def _num(v: Any, fmt: str = "{:,.1f}") -> str:
    return "—" if v is None else fmt.format(float(v))


def _bars(
    values: list[tuple[str, float | None]],
    *,
    max_value: float = 1.0,
    lines: tuple[tuple[float, str, str], ...] = (),
    percent: bool = True,
    whiskers: list[tuple[float | None, float | None]] | None = None,
) -> str:
    """A vertical bar chart; ``lines`` are horizontal references (value, label, colour)."""
    if not values:
        return "<p class='empty'>No data yet.</p>"
    n = len(values)
    bw = (W - 2 * PAD) / n

    def y(v: float) -> float:
        return H - PAD - (H - 2 * PAD) * min(v, max_value) / max_value

    parts = [f"<svg viewBox='0 0 {W} {H}' role='img' width='{W}' height='{H}'>"]
    parts.append(f"<line x1='{PAD}' y1='{H - PAD}' x2='{W - PAD}' y2='{H - PAD}' stroke='#888'/>")
    for ref, ref_label, colour in lines:
        parts.append(
            f"<line x1='{PAD}' y1='{y(ref):.1f}' x2='{W - PAD}' y2='{y(ref):.1f}' "
            f"stroke='{colour}' stroke-dasharray='4 3'/><text x='{W - PAD + 2}' "
            f"y='{y(ref) + 4:.1f}' font-size='10' fill='{colour}'>{escape(ref_label)}</text>"
        )
    for i, (label, value) in enumerate(values):
        x = PAD + i * bw + bw * 0.15
        if value is not None:
            parts.append(
                f"<rect x='{x:.1f}' y='{y(value):.1f}' width='{bw * 0.7:.1f}' "
                f"height='{H - PAD - y(value):.1f}' fill='#0969da'><title>{escape(label)}: "
                f"{_pct(value) if percent else _num(value)}</title></rect>"
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
    return "".join(parts)


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str, str]]) -> str:
    """columns: (key, heading, kind) with kind in text|pct|num|int."""
    if not rows:
        return "<p class='empty'>No data yet.</p>"
    fmt = {
        "pct": _pct,
        "num": _num,
        "num3": lambda v: _num(v, "{:.3f}"),
        "int": lambda v: "—" if v is None else f"{int(v):,}",
        "text": lambda v: "—" if v is None else str(v),
    }
    head = "".join(f"<th>{escape(h)}</th>" for _, h, _ in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(fmt[k](r.get(c)))}</td>" for c, _, k in columns) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _kill_switch(acc: dict[str, Any]) -> str:
    """The live model's reading the daily job compares with the floor, in one line."""
    live = acc.get("kill_switch")
    if not live or not live.get("model_version"):
        return ""
    return (
        f"<p>Live model {escape(str(live['model_version']))} (what the kill switch reads): "
        f"{escape(str(live['text']))}.</p>"
    )


def render_html(
    report: dict[str, Any], *, title: str = "atrisk — is the loop used, does it work"
) -> str:
    s = report["summary"]
    tier = s["latest_tier"]
    weekly = report["weekly_adoption"]
    acc = report["accuracy"]
    retention = report["retention"]
    sections = [
        f"<h1>{escape(title)}</h1><p class='muted'>Generated {escape(report['generated_on'])}</p>",
        "<div class='cards'>"
        f"<div><b>{_pct(s['latest_weekly_adoption_rate'])}</b>adoption, last full week "
        f"<span class='tier' style='background:{TIER_COLOURS.get(tier, '#888')}'>"
        f"{escape(tier)}</span></div>"
        f"<div><b>{s['posted']:,}</b>alerts posted</div>"
        f"<div><b>{_pct(s['action_rate'])}</b>acted on</div>"
        f"<div><b>{_num(s['median_hours_to_action'])} h</b>median time to action</div>"
        f"<div><b>{_pct(s['retention_lift_acted_vs_holdout'])}</b>retention lift vs holdout</div>"
        "</div>",
        "<h2>Weekly adoption rate</h2><p class='muted'>CSMs who acted on at least one alert / "
        "CSMs who received one. Tiers: best-in-class &gt; 70 %, healthy 40–70 %, at risk 20–40 %, "
        "failing &lt; 20 %.</p>",
        _bars(
            [(str(w["week"]), w["adoption_rate"]) for w in weekly],
            lines=((0.7, "70 %", "#1a7f37"), (0.4, "40 %", "#bf8700"), (0.2, "20 %", "#cf222e")),
        ),
        _table(
            weekly,
            [
                ("week", "week", "text"),
                ("csms_alerted", "CSMs alerted", "int"),
                ("csms_acted", "CSMs who acted", "int"),
                ("adoption_rate", "rate", "pct"),
                ("tier", "tier", "text"),
                ("alerts", "alerts", "int"),
                ("actions", "actions", "int"),
            ],
        ),
        "<h2>30-day retention: acted, not acted, holdout</h2><p class='muted'>Bars with 95 % "
        "Wilson intervals. The holdout is a random control group that was flagged but not "
        "posted.</p>",
        _bars(
            [(r["group"], r["rate"]) for r in retention],
            whiskers=[(r["ci_low"], r["ci_high"]) for r in retention],
        ),
        _table(
            retention,
            [
                ("group", "group", "text"),
                ("n", "alerts", "int"),
                ("retained", "retained", "int"),
                ("rate", "retention", "pct"),
                ("ci_low", "95 % low", "pct"),
                ("ci_high", "95 % high", "pct"),
            ],
        ),
        "<h2>Per CSM</h2>",
        _table(
            report["per_csm"],
            [
                ("csm", "CSM", "text"),
                ("alerts", "alerts", "int"),
                ("acted", "acted", "int"),
                ("dismissed", "dismissed", "int"),
                ("action_rate", "action rate", "pct"),
                ("median_hours_to_action", "median h to action", "num"),
            ],
        ),
        "<h2>Per playbook</h2>",
        _table(
            report["per_playbook"],
            [
                ("playbook_id", "playbook", "text"),
                ("chosen", "chosen", "int"),
                ("matured", "matured", "int"),
                ("retention", "30-day retention", "pct"),
            ],
        ),
        "<h2>Dismissals</h2>",
        _table(report["dismissals"], [("reason", "reason", "text"), ("count", "count", "int")]),
        f"<h2>Model accuracy on matured outcomes</h2><p class='muted'>"
        f"{escape(acc['metric_name'])} per scoring day; "
        f"target {acc['target']:.2f}, floor {acc['floor']:.2f}.</p>",
        _kill_switch(acc),
        _bars(
            [(str(r["as_of"]), r["value"]) for r in acc["by_day"]],
            percent=False,
            lines=((acc["target"], "target", "#1a7f37"), (acc["floor"], "floor", "#cf222e")),
        ),
        _table(
            acc["by_day"],
            [
                ("as_of", "scored on", "text"),
                ("accounts", "accounts", "int"),
                ("churned", "churned within horizon", "int"),
                ("value", acc["metric_name"], "num3"),
            ],
        ),
        "<h2>Feature drift (latest run)</h2>"
        f"<p class='muted'>Population stability index; over {report['drift']['threshold']} "
        "is drift.</p>",
        _table(
            report["drift"]["features"][:15],
            [
                ("feature", "feature", "text"),
                ("psi", "PSI", "num3"),
                ("drifted", "drifted", "text"),
            ],
        ),
    ]
    style = (
        "body{font:14px/1.45 system-ui,sans-serif;max-width:980px;margin:2em auto;color:#1f2328}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #d0d7de;"
        "padding:4px 10px;text-align:left}.muted,.empty{color:#656d76}.cards{display:flex;gap:12px;"
        "flex-wrap:wrap}.cards div{border:1px solid #d0d7de;border-radius:8px;padding:10px 14px}"
        ".cards b{display:block;font-size:22px}.tier{color:#fff;border-radius:10px;padding:0 8px}"
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title><style>{style}</style></head><body>{''.join(sections)}</body></html>"
    )
