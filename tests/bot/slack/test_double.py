"""The Slack Web API double answers like Slack for the calls atrisk makes."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.bot.slack.slack_double import SlackDouble


def test_a_posted_message_is_stored_with_its_metadata(
    slack_double: SlackDouble, slack_client: WebClient
) -> None:
    meta = {"event_type": "atrisk_alert", "event_payload": {"alert_key": "a:1"}}
    answer = slack_client.chat_postMessage(channel="#cs", text="hi", metadata=meta)
    assert answer["channel"] == slack_double.channel_id("#cs")
    assert answer["channel"].startswith("C")
    [msg] = slack_double.messages("#cs")
    assert msg["ts"] == answer["ts"] and msg["metadata"] == meta
    call = slack_double.calls_to("chat.postMessage")[0]
    assert call.headers["Authorization"] == "Bearer xoxb-test"


def test_history_is_newest_first_and_shows_metadata_only_when_asked(
    slack_double: SlackDouble, slack_client: WebClient
) -> None:
    meta = {"event_type": "t", "event_payload": {"n": 1}}
    ts = [
        slack_client.chat_postMessage(channel="C0123456789", text=str(i), metadata=meta)["ts"]
        for i in range(3)
    ]
    plain = slack_client.conversations_history(channel="C0123456789")
    assert [m["ts"] for m in plain["messages"]] == ts[::-1]
    assert "metadata" not in plain["messages"][0]
    rich = slack_client.conversations_history(
        channel="C0123456789", include_all_metadata=True, oldest=ts[0], limit=1
    )
    assert [m["ts"] for m in rich["messages"]] == [ts[2]]
    assert rich["messages"][0]["metadata"] == meta and rich["has_more"]
    nxt = slack_client.conversations_history(
        channel="C0123456789",
        oldest=ts[0],
        limit=1,
        cursor=rich["response_metadata"]["next_cursor"],
    )
    assert [m["ts"] for m in nxt["messages"]] == [ts[1]] and not nxt["has_more"]


def test_a_wrong_token_is_refused(slack_double: SlackDouble) -> None:
    client = WebClient(token="xoxb-wrong", base_url=slack_double.url)
    with pytest.raises(SlackApiError) as err:
        client.auth_test()
    assert err.value.response["error"] == "invalid_auth"


def test_scripted_failures_answer_like_slack(
    slack_double: SlackDouble, slack_client: WebClient
) -> None:
    slack_double.fail_next("chat.postMessage", status=429, retry_after=3)
    slack_double.fail_next("chat.postMessage", status=500)
    slack_double.fail_next("chat.postMessage", error="channel_not_found", channel="#gone")
    with pytest.raises(SlackApiError) as err:
        slack_client.chat_postMessage(channel="#a", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "3"
    with pytest.raises(SlackApiError) as err:
        slack_client.chat_postMessage(channel="#a", text="x")
    assert err.value.response.status_code == 500
    slack_client.chat_postMessage(channel="#a", text="fine")
    with pytest.raises(SlackApiError) as err:
        slack_client.chat_postMessage(channel="#gone", text="x")
    assert err.value.response["error"] == "channel_not_found"
    assert [m["text"] for m in slack_double.messages("#a")] == ["fine"]


def test_a_dropped_connection_still_stores_the_message(
    slack_double: SlackDouble, slack_client: WebClient
) -> None:
    slack_double.fail_next("chat.postMessage", drop_after_accept=True)
    with pytest.raises(ConnectionError):
        slack_client.chat_postMessage(channel="#a", text="lost answer")
    assert [m["text"] for m in slack_double.messages("#a")] == ["lost answer"]


def test_posting_faster_than_the_channel_rate_is_refused(
    slack_double: SlackDouble, slack_client: WebClient
) -> None:
    slack_double.rate_limit_per_channel = 1.0
    slack_client.chat_postMessage(channel="#a", text="1")
    slack_client.chat_postMessage(channel="#b", text="other channel is fine")
    with pytest.raises(SlackApiError) as err:
        slack_client.chat_postMessage(channel="#a", text="2")
    assert err.value.response.status_code == 429
    assert int(err.value.response.headers["Retry-After"]) >= 1


def test_users_views_responses_and_unknown_methods(
    slack_double: SlackDouble, slack_client: WebClient
) -> None:
    slack_double.add_user("U0JANE0001", name="Jane", email="jane@example.com")
    assert slack_client.users_info(user="U0JANE0001")["user"]["name"] == "Jane"
    found = slack_client.users_lookupByEmail(email="JANE@example.com")
    assert found["user"]["id"] == "U0JANE0001"
    view = slack_client.views_publish(user_id="U0JANE0001", view={"type": "home", "blocks": []})
    assert slack_double.home_views["U0JANE0001"]["id"] == view["view"]["id"]
    assert slack_client.api_call("reactions.add", json={"name": "eyes"})["ok"]
    assert slack_double.calls_to("reactions.add")[0].params == {"name": "eyes"}
    url = slack_double.response_url()
    from slack_sdk.webhook import WebhookClient

    WebhookClient(url).send(text="done", response_type="ephemeral")
    assert slack_double.responses(url) == [{"text": "done", "response_type": "ephemeral"}]
