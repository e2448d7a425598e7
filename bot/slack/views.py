"""Block Kit for ``/atrisk`` answers and the App Home. Pure. (The "Not a risk" modal is in
``bot.slack.dismissal_form``; its names are importable from here too.)

Every string that comes from data or from what someone typed is escaped, stripped of
bidi controls and clipped (``bot.blockkit.text.safe``), in the notification text as in the
blocks; mrkdwn is ``verbatim`` so nothing turns into a link or a mention. The only mentions
are atrisk's own: a CSM or an owner by validated id, a channel by validated id. Answers stay
within Block Kit's limits (50 blocks a message, 100 a Home tab).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from bot.answers.activity import AdoptionAnswer
from bot.answers.lookups import AccountLine, Acted, LookupAnswer
from bot.blockkit.alerts import (
    MAX_SECTION_TEXT,
    SLACK_USER_ID,
    long_date,
    percent,
    portfolio_phrase,
    risk_change,
    severity,
    short_date,
)
from bot.blockkit.text import clip, safe
from bot.daily.fallback import Serving
from bot.daily.status import Status
from bot.report.adoption import AdoptionWeek
from bot.slack.dismissal_form import (  # the "Not a risk" modal, named here as before
    DISMISSAL_CALLBACK as DISMISSAL_CALLBACK,
)
from bot.slack.dismissal_form import NOTE_ACTION as NOTE_ACTION
from bot.slack.dismissal_form import NOTE_BLOCK as NOTE_BLOCK
from bot.slack.dismissal_form import REASON_ACTION as REASON_ACTION
from bot.slack.dismissal_form import REASON_BLOCK as REASON_BLOCK
from bot.slack.dismissal_form import closed_form as closed_form
from bot.slack.dismissal_form import dismissal_answer as dismissal_answer
from bot.slack.dismissal_form import dismissal_modal as dismissal_modal
from scoring.evaluate import METRIC_NAMES
from scoring.rules import RULES_NOTE

MAX_MESSAGE_BLOCKS = 50
MAX_HOME_BLOCKS = 100
SLACK_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")

COMMANDS = (
    ("/atrisk", "the at-risk queue you look after (your team's, for managers): top 10"),
    ("/atrisk top 25 [by arr]", "more of the queue, riskiest or most ARR first"),
    ("/atrisk unacted", "at-risk accounts alerted with nobody acting yet"),
    ("/atrisk team", "per CSM: accounts at risk, ARR at risk, nobody acted"),
    ("/atrisk leads [N]", "the hottest open leads: chance to convert, why, owner, who acted"),
    ("/atrisk <account name or id>", "one account: risk, reasons, and who acted"),
    ("/atrisk csm @someone", "one CSM's accounts (a name or part of one works too)"),
    ("/atrisk report", "adoption over the last 7 days"),
    ("/atrisk status", "model, last run, freshness, fallback"),
    ("/atrisk help", "this message"),
    ("/atrisk model disable <reason> | enable", "admins only: the kill switch"),
)
#: ``/atrisk help`` under a lead spec: what the lead app answers, in leads and their owners
LEAD_COMMANDS = (
    ("/atrisk", "the hot leads you own (your team's, for managers): top 10"),
    ("/atrisk leads [N]", "more of them: chance to convert, why, owner, who acted"),
    ("/atrisk <company or lead id>", "one lead: chance to convert, reasons, and who acted"),
    *COMMANDS[-4:],  # report, status, help, the kill switch
)


def _md(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT), "verbatim": True}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _md(text)}


def context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_md(text)]}


def message(text: str, blocks: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """An ephemeral answer: notification text plus blocks (or the text as one section).

    ``text`` is atrisk's words with any data in it already ``safe``, like the blocks."""
    body = list(blocks) or [section(text)]
    return {
        "response_type": "ephemeral",
        "text": clip(text, 3000),
        "blocks": body[:MAX_MESSAGE_BLOCKS],
    }


def notice(text: str) -> dict[str, Any]:
    """A plain sentence (escaped) as an ephemeral answer."""
    return message(safe(text, MAX_SECTION_TEXT))


def banner(served: Serving) -> list[dict[str, Any]]:
    return [section(f"⏸️ {safe(served.banner, 500)}")] if served.banner else []


def _who(acted: Acted) -> str:
    if acted.who:
        return safe(acted.who, 100)
    if acted.who_slack_id and SLACK_USER_ID.match(acted.who_slack_id):
        return f"<@{acted.who_slack_id}>"
    return "Someone"


def acted_words(acted: Acted) -> str:
    """``Jane chose *Integration health check* on 3 Dec`` (escaped)."""
    return f"{_who(acted)} chose *{safe(acted.what, 200)}* on {short_date(acted.on)}"


def already_handled(acted: Acted) -> dict[str, Any]:
    """The ephemeral answer to a click on an alert that already has an action."""
    return message(f"Already handled: {acted_words(acted)}.")


