"""Whatever is typed after ``/atrisk``, Slack gets a 200 ack and the person a helpful answer."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from bot.slack.listeners.common import SORRY
from storage.models import Account, Alert
from tests.bot.slack.app_harness import (
    ADMIN,
    ANALYST,
    JANE,
    MANAGER,
    Harness,
    running_app,
    wait_until,
)
from tests.bot.slack.slack_double import SlackDouble

NASTY = [
    "",
    " ",
    "\t\n",
    "'; DROP TABLE alerts; --",
    "acme' OR '1'='1",
    "<!channel>",
    "<!here> &lt;script&gt;",
    "<@U0JANE0001|jane>",
    "csm",
    "csm <@U999|ghost>",
    "csm '; DROP TABLE team; --",
    "model",
    "model disable",
    "model enable now please",
    "report extra words",
    "status?",
    '"Acme Corp"',
    "%_%",
    "\\",
    "\x00",
    "x" * 5000,
    "🙂" * 300,
    "Ünïcödé Kunde GmbH",
    "客户",
    "ACME",
    "?",
]
ALPHABET = "abcdefghijklmnopqrstuvwxyz ABC0123456789'\"<>&@|%_;-\\/*!?#`~\u00e9\u4e2d\U0001f600\n\t"


def random_texts(n: int, seed: int = 20260310) -> list[str]:
    rng = random.Random(seed)
    texts = list(NASTY)
    words = ["csm", "model", "disable", "enable", "report", "status", "help", "acme", "@jane"]
    while len(texts) < n:
        if rng.random() < 0.4:
            text = " ".join(rng.choice([*words, "<@U0OMAR0001|o>", "'--"]) for _ in range(3))
        else:
            text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 120)))
        texts.append(text)
    return texts[:n]


@pytest.fixture
def app(db_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(db_url, slack_double) as harness:
        yield harness


def test_two_hundred_random_texts_always_get_an_ack_and_a_helpful_answer(app: Harness) -> None:
    users = [JANE, MANAGER, ANALYST, ADMIN, "U0STRANGER"]
    sent = []
    for n, text in enumerate(random_texts(200)):
        ack, url = app.command(text, user=users[n % len(users)])
        assert (ack.status, ack.body) == (200, ""), text
        sent.append((text, url))
    wait_until(lambda: len(app.double.responses()) >= len(sent), timeout=30)
    for text, url in sent:
        [answer] = app.double.responses(url)
        assert answer["response_type"] == "ephemeral", text
        assert answer["text"] and answer["blocks"], text
        assert "Traceback" not in str(answer) and SORRY not in str(answer), text
        assert len(answer["blocks"]) <= 50
        for block in answer["blocks"]:
            assert len(block.get("text", {}).get("text", "")) <= 3000
    assert app.count(Alert) == 2 and app.count(Account) == 5
