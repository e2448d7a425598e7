"""What the CSMs would receive from the new user's first day: outbox payloads, channels, the
alert policy and the kill switch (the steps run once in the ``journey`` fixture).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.journey import AS_OF, NEXT_DAY, Journey, last_json
from tests.e2e.user import Extracts

DEFAULT_CHANNEL = "#cs-at-risk"
CHANNELS = {"ana.souza@example.io": "#cs-emea", "li.wei@example.io": "C0LIWEI001"}


def _payloads(journey: Journey) -> dict[str, dict[str, Any]]:
    folder = journey.folder / "outbox" / AS_OF
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}


def test_the_daily_run_writes_one_payload_per_alert_to_the_outbox(journey: Journey) -> None:
    run = last_json(journey["run"])
    assert run["status"] == "succeeded" and run["fallback"] is False
    payloads = _payloads(journey)
    assert len(payloads) == run["alerts"]["posted"] > 0
    assert sum(run["alerts"].values()) == run["n_alerts"] == run["n_flagged"]


JSON_STEPS = ["score", "run", "run next day", "model disable", "score disabled", "model enable"]


@pytest.mark.parametrize("name", JSON_STEPS)
def test_json_output_is_only_json_even_when_posting_in_dry_run(journey: Journey, name: str) -> None:
    assert isinstance(journey[name].json(), dict), journey[name].out[:300]


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


ESCAPED = {
    "Smith & Sons <EU>": "Smith &amp; Sons &lt;EU&gt;",
    "<!channel> Ltd": "&lt;!channel&gt; Ltd",
    "Müller, Schmidt & Co": "Müller, Schmidt &amp; Co",
}


def test_names_from_the_data_cannot_ping_or_forge_links(journey: Journey) -> None:
    payloads = _payloads(journey)
    everything = json.dumps(payloads, ensure_ascii=False)
    assert "<!channel>" not in everything
    assert not [raw for raw in ESCAPED if raw in everything]
    texts = [t for p in payloads.values() for t in _texts(p)]
    shown = {raw for raw, safe in ESCAPED.items() if any(safe in t for t in texts)}
    assert len(shown) >= 2, "names with < and & reached the alerts, escaped"
    for raw, safe in ESCAPED.items():
        stem = raw.split(" ")[0].strip("<!>")
        assert all(safe in t for t in texts if stem in t), raw


def test_alerts_go_to_the_csms_channel_or_else_the_default_one(
    journey: Journey, extracts: Extracts
) -> None:
    accounts = extracts.company.accounts.set_index("account_id")
    payloads = _payloads(journey)
    routed = 0
    for p in payloads.values():
        key = p["metadata"]["event_payload"]["alert_key"]
        account = key.rsplit(":", 1)[0]
        csm = accounts.loc[account, "csm_email"].lower()
        assert p["channel"] == CHANNELS.get(csm, DEFAULT_CHANNEL), (account, csm)
        routed += csm.startswith("former.")
    assert routed >= 1, "accounts whose CSM left the team are alerted in the default channel"


def test_no_csm_gets_more_alerts_a_day_than_the_daily_cap(journey: Journey) -> None:
    posted = Counter(
        (r["as_of"], r["csm_email"]) for r in journey.csv("report.csv") if r["status"] == "posted"
    )
    assert posted and max(posted.values()) == 10  # surface.daily_cap_per_csm of the user


def test_some_flagged_accounts_are_held_out_as_the_control_group(journey: Journey) -> None:
    statuses = Counter(r["status"] for r in journey.csv("report.csv"))
    assert statuses["held_out"] >= 1, statuses


def test_an_account_alerted_yesterday_is_not_alerted_again_today(journey: Journey) -> None:
    rows = [r for r in journey.csv("report.csv") if r["status"] == "posted"]
    first = {r["account_id"]: float(r["risk"]) for r in rows if r["as_of"] == AS_OF}
    again = [
        r["account_id"]
        for r in rows
        if r["as_of"] == NEXT_DAY
        and r["account_id"] in first
        and float(r["risk"]) < first[r["account_id"]] + 0.10  # surface.risk_rise_margin
    ]
    assert again == []


def test_a_disabled_model_serves_the_last_good_scores_with_a_banner(journey: Journey) -> None:
    assert last_json(journey["model disable"])["state"] == "disabled"
    served = last_json(journey["score disabled"])
    assert served["fallback"] is True
    assert last_json(journey["model enable"])["state"] == "active"


def test_an_account_id_with_a_slash_stays_one_file_inside_the_outbox(journey: Journey) -> None:
    outbox = journey.folder / "outbox"
    files = list(outbox.rglob("*.json"))
    assert files and all(f.parent.parent == outbox for f in files)  # <outbox>/<folder>/<file>
    outcomes = [json.loads(f.read_text(encoding="utf-8")) for f in outbox.glob("outcomes/*.json")]
    assert any(o["thread_of"].startswith("kunde-ü/12:") for o in outcomes)
