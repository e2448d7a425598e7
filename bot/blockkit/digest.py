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


@dataclass(frozen=True)
class DigestWords:
    """What one product's digest calls things (churn: accounts at risk; leads: hot leads)."""

    name: str  # "digest" or "lead digest"
    people: str  # who reports to the manager
    count: str  # the headline count's noun
    quiet: str
    parts: tuple[tuple[str, str], ...]  # (title, empty line) for top, unacted, overdue, saves
    arr: bool  # a headline ARR figure (a lead has none)


CHURN_WORDS = DigestWords(
    name="digest",
    people="CSMs",
    count="at risk",
    quiet="Quiet week: nothing at risk, no alert waiting, no play overdue, no save to report.",
    parts=(
        ("Open at-risk accounts, most ARR first", "Nothing at risk."),
        ("Alerts nobody acted on", "Every alert has an action."),
        ("Overdue plays", "No play is overdue."),
        ("Saves confirmed last week", "No outcome confirmed a save."),
    ),
    arr=True,
)
LEAD_WORDS = DigestWords(
    name="lead digest",
    people="SDRs or AEs",
    count="hot leads",
    quiet="Quiet week: no hot lead, no lead waiting, no play overdue, no conversion to report.",
    parts=(
        ("Hot open leads, most likely to convert first", "No hot lead."),
        ("Lead alerts nobody acted on", "Every lead alert has an action."),
        ("Overdue plays", "No play is overdue."),
        ("Conversions confirmed last week", "No acted-on lead converted."),
    ),
    arr=False,
)


def render_digest(view: DigestView) -> tuple[str, list[dict[str, Any]]]:
    """The notification text and the blocks of ``view``'s DM, in its product's words: hot
    leads, lead alerts nobody acted on, overdue plays and conversions for a lead product (no
    ARR: a lead has none); accounts at risk by ARR and confirmed saves for churn."""
    words = LEAD_WORDS if view.entity == "lead" else CHURN_WORDS
    week = f"week of {long_date(view.monday)}"
    if not view.has_team:
        text = (
            f"Your atrisk {words.name}, {week}: no {words.people} report to you in atrisk's "
            "team table, so there is nothing to summarise. Ask your atrisk admin to set "
            f"`manager_email` on your {'reps' if view.entity == 'lead' else 'CSMs'}' rows."
        )
        return text, [_section(text)]
    rate = percent(view.adoption) if view.adoption is not None else "no alerts sent"
    arr = f"ARR at risk {view.arr_at_risk:,.0f} · " if words.arr else ""
    title = "Your team's lead digest" if view.entity == "lead" else "Your team's atrisk digest"
    head = (
        f"*{title} — {week}*\n{view.at_risk} {words.count} · {arr}"
        f"{view.unacted_total} alerted, nobody acted · {view.overdue_total} plays overdue · "
        f"adoption {rate} ({view.tier})"
    )
    if view.quiet:
        return f"atrisk {words.name}, {week}: quiet week", [_section(f"{head}\n{words.quiet}")]
    sections = (view.top, view.unacted, view.overdue, view.saves)
    blocks = [_section(head)] + [
        _part(title, lines, empty)
        for (title, empty), lines in zip(words.parts, sections, strict=True)
    ]
    summary = f"{view.at_risk} {words.count}, {view.unacted_total} unacted"
    return f"atrisk {words.name}, {week}: {summary}", blocks
