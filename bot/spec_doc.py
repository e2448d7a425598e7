"""Render ``atrisk.yml`` as the one-page Data Product Spec in Markdown, for a PM to circulate."""

from __future__ import annotations

from bot.spec import Spec

INPUT_SCHEMA = (
    (
        "accounts",
        "account_id, name, csm_email, segment, plan, arr, seats, created_at, "
        "renewal_date, churned_at",
    ),
    (
        "team",
        "email, name, role (csm / manager / analyst / admin), manager_email, slack_user_id, "
        "slack_channel",
    ),
    ("usage", "account_id, date, feature, active_users, events (daily, per feature)"),
    ("integration_runs", "account_id, ts, integration, status (success / failure), error"),
    (
        "tickets",
        "ticket_id, account_id, opened_at, first_response_at, closed_at, "
        "priority (low / normal / high / urgent), csat (1–5)",
    ),
    (
        "account_features",
        "account_id, as_of, <your feature columns>, churned_within_horizon "
        "(optional, instead of the built-in features)",
    ),
)

OUTPUT_SCHEMA = (
    ("account_id", "the scored account"),
    ("as_of", "the score date; only data strictly before it is used"),
    ("risk", "calibrated probability of churn within the horizon, 0–1"),
    ("flagged", "true when the account is at risk by the surface rule"),
    ("reasons", "up to 3 plain-word reasons with the account's own values, each with a family"),
    ("playbooks", "up to 3 recommended actions, plus 'Not a risk'"),
)


LEAD_INPUT_SCHEMA = (
    (
        "leads",
        "lead_id, company, owner_email, source, segment, employees, created_at, converted_at, "
        "disqualified_at",
    ),
    ("lead_activity", "lead_id, ts, type (web_visit … trial_event), detail"),
    (
        "team",
        "email, name, role (sdr / ae / manager / analyst / admin), manager_email, "
        "slack_user_id, slack_channel",
    ),
)

LEAD_OUTPUT_SCHEMA = (
    ("lead_id", "the scored open lead"),
    ("as_of", "the score date; only data strictly before it is used"),
    ("probability", "calibrated probability of converting within the horizon, 0–1"),
    ("flagged", "true when the lead is hot by the surface rule"),
    ("reasons", "up to 3 plain-word reasons with the lead's own values, each with a family"),
    ("playbooks", "up to 3 recommended sales plays, plus 'Not a fit'"),
)


