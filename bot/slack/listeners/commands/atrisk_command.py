"""``/atrisk …``: parse the text, ask the service for the caller's scope, render, respond."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from slack_bolt import Respond

from bot.answers import activity, leads, lookups, queue
from bot.daily.status import read_status
from bot.lifecycle import model_state
from bot.slack import commands, queue_views, views
from bot.slack.commands import Command
from storage.product import LEAD

if TYPE_CHECKING:
    from bot.slack.app import AppServices

COMMAND = "/atrisk"


# The parser's notes speak of accounts; under a lead spec, what each means for leads.
LEAD_NOTES = (
    ("Say whose accounts to show", None),
    ("accounts at a time", "leads at a time"),
    ("any account name", "any company name"),
)
LEAD_QUEUE = "Under lead scoring, `/atrisk leads` lists the hot leads in your scope."


def _lead_note(note: str | None) -> str | None:
    for churn_words, lead_words in LEAD_NOTES:
        if note and churn_words in note:
            return LEAD_QUEUE if lead_words is None else note.replace(churn_words, lead_words)
    return note


def _help(services: AppServices, note: str | None = None) -> dict[str, Any]:
    spec = services.ctx.spec
    consumer = spec.consumer
    if spec.entity.kind == LEAD:
        note = _lead_note(note)
    return views.help_message(
        consumer.persona, consumer.job_to_be_done, note, entity=spec.entity.kind
    )


def _kill_switch(services: AppServices, caller: lookups.Caller, command: Command) -> dict[str, Any]:
    if not caller.is_admin:
        return views.notice(
            "Only atrisk admins can switch the model off or on. "
            "Ask an admin, or the model owners named in atrisk.yml."
        )
    if isinstance(command, commands.ModelDisable):
        model_state.disable(services.ctx, command.reason, caller.email)
        return views.notice(
            f"Model disabled: {command.reason}. Alerts and answers now use the last good "
            "scores with a banner until an admin runs `/atrisk model enable`."
        )
    model_state.enable(services.ctx, caller.email)
    return views.notice("Model enabled: the next daily run scores with it again.")


def answer(
    services: AppServices, caller: lookups.Caller, command: Command, *, churn: bool = False
) -> dict[str, Any]:
    """The ephemeral message that answers ``command`` for ``caller`` (in the spec's terms:
    hot leads under a lead spec; ``churn`` answers in account terms whatever the spec)."""
    ctx, today = services.ctx, services.today()
    if not churn and ctx.spec.entity.kind == LEAD:
        return _lead_answer(services, caller, command)
    match command:
        case commands.Top(limit=limit, sort=sort, unacted=unacted):
            found = queue.top_accounts(
                ctx, caller, today=today, limit=limit, sort=sort, unacted=unacted
            )
            return queue_views.top(found)
        case commands.Leads(limit=limit):
            return queue_views.leads(leads.hottest_leads(ctx, caller, limit=limit))
        case commands.Team():
            return queue_views.team(queue.team_summary(ctx, caller, today=today))
        case commands.Lookup(query=query, did_you_mean=hint):
            found_one = lookups.lookup(ctx, caller, query, today=today, did_you_mean=hint)
            return views.lookup(found_one)
        case commands.CsmAccounts(user_id=user_id, name=name):
            found = queue.csm_accounts(ctx, caller, user_id=user_id, name=name, today=today)
            return queue_views.top(found)
        case commands.Report():
            return views.report(activity.adoption(ctx, caller, today=today))
        case commands.Status():
            return views.status(read_status(ctx, services.now()))
        case commands.ModelDisable() | commands.ModelEnable():
            return _kill_switch(services, caller, command)
        case commands.Help(note=note):
            return _help(services, note)
    return _help(services)


def _lead_answer(services: AppServices, caller: lookups.Caller, command: Command) -> dict[str, Any]:
    """The answer under a lead spec: the queue is the hot leads, a lookup searches leads."""
    ctx = services.ctx
    match command:
        case commands.Top(unacted=True) | commands.Top(sort="arr"):
            return views.notice(
                "`unacted` and `by arr` sort at-risk accounts. Under lead scoring, "
                "`/atrisk top N` lists your N hottest leads, and each line says who acted on it."
            )
        case commands.Top(limit=limit):
            return queue_views.leads(leads.hottest_leads(ctx, caller, limit=limit))
        case commands.Lookup(query=query):
            found = leads.find_leads(ctx, caller, query)
            return queue_views.lead_lookup(found, query)
        case commands.Report():
            adoption = activity.adoption(ctx, caller, today=services.today())
            adoption = replace(adoption, label=leads.scope_label(caller))
            return views.report(adoption, lead=True)
        case commands.Team() | commands.CsmAccounts():
            return views.notice(
                "Under lead scoring, `/atrisk leads` lists the hot leads in your scope; "
                "`/atrisk <company or lead id>` finds one."
            )
    return answer(services, caller, command, churn=True)


def atrisk_command(services: AppServices) -> Callable[..., None]:
    def answer_atrisk(body: dict[str, Any], respond: Respond) -> None:
        command = commands.parse(body.get("text"))
        user_id = str(body.get("user_id") or "")
        if isinstance(command, commands.Help):
            respond(**_help(services, command.note))
            return
        caller = lookups.resolve_caller(services.ctx, user_id)
        if caller is None:
            spec = services.ctx.spec
            respond(**views.unknown_caller(user_id, spec.owners.bot, entity=spec.entity.kind))
            return
        try:
            respond(**answer(services, caller, command))
        except lookups.QueryRefused as refused:
            respond(**views.notice(str(refused)))

    return answer_atrisk
