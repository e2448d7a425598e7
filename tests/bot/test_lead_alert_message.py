"""The lead alert message: a rep sees the company, the chance, why now and the plays; data text
can never ping a channel or forge a link; the outcome reads "Converted on …"."""

from __future__ import annotations

import datetime as dt
import json

from bot.blockkit.lead_alerts import LeadAlertView, outcome_text, render_lead_alert
from scoring.reasons import Reason


def _view(company: str = "Acme & Sons") -> LeadAlertView:
    return LeadAlertView(
        alert_id=7,
        alert_key="lead:L-1:2026-11-02",
        lead_id="L-1",
        company=company,
        probability=0.62,
        horizon_days=14,
        segment="SMB",
        employees=40,
        source="webinar",
        owner_name="Sam Walsh",
        owner_slack_id="U0SAMWALSH",
        reasons=[
            Reason("demo_requests_14d", "intent", 1, 2.1, "Asked for a demo 2 days ago"),
            Reason(
                "company_trial_users_7d",
                "buying_group",
                4,
                1.2,
                "4 people from Acme active in the trial in the last 7 days",
            ),
        ],
        playbooks=[
            {"id": "call-now", "title": "Call now", "why": "fits the top reason"},
            {"id": "book-a-demo", "title": "Book a demo"},
        ],
        model_version="2026-11-01.1",
        as_of=dt.date(2026, 11, 2),
    )


def test_a_rep_sees_the_chance_why_now_and_the_sales_plays() -> None:
    msg = render_lead_alert(_view())
    blocks = {b["block_id"]: b for b in msg["blocks"]}
    assert blocks["atrisk.header"]["text"]["text"] == "Hot lead at Acme &amp; Sons"
    facts = json.dumps(blocks["atrisk.facts"], ensure_ascii=False)
    assert "*62%* likely to convert in the next 14 days" in facts and "<@U0SAMWALSH>" in facts
    assert "SMB · 40 employees · from webinar" in facts
    assert blocks["atrisk.reasons"]["text"]["text"].splitlines() == [
        "Why now:",
        "• Asked for a demo 2 days ago",
        "• 4 people from Acme active in the trial in the last 7 days",
    ]
    buttons = blocks["atrisk.actions"]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Call now", "Book a demo", "Not a fit"]
    assert [b["action_id"] for b in buttons] == [
        "atrisk.playbook.0",
        "atrisk.playbook.1",
        "atrisk.dismiss",
    ]
    assert buttons[0]["style"] == "primary"


def test_a_company_name_can_never_ping_a_channel_or_forge_a_link() -> None:
    msg = render_lead_alert(_view("<!channel> <https://evil.test|Acme>"))
    text = json.dumps(msg)
    assert "<!channel>" not in text and "<https://evil.test" not in text
    assert "&lt;!channel&gt;" in text


def test_the_outcome_follow_up_says_when_the_lead_converted() -> None:
    assert outcome_text(dt.date(2026, 11, 9), 14) == "🎉 Converted on 9 Nov"
    assert outcome_text(None, 14) == "Not converted within 14 days of the alert"
