"""Block Kit for the Monday digest DM. Pure: a ``DigestView`` in, text and blocks out.

Data text (account, CSM and playbook names) goes through ``safe``; each line links to its
alert's Slack message when the alert was posted (``https://slack.com/archives/<channel>/p<ts>``,
built only from a validated channel id and ts).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from bot.blockkit.alerts import MAX_SECTION_TEXT, long_date, percent
from bot.blockkit.text import clip, safe

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
MESSAGE_TS = re.compile(r"^\d{6,12}\.\d{1,8}$")


@dataclass(frozen=True)
class DigestLine:
    """One account line: its name, what to say about it, and where its alert was posted."""

    account: str
    detail: str
    channel: str | None = None
    ts: str | None = None


@dataclass
class DigestView:
    """A manager's week: counts, lines per section (at most ten each), adoption (0–1)."""

    manager: str
    monday: dt.date
    has_team: bool
    at_risk: int = 0
    arr_at_risk: float = 0.0
    top: list[DigestLine] = field(default_factory=list)
    unacted_total: int = 0
    unacted: list[DigestLine] = field(default_factory=list)
    overdue_total: int = 0
    overdue: list[DigestLine] = field(default_factory=list)
    saves: list[DigestLine] = field(default_factory=list)
    adoption: float | None = None
    tier: str = "no alerts"
    entity: str = "account"  # ``lead``: hot leads, their owners and conversions

    @property
    def quiet(self) -> bool:
        return not (self.top or self.unacted or self.overdue or self.saves)


def link(line: DigestLine) -> str:
    """The account's name, linked to its alert when the alert's place is known."""
    name = safe(line.account, 150)
    if line.channel and line.ts and CHANNEL_ID.match(line.channel) and MESSAGE_TS.match(line.ts):
        return f"<https://slack.com/archives/{line.channel}/p{line.ts.replace('.', '')}|{name}>"
    return name


def _section(text: str) -> dict[str, Any]:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT), "verbatim": True},
    }


def _part(title: str, lines: list[DigestLine], empty: str) -> dict[str, Any]:
    body = "\n".join(f"• {link(x)} · {safe(x.detail, 300)}" for x in lines) or f"_{empty}_"
    return _section(f"*{title}*\n{body}")


def render_lead_digest(view: DigestView) -> tuple[str, list[dict[str, Any]]]:
    """A lead product's digest: hot leads by chance to convert, lead alerts nobody acted on,
    overdue plays and conversions confirmed last week (no ARR: a lead has none)."""
    week = f"week of {long_date(view.monday)}"
    if not view.has_team:
        text = (
            f"Your atrisk lead digest, {week}: no SDRs or AEs report to you in atrisk's team "
            "table, so there is nothing to summarise. Ask your atrisk admin to set "
            "`manager_email` on your reps' rows."
        )
        return text, [_section(text)]
    rate = percent(view.adoption) if view.adoption is not None else "no alerts sent"
    head = (
        f"*Your team's lead digest — {week}*\n{view.at_risk} hot leads · "
        f"{view.unacted_total} alerted, nobody acted · {view.overdue_total} plays overdue · "
        f"adoption {rate} ({view.tier})"
    )
    if view.quiet:
        text = "Quiet week: no hot lead, no lead waiting, no play overdue, no conversion to report."
        return f"atrisk lead digest, {week}: quiet week", [_section(f"{head}\n{text}")]
    blocks = [
        _section(head),
        _part("Hot open leads, most likely to convert first", view.top, "No hot lead."),
        _part("Lead alerts nobody acted on", view.unacted, "Every lead alert has an action."),
        _part("Overdue plays", view.overdue, "No play is overdue."),
        _part("Conversions confirmed last week", view.saves, "No acted-on lead converted."),
    ]
    return f"atrisk lead digest, {week}: {view.at_risk} hot leads, {view.unacted_total} unacted", (
        blocks
    )


def render_digest(view: DigestView) -> tuple[str, list[dict[str, Any]]]:
    """The notification text and the blocks of ``view``'s DM (a lead product's:
    ``render_lead_digest``)."""
    if view.entity == "lead":
        return render_lead_digest(view)
    week = f"week of {long_date(view.monday)}"
    if not view.has_team:
        text = (
            f"Your atrisk digest, {week}: no CSMs report to you in atrisk's team table, so "
            "there is nothing to summarise. Ask your atrisk admin to set `manager_email` on "
            "your CSMs' rows."
        )
        return text, [_section(text)]
    rate = percent(view.adoption) if view.adoption is not None else "no alerts sent"
    head = (
        f"*Your team's atrisk digest — {week}*\n{view.at_risk} at risk · "
        f"ARR at risk {view.arr_at_risk:,.0f} · {view.unacted_total} alerted, nobody acted · "
        f"{view.overdue_total} plays overdue · adoption {rate} ({view.tier})"
    )
    if view.quiet:
        text = "Quiet week: nothing at risk, no alert waiting, no play overdue, no save to report."
        return f"atrisk digest, {week}: quiet week", [_section(f"{head}\n{text}")]
    blocks = [
        _section(head),
        _part("Open at-risk accounts, most ARR first", view.top, "Nothing at risk."),
        _part("Alerts nobody acted on", view.unacted, "Every alert has an action."),
        _part("Overdue plays", view.overdue, "No play is overdue."),
        _part("Saves confirmed last week", view.saves, "No outcome confirmed a save."),
    ]
    return f"atrisk digest, {week}: {view.at_risk} at risk, {view.unacted_total} unacted", blocks