def _risk(line: AccountLine) -> str:
    """The account's state in words: churned, not yet scored, or its risk (and whether it
    is below the alert line)."""
    if line.churned_on is not None:
        return f"churned on {long_date(line.churned_on)}"
    if line.risk is None:
        return "not yet scored"
    text = f"{severity(line.risk)} · {risk_change(line.risk, line.previous_risk)}"
    if line.portfolio is not None:
        text += " · " + portfolio_phrase(*line.portfolio, whose=f"{safe(line.csm, 100)}'s")
    return text + (" · below the alert line" if line.flagged is False else "")


def _status_of(line: AccountLine) -> str:
    if line.acted is not None:
        return f"✅ {acted_words(line.acted)}"
    if line.alerted_on is not None:
        return f"alerted {short_date(line.alerted_on)}, no action yet"
    return "not alerted"


def account_line(n: int | None, line: AccountLine) -> str:
    title = safe(line.name, 150)
    head = f"*{n}. {title}*" if n else f"*{title}*"
    facts = [_risk(line)]
    if line.arr is not None:
        facts.append(f"ARR {line.arr:,.0f}")
    text = f"{head} · {' · '.join(facts)}"
    if line.top_reason:
        text += f"\n{safe(line.top_reason, 300)}"
    return text + f"\n_CSM {safe(line.csm, 100)} · {_status_of(line)}_"


def no_scores() -> dict[str, Any]:
    return section("No scores yet: the daily run has not scored any accounts.")


def _detail(line: AccountLine, served: Serving) -> list[dict[str, Any]]:
    facts = [f"*Risk* {_risk(line)}"]
    if line.arr is not None:
        facts.append(f"*ARR* {line.arr:,.0f}")
    if line.segment:
        facts.append(f"*Segment* {safe(line.segment, 100)}")
    if line.renewal_date:
        facts.append(f"*Renewal* {long_date(line.renewal_date)}")
    facts.append(f"*CSM* {safe(line.csm, 100)}")
    text = f"*{safe(line.name, 150)}* ({safe(line.account_id, 128)})\n" + " · ".join(facts)
    blocks = [*banner(served), section(text)]
    if line.reasons:
        why = "\n".join(f"• {safe(r, 800)}" for r in line.reasons)
        blocks.append(section(f"Why it is at risk:\n{why}"))
    blocks.append(context(_status_of(line)))
    return blocks


def _meant(answer: LookupAnswer) -> list[dict[str, Any]]:
    if not answer.did_you_mean:
        return []
    return [context(f"Or did you mean `{safe(answer.did_you_mean, 150)}`?")]


def lookup(answer: LookupAnswer) -> dict[str, Any]:
    """``/atrisk <name or id>``: one account, a short list, or "did you mean"."""
    asked = safe(answer.query, 100)
    if answer.account is not None:
        line = answer.account
        blocks = _detail(line, answer.served) + _meant(answer)
        return message(f"{safe(line.name, 150)}: {_risk(line)}", blocks)
    if answer.matches:
        blocks = [*banner(answer.served), section(f"Accounts matching “{asked}”:")]
        blocks += [section(account_line(None, line)) for line in answer.matches]
        blocks.append(context("Ask again with the exact name or id for the details."))
        blocks += _meant(answer)
        return message(f"{len(answer.matches)} accounts match “{asked}”", blocks)
    text = f"No account in your scope matches “{asked}”."
    if answer.did_you_mean:
        text += f" Did you mean `{safe(answer.did_you_mean, 150)}`?"
    elif answer.suggestions:
        text += " Did you mean " + " or ".join(f"“{safe(s, 150)}”" for s in answer.suggestions)
        text += "?"
    return message(text, [section(text), context("`/atrisk help` lists what I can answer.")])


def _week_line(week: AdoptionWeek, lead: bool = False) -> str:
    dismissed, people = (
        ("dismissed as not a fit", "owners") if lead else ("dismissed as not a risk", "CSMs")
    )
    return (
        f"{week.alerts} alerts sent · playbook chosen on *{week.acted}* "
        f"({percent(week.action_rate or 0.0)}) · {dismissed}: {week.dismissed} · "
        f"{people} who chose a playbook / {people} alerted: "
        f"*{week.csms_acted} / {week.csms_alerted}*"
    )


def report(answer: AdoptionAnswer, *, lead: bool = False) -> dict[str, Any]:
    """``/atrisk report``: adoption of the last full week with alerts, and this week so far;
    ``lead`` speaks of lead owners and leads dismissed as not a fit instead of CSMs and risks."""
    title = f"Adoption — {safe(answer.label, 200)}"
    lines = [f"*{title}*"]
    if answer.latest is None:
        lines.append("No full week with alerts yet: adoption is not graded.")
    else:
        w = answer.latest
        lines.append(
            f"Week of {long_date(w.week)}: adoption *{percent(w.adoption_rate or 0.0)}* ({w.tier})"
        )
        lines.append(_week_line(w, lead))
    if answer.current is not None:
        lines.append(f"This week so far (not graded): {_week_line(answer.current, lead)}")
    blocks = [*banner(answer.served), section("\n".join(lines))]
    who = "Lead owners" if lead else "CSMs"
    blocks.append(
        context(
            f"Adoption: {who} who chose a playbook on at least one of their alerts in the week. "
            "Tiers: best-in-class > 70 % · healthy 40–70 % · at risk 20–40 % · failing below 20 %"
        )
    )
    return message(title, blocks)


