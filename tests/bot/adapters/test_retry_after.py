"""``Retry-After`` in both of RFC 9110's forms, and a Web API client that waits only as long
as it should."""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.retry_after import MAX_SECONDS, retry_after_seconds
from bot.adapters.slack_web import retry_handlers
from tests.bot.slack.slack_double import SlackDouble

NOW = dt.datetime(1994, 11, 6, 8, 49, 7, tzinfo=dt.UTC)  # 30 s before RFC 9110's example


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        (["3"], 3.0),
        ("0", 0.0),
        ("9" * 400, float(MAX_SECONDS)),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 30.0),  # IMF-fixdate
        ("Sunday, 06-Nov-94 08:49:37 GMT", 30.0),  # obsolete RFC 850 form
        ("Sun Nov  6 08:49:37 1994", 30.0),  # asctime
        ("Sat, 05 Nov 1994 08:49:37 GMT", 0.0),  # already past: no wait
    ],
)
def test_retry_after_reads_seconds_and_every_http_date_form(value: object, seconds: float) -> None:
    assert retry_after_seconds(value, NOW) == seconds


@pytest.mark.parametrize(
    "value", [None, "", "soon", "-5", "1.5", "1e3", "Sun, 31 Feb 1994 08:49:37 GMT", "٣", []]
)
def test_a_retry_after_in_neither_form_is_no_wait_at_all(value: object) -> None:
    assert retry_after_seconds(value, NOW) is None


def http_date(seconds_from_now: float) -> str:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds_from_now)
    return email.utils.format_datetime(when, usegmt=True)


@pytest.fixture
def slack_double() -> Iterator[SlackDouble]:
    with SlackDouble("xoxb-test") as double:
        yield double


def client_for(double: SlackDouble, **cap: float) -> WebClient:
    return WebClient(token="xoxb-test", base_url=double.url, retry_handlers=retry_handlers(**cap))


def test_a_call_rate_limited_until_a_date_a_moment_away_is_retried(
    slack_double: SlackDouble,
) -> None:
    slack_double.fail_next("conversations.history", status=429, retry_after=http_date(1))
    assert client_for(slack_double).conversations_history(channel="C0HISTORY1")["ok"]
    assert len(slack_double.calls_to("conversations.history")) == 2


def test_a_call_rate_limited_for_longer_than_the_cap_fails_at_once(
    slack_double: SlackDouble,
) -> None:
    slack_double.fail_next("conversations.history", status=429, retry_after=http_date(600))
    started = time.monotonic()
    with pytest.raises(SlackApiError) as refused:
        client_for(slack_double, max_retry_after=2).conversations_history(channel="C0HISTORY1")
    assert refused.value.response.status_code == 429 and time.monotonic() - started < 2
