"""Block Kit for the at-risk queue (``/atrisk``, ``top N``, ``unacted``, ``by arr``, ``csm``)
and the per-CSM ``/atrisk team`` answer. Pure; data text goes through ``safe``.
"""

from __future__ import annotations

from typing import Any

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