def _people(ids: list[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids) if ids else "—"


def _flag_rule(spec: Spec) -> str:
    s, lead = spec.surface, spec.entity.kind == "lead"
    if s.threshold is not None:
        return f"{'probability' if lead else 'risk'} ≥ {s.threshold:.0%}"
    if lead:
        return f"the hottest {s.top_share:.0%} of open leads"
    return f"the riskiest {s.top_share:.0%} of active accounts"


def _churn_parts(spec: Spec) -> dict[str, list[str]]:
    """The sections in churn's terms (accounts, CSMs, retention)."""
    s, fb = spec.surface, spec.feedback
    return {
        "output": ["**Output schema** (one row per active account per day)"],
        "surface": [
            f"- One message per at-risk account ({_flag_rule(spec)}) in the CSM's own channel "
            f"(from the team table), else `{s.default_channel}`.",
            f"- At most {s.daily_cap_per_csm} alerts per CSM per day; an account is not alerted "
            f"again within {s.cooldown_days} days unless its risk rose by "
            f"{s.risk_rise_margin:.0%}.",
            f"- `/atrisk` for managers; App Home for CSMs; ops messages in `{s.ops_channel}`.",
        ],
        "action": [
            '- Playbook buttons picked from the reasons (up to 3) plus "Not a risk" with a '
            f"reason; library: {spec.actions.playbooks or 'built-in'}.",
        ],
        "feedback": [
            f"- {fb.outcome_days} days after each alert the account's state is recorded "
            "(retained, churned, downgraded, ARR change).",
            f"- {fb.holdout_share:.0%} of flagged accounts are held out by a stable hash, so the "
            "lift of posting (intent to treat) is measured against a control group; the "
            f"smallest lift worth detecting is {fb.min_effect * 100:.0f} points of retention.",
        ],
    }


def _lead_parts(spec: Spec) -> dict[str, list[str]]:
    """The sections whose words differ under ``entity: lead`` (sales terms, not churn's)."""
    s, fb, h = spec.surface, spec.feedback, spec.entity.horizon_days
    return {
        "output": ["**Output schema** (one row per open lead per day)"],
        "surface": [
            f"- One message per hot lead ({_flag_rule(spec)}) in its owner's own channel "
            f"(from the team table), else `{s.default_channel}`.",
            f"- At most {s.daily_cap_per_csm} alerts per owner per day; a lead is not alerted "
            f"again within {s.cooldown_days} days unless its chance rose by "
            f"{s.risk_rise_margin:.0%}.",
            f"- `/atrisk leads` for reps and managers; ops messages in `{s.ops_channel}`.",
        ],
        "action": [
            '- Sales play buttons picked from the reasons (up to 3) plus "Not a fit"; '
            f"library: {spec.actions.playbooks or 'built-in sales plays'}.",
        ],
        "feedback": [
            f"- {h} days (the horizon) after each alert the lead's outcome is recorded "
            "(converted, or not converted).",
            f"- {fb.holdout_share:.0%} of flagged leads are held out by a stable hash, so the "
            "lift of posting (intent to treat) is measured against a control group; the "
            f"smallest lift worth detecting is {fb.min_effect * 100:.0f} points of conversion.",
        ],
    }


def render_spec(spec: Spec) -> str:
    """The Data Product Spec: consumer, contract, SLAs, surface, action, feedback, owners."""
    e, c, f, a = spec.entity, spec.contract, spec.freshness, spec.accuracy
    lead = e.kind == "lead"
    words = _lead_parts(spec) if lead else _churn_parts(spec)
    tables = [
        t
        for t in (LEAD_INPUT_SCHEMA if lead else INPUT_SCHEMA)
        if t[0] in c.required_tables
        or (t[0] == "account_features" and c.features == "account_features")
    ]
    lines = [
        f"# Data Product Spec — {spec.name}",
        "",
        "## Consumer and job to be done",
        f"- **Who:** {spec.consumer.persona}",
        f"- **Job to be done:** {spec.consumer.job_to_be_done}",
        f"- **Entity:** {e.kind}; **horizon:** {e.horizon_days} days; **label:** `{e.label}` "
        f"in (as_of, as_of + {e.horizon_days} days]",
        "",
        "## Inference contract",
        f"- **Source:** {c.source or 'ingested with `atrisk ingest SOURCE`'}; "
        f"**features:** {c.features}",
        f"- **Key features watched for adoption:** {', '.join(c.key_features) or '—'}",
        f"- **Latency budget:** the daily run finishes within {f.latency_budget_seconds} s; "
        "`/atrisk` answers within Slack's 3 s",
        "",
        "**Input schema**",
        "",
        "| table | columns |",
        "|---|---|",
        *[f"| `{name}` | {cols} |" for name, cols in tables],
        "",
        *words["output"],
        "",
        "| field | meaning |",
        "|---|---|",
        *[
            f"| `{name}` | {meaning} |"
            for name, meaning in (LEAD_OUTPUT_SCHEMA if lead else OUTPUT_SCHEMA)
        ],
        "",
        "## Freshness SLA",
        f"- Scored daily on cron `{f.cron}` ({f.timezone}).",
        f"- Input older than {f.stale_after_days} days is stale: the product falls back to the "
        'last good scores and says so ("Model paused — using last week\'s data").',
        "",
        "## Accuracy SLA",
        f"- Metric: `{a.metric}` on matured outcomes; target {a.target:.2f}, floor {a.floor:.2f}.",
        "- A new model below the floor, or not beating the logistic-regression baseline, is not "
        "promoted. A live model whose matured accuracy falls below the floor is switched to "
        "fallback and the model owners are told.",
        "",
        "## Surface",
        *words["surface"],
        "",
        "## Action",
        *words["action"],
        "",
        "## Feedback signal",
        *words["feedback"],
        "",
        "## Owners",
        f"- Data: {_people(spec.owners.data)}",
        f"- Model: {_people(spec.owners.model)}",
        f"- Bot: {_people(spec.owners.bot)}",
        "",
    ]
    return "\n".join(lines)