def _when(at: dt.datetime | None) -> str:
    return f" on {long_date(at.date())}" if at else ""


def status(answer: Status) -> dict[str, Any]:
    """``/atrisk status``: model, kill switch, last run, freshness, fallback and why."""
    model = "no live model yet"
    if answer.live_model:
        model = f"`{safe(answer.live_model, 64)}`"
        if answer.live_model_kind == "rules":
            model = f"the rules score {model} ({RULES_NOTE})"
        if answer.live_model_trained_as_of:
            model += f", trained on data to {long_date(answer.live_model_trained_as_of)}"
        if answer.model_metric:
            name = METRIC_NAMES.get(answer.model_metric[0], answer.model_metric[0])
            period = (
                "the labelled history" if answer.live_model_kind == "rules" else "the test period"
            )
            model += f", {safe(name, 64)} {answer.model_metric[1]:.3f} on {period}"
    state = f"*{safe(answer.model_state, 32)}*"
    if answer.state_reason:
        state += f": {safe(answer.state_reason, 500)}"
    if answer.state_changed_by and answer.model_state != "active":
        state += f" (by {safe(answer.state_changed_by, 100)}{_when(answer.state_changed_at)})"
    run = "no scoring run yet"
    if answer.last_run:
        r = answer.last_run
        run = f"{long_date(r.as_of)}: *{safe(r.status, 32)}*, {r.n_scored:,} scored, "
        run += f"{r.n_flagged:,} flagged, {r.n_alerts:,} alerts"
        if r.error:
            run += f" — {safe(r.error, 300)}"
    fresh = ("⚠️ " if answer.freshness.stale else "") + answer.freshness.describe()
    lines = [
        f"*Model* {model}",
        f"*State* {state}",
        f"*Last run* {run}",
        f"*Freshness* {fresh}",
    ]
    if answer.serving.paused:
        lines.append(f"*Fallback* yes — {safe(answer.serving.cause or 'paused', 500)}")
    else:
        lines.append("*Fallback* no: answers use the latest scores")
    blocks = [*banner(answer.serving), section("\n".join(lines))]
    return message(f"atrisk status: model {safe(answer.model_state, 32)}", blocks)


def help_message(
    persona: str, job: str, note: str | None = None, *, entity: str = "account"
) -> dict[str, Any]:
    """``/atrisk help`` (and the answer to anything not understood); ``entity`` is the spec's:
    a lead spec lists the commands that answer about leads."""
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append(section(safe(note, 500, markup=True)))
    blocks.append(section(f"*atrisk* is for {safe(persona, 500)}.\n_{safe(job, 1000)}_"))
    commands = LEAD_COMMANDS if entity == "lead" else COMMANDS
    usage = "\n".join(f"`{safe(cmd, 100)}` — {safe(what, 200)}" for cmd, what in commands)
    blocks.append(section(usage))
    return message(safe(note, 500, markup=True) if note else "atrisk: what I can answer", blocks)


def unknown_caller(
    slack_user_id: str, owners: Sequence[str], *, entity: str = "account"
) -> dict[str, Any]:
    """The answer for someone not in the team table: why, and what to ask for (the roles of
    the spec's product: CSMs own accounts, SDRs and AEs own leads)."""
    who = " or ".join(f"<@{o}>" for o in owners if SLACK_USER_ID.match(o)) or "your atrisk admin"
    uid = slack_user_id if SLACK_USER_ID.match(slack_user_id) else "(unknown)"
    lead = entity == "lead"
    roles = "sdr, ae, manager, analyst or admin" if lead else "csm, manager, analyst or admin"
    text = (
        f"Sorry, you are not in atrisk's team table yet, so I don't know whose "
        f"{'leads' if lead else 'accounts'} to show. Ask {who} to add a row for you to the "
        f"`team` table with your email, your role ({roles}) and `slack_user_id` {uid}."
    )
    return message("You are not in atrisk's team table yet.", [section(text)])


# ---------------------------------------------------------------- App Home


def home_for_stranger(
    slack_user_id: str, owners: Sequence[str], *, entity: str = "account"
) -> dict[str, Any]:
    """The Home tab for someone not in the team table: why it is empty and what to ask."""
    answer = unknown_caller(slack_user_id, owners, entity=entity)
    return {"type": "home", "blocks": answer["blocks"]}
