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


def _people(ids: list[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids) if ids else "—"


def _flag_rule(spec: Spec) -> str:
    s = spec.surface
    if s.threshold is not None:
        return f"risk ≥ {s.threshold:.0%}"
    return f"the riskiest {s.top_share:.0%} of active accounts"


def render_spec(spec: Spec) -> str:
    """The Data Product Spec: consumer, contract, SLAs, surface, action, feedback, owners."""
    e, c, f, a, s, fb = (
        spec.entity,
        spec.contract,
        spec.freshness,
        spec.accuracy,
        spec.surface,
        spec.feedback,
    )
    tables = [
        t
        for t in INPUT_SCHEMA
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
        "**Output schema** (one row per active account per day)",
        "",
        "| field | meaning |",
        "|---|---|",
        *[f"| `{name}` | {meaning} |" for name, meaning in OUTPUT_SCHEMA],
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
        f"- One message per at-risk account ({_flag_rule(spec)}) in the CSM's own channel "
        f"(from the team table), else `{s.default_channel}`.",
        f"- At most {s.daily_cap_per_csm} alerts per CSM per day; an account is not alerted again "
        f"within {s.cooldown_days} days unless its risk rose by {s.risk_rise_margin:.0%}.",
        f"- `/atrisk` for managers; App Home for CSMs; ops messages in `{s.ops_channel}`.",
        "",
        "## Action",
        '- Playbook buttons picked from the reasons (up to 3) plus "Not a risk" with a reason; '
        f"library: {spec.actions.playbooks or 'built-in'}.",
        "",
        "## Feedback signal",
        f"- {fb.outcome_days} days after each alert the account's state is recorded (retained, "
        "churned, downgraded, ARR change).",
        f"- {fb.holdout_share:.0%} of flagged accounts are held out by a stable hash, so the "
        "lift of posting (intent to treat) is measured against a control group; the smallest "
        f"lift worth detecting is {fb.min_effect * 100:.0f} points of retention.",
        "",
        "## Owners",
        f"- Data: {_people(spec.owners.data)}",
        f"- Model: {_people(spec.owners.model)}",
        f"- Bot: {_people(spec.owners.bot)}",
        "",
    ]
    return "\n".join(lines)
