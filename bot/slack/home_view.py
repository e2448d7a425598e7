"""The App Home tab (Block Kit, pure): the caller's open churn alerts and open lead alerts
apart, their open plays (overdue first) and this week's actions. Every data string goes
through ``safe``; a channel is linked only when it is a channel id.
"""

from __future__ import annotations

from typing import Any

from bot.answers.activity import HomeAnswer
from bot.blockkit.alerts import percent, portfolio_phrase, severity, short_date
from bot.blockkit.text import safe
from bot.slack.views import MAX_HOME_BLOCKS, SLACK_CHANNEL_ID, acted_words, banner, context, section
from scoring.rules import RULES_NOTE

RULES_HOME = f"Risk comes from the rules score: {RULES_NOTE}."


def _open_alerts(answer: HomeAnswer) -> list[dict[str, Any]]:
    """The churn product's open alerts in the caller's scope."""
    blocks = [section(f"*Open alerts* — {safe(answer.label, 100)}, last {answer.open_days} days")]
    if not answer.open_alerts:
        blocks.append(context("Nothing open: every alert has been acted on."))
    for a in answer.open_alerts:
        where = f" in <#{a.channel}>" if a.channel and SLACK_CHANNEL_ID.match(a.channel) else ""
        level = severity(a.risk)
        text = (
            f"*{safe(a.account, 150)}* · {level} · {percent(a.risk)} · {short_date(a.as_of)}{where}"
        )
        if a.csm is not None:
            text += f" · CSM {safe(a.csm, 150)}"
        if a.portfolio is not None:
            text += f"\n{portfolio_phrase(*a.portfolio)}"
        if a.reason:
            text += f"\n{safe(a.reason, 300)}"
        blocks.append(section(text))
    return blocks


def _open_leads(answer: HomeAnswer) -> list[dict[str, Any]]:
    """The lead product's open alerts: the lead's company, its chance to convert, its owner."""
    blocks = [
        {"type": "divider"},
        section(f"*Hot leads* — open, {safe(answer.label, 100)}, last {answer.open_days} days"),
    ]
    if not answer.open_leads:
        blocks.append(context("No lead waiting: every lead alert has been acted on."))
    for a in answer.open_leads:
        where = f" in <#{a.channel}>" if a.channel and SLACK_CHANNEL_ID.match(a.channel) else ""
        text = (
            f"*{safe(a.account, 150)}* · {percent(a.risk)} likely to convert · "
            f"{short_date(a.as_of)}{where}"
        )
        if a.csm is not None:
            text += f" · owner {safe(a.csm, 150)}"
        if a.reason:
            text += f"\n{safe(a.reason, 300)}"
        blocks.append(section(text))
    return blocks


def home(answer: HomeAnswer) -> dict[str, Any]:
    """The Home tab: open alerts, my open plays (overdue first) and this week's actions."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "atrisk", "emoji": True}},
        *banner(answer.served),
        *(
            [context(f"Risk comes from the rules score: {RULES_NOTE}.")]
            if answer.rules_score
            else []
        ),
    ]
    if answer.entity == "account" or answer.open_alerts:
        blocks += _open_alerts(answer)
    if answer.entity == "lead" or answer.open_leads:
        blocks += _open_leads(answer)
    blocks += [{"type": "divider"}, section("*My open plays* — overdue first")]
    if not answer.plays:
        blocks.append(context("No open plays."))
    for play in answer.plays[:20]:
        due = f"due {short_date(play.due_on)}" if play.due_on else "no due date"
        mark = "⚠️ overdue, " if play.overdue else ""
        text = f"*{safe(play.account, 150)}* · {safe(play.title, 200)} · {mark}{due}"
        blocks.append(section(text))
    blocks += [{"type": "divider"}, section("*Actions this week*")]
    if not answer.actions:
        blocks.append(context("No actions yet this week."))
    for done in answer.actions:
        blocks.append(section(f"*{safe(done.account, 150)}*: {acted_words(done.acted)}"))
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}
