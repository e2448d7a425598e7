"""Block Kit for the at-risk queue (``/atrisk``, ``top N``, ``unacted``, ``by arr``, ``csm``)
and the per-CSM ``/atrisk team`` answer. Pure; data text goes through ``safe``.
"""

from __future__ import annotations

from typing import Any

from bot.answers.leads import LeadLine, LeadsAnswer
from bot.answers.lookups import TopAnswer
from bot.answers.queue import TeamAnswer
from bot.blockkit.alerts import long_date
from bot.blockkit.text import safe
from bot.daily.fallback import Serving
from bot.slack.views import account_line, banner, context, message, no_scores, section

FOOTER = "`/atrisk <account>` for one account · `/atrisk top 25 by arr` · `/atrisk help` for more"


def money(amount: float) -> str:
    """A short amount: ``950``, ``412k``, ``1.2M``."""
    if abs(amount) >= 1e6:
        return f"{amount / 1e6:.1f}M"
    if abs(amount) >= 1e3:
        return f"{amount / 1e3:.0f}k"
    return f"{amount:.0f}"


def _scored(served: Serving) -> str:
    return f" (scored {long_date(served.scored_on)})" if served.scored_on else ""


def headline(answer: TopAnswer) -> str:
    """``top 10 of 57 at risk · ARR at risk 412k · 12 alerted, nobody acted``."""
    order = " by ARR" if answer.sort == "arr" else ""
    n = len(answer.lines)
    if answer.only_unacted:
        head = f"{n} of {answer.unacted} alerted with nobody acting{order}"
        return f"{head} · {answer.at_risk} at risk · ARR at risk {money(answer.arr_at_risk)}"
    head = f"top {n} of {answer.at_risk} at risk{order}"
    head += f" · ARR at risk {money(answer.arr_at_risk)}"
    return head + f" · {answer.unacted} alerted, nobody acted"


def top(answer: TopAnswer) -> dict[str, Any]:
    """The queue: a headline with the counts, then one line per account with its CSM and
    whether anyone acted."""
    title = f"At risk — {safe(answer.label, 200)}{_scored(answer.served)}"
    blocks = [*banner(answer.served), section(f"*{title}*")]
    if answer.served.run_id is None:
        return message(title, [*blocks, no_scores()])
    if not answer.lines:
        empty = "No account is flagged at risk."
        if answer.only_unacted:
            empty = "Nobody left unacted: every alert has an action or a play."
        blocks[-1] = section(f"*{title}*\n{headline(answer)}\n{empty}")
        return message(title, blocks)
    blocks[-1] = section(f"*{title}*\n{headline(answer)}")
    blocks += [section(account_line(n, line)) for n, line in enumerate(answer.lines, 1)]
    blocks.append(context(safe(FOOTER, 300)))
    return message(f"{title}: {headline(answer)}", blocks)


def team(answer: TeamAnswer) -> dict[str, Any]:
    """``/atrisk team``: one line per CSM, most ARR at risk first."""
    title = f"Team queue — {safe(answer.label, 200)}{_scored(answer.served)}"
    blocks = [*banner(answer.served), section(f"*{title}*")]
    if answer.served.run_id is None:
        return message(title, [*blocks, no_scores()])
    if not answer.csms:
        return message(title, [*blocks, section("No account is flagged at risk.")])
    for load in answer.csms[:40]:
        text = f"*{safe(load.csm, 100)}* · {load.at_risk} at risk · "
        text += f"ARR at risk {money(load.arr_at_risk)} · {load.unacted} alerted, nobody acted"
        blocks.append(section(text))
    blocks.append(context(safe("`/atrisk csm <name>` for one CSM's queue", 200)))
    return message(title, blocks)


def lead_line(n: int, line: LeadLine, horizon_days: int) -> str:
    """``1. *Acme* · 62% in 14 days · Emma Rossi`` then the reasons and who acted (escaped)."""
    head = f"{n}. *{safe(line.company, 150)}* · {line.probability:.0%} in {horizon_days} days"
    head += f" · {safe(line.owner, 100)}"
    why = "; ".join(safe(r, 200) for r in line.reasons)
    if line.acted:
        done = f"✅ {safe(line.acted, 200)}"
    else:
        done = "alerted, nobody acted yet" if line.alerted else "not alerted"
    return "\n".join(part for part in (head, why, done) if part)


def leads(answer: LeadsAnswer) -> dict[str, Any]:
    """``/atrisk leads``: the hottest open leads, each with its chance, reasons, owner, action."""
    scored = f" (scored {long_date(answer.scored_on)})" if answer.scored_on else ""
    title = f"Hot leads — {safe(answer.label, 200)}{scored}"
    if answer.scored_on is None:
        return message(title, [section(f"*{title}*\nNo lead has been scored yet.")])
    if not answer.lines:
        return message(title, [section(f"*{title}*\nNo open lead is flagged hot.")])
    head = f"top {len(answer.lines)} of {answer.hot} hot"
    blocks = [section(f"*{title}*\n{head}")]
    blocks += [
        section(lead_line(n, line, answer.horizon_days)) for n, line in enumerate(answer.lines, 1)
    ]
    blocks.append(context(safe("`/atrisk leads 25` for more · `/atrisk help`", 200)))
    return message(f"{title}: {head}", blocks)


def lead_lookup(answer: LeadsAnswer, query: str) -> dict[str, Any]:
    """``/atrisk <company or lead id>`` under a lead spec: the matching leads, or a plain no."""
    asked = safe(query, 100)
    if answer.scored_on is None:
        text = "No lead has been scored yet."
        return message(text, [section(text)])
    if not answer.lines:
        text = f"No lead in your scope matches “{asked}” (by company or lead id)."
        hint = "`/atrisk leads` lists your hot leads · `/atrisk help`"
        return message(text, [section(text), context(hint)])
    title = f"Leads matching “{asked}” (scored {long_date(answer.scored_on)})"
    head = f"{len(answer.lines)} of {answer.hot}" if answer.hot > len(answer.lines) else ""
    blocks = [section(f"*{title}*" + (f"\n{head}" if head else ""))]
    blocks += [
        section(lead_line(n, line, answer.horizon_days)) for n, line in enumerate(answer.lines, 1)
    ]
    return message(f"{len(answer.lines)} leads match “{asked}”", blocks)
