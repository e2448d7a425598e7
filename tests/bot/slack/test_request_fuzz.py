"""A hundred signed interactions in shapes Slack never sends (keys missing, wrong types, random
JSON): no 500, no stack trace in the log, nothing recorded, the person told politely."""

from __future__ import annotations

import copy
import json
import logging
import random
from collections.abc import Iterator
from typing import Any

import pytest

from bot.slack import views
from storage.models import Action
from tests.bot.slack import signing
from tests.bot.slack.app_harness import JANE, JANE_CHANNEL, Harness, running_app
from tests.bot.slack.slack_double import SlackDouble

CASES = 100
SEED = 16
EVENTS = 50
ODD: list[Any] = [
    None,
    True,
    0,
    -1,
    2**31,
    10**30,
    1.5,
    float("nan"),
    "",
    "x",
    "<!channel>",
    "\u202e",
    "\ud800",
    "9" * 30,
    "1e9",
    "{",
    "null",
    [],
    {},
    [None],
    [{}],
    {"id": None},
    {"id": 5},
    json.dumps({"alert": "x"}),
    json.dumps({"alert": 10**30, "playbook": 5}),
    json.dumps({"alert": 1, "playbook": "p" * 500}),
    json.dumps([1]),
]


def random_json(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value, nested a few levels at most."""
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return copy.deepcopy(rng.choice(ODD))
    if roll < 0.7:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ["type", "user", "actions", "view", "id", "value", "action_id", "state", "x"]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path to every node under ``value`` (dict keys and list indexes)."""
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            yield (*prefix, key)
            yield from paths(item, (*prefix, key))


def mutate(payload: dict[str, Any], rng: random.Random) -> Any:
    """``payload`` with one to three things wrong with it (or replaced wholesale)."""
    if rng.random() < 0.1:
        return random_json(rng)
    out = copy.deepcopy(payload)
    for _ in range(rng.randint(1, 3)):
        found = list(paths(out))
        if not found:
            break
        *parent_path, key = rng.choice(found)
        parent = out
        for step in parent_path:
            parent = parent[step]
        if isinstance(parent, dict) and rng.random() < 0.4:
            del parent[key]
        else:
            parent[key] = random_json(rng)
    return out


def valid_payloads(app: Harness) -> list[dict[str, Any]]:
    """A playbook click, a "Not a risk" click and a "Not a risk" submission, as Slack sends."""
    alert = app.alerts["acme"]
    url = app.double.response_url()

    def click(action_id: str, value: dict[str, Any]) -> dict[str, Any]:
        return signing.block_action(
            action_id=action_id,
            value=json.dumps(value),
            user_id=JANE,
            user_name="jane",
            channel=JANE_CHANNEL,
            ts="1700000000.000100",
            response_url=url,
        )

    modal = views.dismissal_modal(alert, "Acme", {"channel": JANE_CHANNEL, "ts": "1.2"})
    chosen = {"selected_option": {"value": "other", "text": {"type": "plain_text", "text": "x"}}}
    state = {
        views.REASON_BLOCK: {views.REASON_ACTION: chosen},
        views.NOTE_BLOCK: {views.NOTE_ACTION: {"value": "renewed"}},
    }
    return [
        click("atrisk.playbook.0", {"alert": alert, "playbook": "integration-health-check"}),
        click("atrisk.dismiss", {"alert": alert}),
        signing.view_submission(view=modal, values=state, user_id=JANE, user_name="jane"),
    ]


def malformed(app: Harness, n: int = CASES, seed: int = SEED) -> list[Any]:
    rng = random.Random(seed)
    bases = valid_payloads(app)
    return [mutate(bases[i % len(bases)], rng) for i in range(n)]


@pytest.fixture
def app(db_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(db_url, slack_double) as harness:
        yield harness


def test_a_hundred_malformed_signed_interactions_get_no_500_and_leave_no_traceback(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    statuses = []
    for payload in malformed(app):
        answer = app.post(signing.payload_body(payload))
        assert answer.status in (200, 400, 404), (answer, payload)
        assert "Traceback" not in answer.body
        statuses.append(answer.status)
    app.finish()  # every lazy listener has run
    traced = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not traced, [f"{r.getMessage()[:200]} {r.exc_info}" for r in traced[:5]]
    assert statuses.count(400) >= 20 and statuses.count(200) >= 10  # both doors were tried
    assert app.count(Action) <= 1  # at most the one well-formed click went through


def test_fifty_malformed_signed_events_get_no_500_and_leave_no_traceback(
    app: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rng = random.Random(SEED)
    home = json.loads(
        signing.event_body(
            {"type": "app_home_opened", "user": JANE, "channel": "D0H", "tab": "home"}
        )
    )
    sent: set[str] = set()
    for _ in range(EVENTS):
        body = json.dumps(mutate(home, rng))
        answer = app.post(body, content_type="application/json")
        # the same body signed again within the same second is a replay (refused with 401)
        repeat = body in sent
        sent.add(body)
        assert answer.status in ((200, 400, 401, 404) if repeat else (200, 400, 404)), answer
    app.finish()
    traced = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not traced, [f"{r.getMessage()[:200]} {r.exc_info}" for r in traced[:5]]
