"""What reaches ``/slack/events`` from someone who is not Slack, or in a shape Slack never
sends: 401 when it does not verify, 400 when it verifies but cannot be read, 413 when it is
too big; never a 500, never a stack trace, and one short log line."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from bot.slack.server import EVENTS_PATH, HttpServer, wsgi_app
from storage.models import Action
from tests.bot.slack import signing
from tests.bot.slack.app_harness import JANE, Harness, running_app
from tests.bot.slack.slack_double import SlackDouble

FORM, JSON = signing.FORM, "application/json"


@pytest.fixture
def app(sqlite_url: str, slack_double: SlackDouble) -> Iterator[Harness]:
    with running_app(sqlite_url, slack_double) as harness:
        yield harness


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def no_tracebacks(logs: pytest.LogCaptureFixture) -> None:
    traced = [r for r in logs.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not traced, [r.getMessage()[:200] for r in traced]


def refusal_lines(logs: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in logs.records if r.getMessage().startswith("refused a request")]


def command(text: str = "help") -> str:
    return signing.command_body(text, user_id=JANE, response_url="http://127.0.0.1:9/r")


def headers(timestamp: str, signature: str, content_type: str = FORM) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }


def now() -> str:
    return str(int(time.time()))


GOOD_LOOKING = "v0=" + "0" * 64

UNVERIFIED: dict[str, tuple[dict[str, str], bytes]] = {
    "timestamp abc": (headers("abc", GOOD_LOOKING), command().encode()),
    "timestamp 1e9": (headers("1e9", GOOD_LOOKING), command().encode()),
    "timestamp of 400 digits": (headers("9" * 400, GOOD_LOOKING), command().encode()),
    "negative timestamp": (headers("-1", GOOD_LOOKING), command().encode()),
    "timestamp in Arabic-Indic digits": (headers("١٧٠٠٠٠٠٠٠٠", GOOD_LOOKING), b"x=1"),
    "non-ASCII signature": (headers(now(), "v0=" + "é" * 64), command().encode()),
    "signature not v0=": (headers(now(), "sha256=" + "0" * 64), command().encode()),
    "no signature at all": ({"Content-Type": FORM}, command().encode()),
    "body not UTF-8": (headers(now(), GOOD_LOOKING), b"payload=\xff\xfe\x80{"),
    "JSON content type, form body": (headers(now(), GOOD_LOOKING, JSON), command().encode()),
    "JSON content type, not JSON": (headers(now(), GOOD_LOOKING, JSON), b"{not json"),
    "form content type, JSON body": (headers(now(), GOOD_LOOKING), b'{"type": 1}'),
}


@pytest.mark.parametrize("case", list(UNVERIFIED))
def test_a_request_that_does_not_verify_gets_401_without_a_traceback(
    app: Harness, logs: pytest.LogCaptureFixture, case: str
) -> None:
    head, body = UNVERIFIED[case]
    answer = signing.raw_request(app.url, {**head, "Content-Length": str(len(body))}, body)
    assert answer.status == 401, (case, answer)
    assert "Traceback" not in answer.body and "error" in answer.json()
    no_tracebacks(logs)
    [line] = refusal_lines(logs)
    assert "\n" not in line and len(line) < 600
    assert app.count(Action) == 0


SIGNED_BUT_UNREADABLE: dict[str, tuple[str, bytes]] = {
    "body not UTF-8": (FORM, b"payload=\xff\xfe\x80{"),
    "JSON content type, form body": (JSON, command().encode()),
    "JSON content type, not JSON": (JSON, b"{not json"),
    "JSON that is a list": (JSON, b"[1, 2]"),
    "JSON that is null": (JSON, b"null"),
    "JSON nested 50,000 deep": (JSON, b'{"a":' + b"[" * 50_000 + b"]" * 50_000 + b"}"),
    "an event of no known kind": (JSON, b'{"type": ["event_callback"]}'),
    "an event without its event": (JSON, b'{"type": "event_callback", "team": 5}'),
    "payload not JSON": (FORM, b"payload=%7Bnope"),
    "payload a JSON list": (FORM, b"payload=%5B%5D"),
    "payload with a lone surrogate": (FORM, b"payload=%7B%22type%22%3A%22%5Cud800%22%7D"),
    "form content type, JSON body": (FORM, b'{"type": "block_actions"}'),
    "a form that is no command": (FORM, b"hello=world"),
    "text/plain": ("text/plain", command().encode()),
    "no content type": ("", command().encode()),
}


@pytest.mark.parametrize("case", list(SIGNED_BUT_UNREADABLE))
def test_a_signed_request_in_a_shape_slack_never_sends_gets_400_without_a_traceback(
    app: Harness, logs: pytest.LogCaptureFixture, case: str
) -> None:
    content_type, body = SIGNED_BUT_UNREADABLE[case]
    head = signing.signed_headers(body, content_type=content_type)
    if not content_type:
        del head["Content-Type"]
    answer = signing.raw_request(app.url, {**head, "Content-Length": str(len(body))}, body)
    assert answer.status == 400, (case, answer)
    assert "Traceback" not in answer.body
    no_tracebacks(logs)
    [line] = refusal_lines(logs)
    assert "\n" not in line and len(line) < 600


def test_a_signed_command_still_gets_its_answer(app: Harness) -> None:
    assert "what I can answer" in str(app.answer("help", user=JANE))


# ---------------------------------------------------------------- body size


def test_a_10_mb_body_is_refused_with_413_before_it_is_read(
    app: Harness, logs: pytest.LogCaptureFixture
) -> None:
    body = b"payload=" + b"x" * (10 * 1000 * 1000)
    head = {**signing.signed_headers(body), "Content-Length": str(len(body))}
    started = time.monotonic()
    answer = signing.raw_request(app.url, head, body, send=64 * 1024)  # the rest never sent
    assert answer.status == 413 and "Traceback" not in answer.body
    assert time.monotonic() - started < 5
    assert all(len(r.getMessage()) < 1000 for r in logs.records)


def test_a_10_mb_body_sent_whole_gets_413_and_no_log_line_holds_it(
    app: Harness, logs: pytest.LogCaptureFixture
) -> None:
    body = b"token=" + b"A" * (10 * 1000 * 1000)
    head = {**signing.signed_headers(body), "Content-Length": str(len(body))}
    answer = signing.raw_request(app.url, head, body)
    assert answer.status == 413
    assert all(len(r.getMessage()) < 1000 for r in logs.records)
    no_tracebacks(logs)


def test_a_10_mb_chunked_body_is_cut_off_with_413(app: Harness) -> None:
    chunk = b"B" * 65536
    one = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    body = one * 160  # 10 MiB
    head = {**signing.signed_headers(b""), "Transfer-Encoding": "chunked"}
    answer = signing.raw_request(app.url, head, body + b"0\r\n\r\n")
    assert answer.status == 413


def test_a_refused_request_is_logged_with_at_most_200_characters_of_its_body(
    app: Harness, logs: pytest.LogCaptureFixture
) -> None:
    body = "token=" + "<script>" * 100_000  # 800 kB, under the cap, forged
    answer = signing.post(app.url, body, signing.signed_headers(body, secret="forged"))
    assert answer.status == 401
    [line] = refusal_lines(logs)
    assert "the signature does not match" in line and len(line) < 400
    assert line.count("<script>") <= 200 // len("<script>")


def test_the_body_cap_comes_from_the_settings(sqlite_url: str, slack_double: SlackDouble) -> None:
    with running_app(sqlite_url, slack_double, slack_max_body_bytes=2048) as app:
        url = app.double.response_url()
        fits = signing.command_body("x" * 1000, user_id=JANE, response_url=url)
        fits += "&pad=" + "p" * (2048 - len(fits) - 5)
        assert len(fits) == 2048
        assert app.post(fits).status == 200
        assert app.post(fits + "p").status == 413


def test_the_same_signed_request_sent_again_is_refused_as_a_replay(
    app: Harness, logs: pytest.LogCaptureFixture
) -> None:
    url = app.double.response_url()
    body = signing.command_body("model disable captured", user_id=JANE, response_url=url)
    signed = signing.signed_headers(body)
    assert signing.post(app.url, body, signed).status == 200
    again = signing.post(app.url, body, signed)
    assert again.status == 401
    assert any("a replay" in line for line in refusal_lines(logs))
    app.finish()
    no_tracebacks(logs)


def test_a_slash_command_without_its_response_url_is_a_bad_request(
    app: Harness, logs: pytest.LogCaptureFixture
) -> None:
    body = f"command=%2Fatrisk&user_id={JANE}&text=help"
    assert app.post(body).status == 400
    app.finish()
    no_tracebacks(logs)


def test_a_request_replayed_to_another_replica_is_refused_on_postgresql(
    db_url: str, slack_double: SlackDouble, logs: pytest.LogCaptureFixture
) -> None:
    """Two replicas on one database; the replay goes to the one that has not seen it. On
    SQLite (one process) each replica remembers only its own."""
    with running_app(db_url, slack_double) as app:
        other = replica(app)
        try:
            url = app.double.response_url()
            body = signing.command_body("status", user_id=JANE, response_url=url)
            signed = signing.signed_headers(body)
            assert signing.post(app.url, body, signed).status == 200
            again = signing.post(other.url + EVENTS_PATH, body, signed)
            on_postgres = app.ctx.engine.dialect.name == "postgresql"
            assert again.status == (401 if on_postgres else 200)
            fresh = signing.command_body("help", user_id=JANE, response_url=url)
            fresh_signed = signing.signed_headers(fresh)
            assert signing.post(other.url + EVENTS_PATH, fresh, fresh_signed).status == 200
        finally:
            other.stop()
        app.finish()
    no_tracebacks(logs)


def test_replay_memory_in_the_database_forgets_after_ten_minutes(pg_url: str) -> None:
    from storage.db import make_engine
    from storage.seen_requests import SeenRequests

    engine = make_engine(pg_url)
    try:
        one, two = SeenRequests(engine), SeenRequests(engine)
        assert one.first_time("a" * 64, 1_000_000) and not two.first_time("a" * 64, 1_000_100)
        assert two.first_time("b" * 64, 1_000_700)  # prunes rows older than ten minutes
        assert one.first_time("a" * 64, 1_000_701)
    finally:
        engine.dispose()


def replica(app: Harness) -> HttpServer:
    """A second server on the same database, with its own memory, its own bolt app."""
    from slack_sdk import WebClient

    from bot.slack.app import create_app

    client = WebClient(token="xoxb-test", base_url=app.double.url, timeout=5)
    bolt = create_app(app.ctx, client=client, verify_token=False)
    server = HttpServer(wsgi_app(bolt, app.ctx), host="127.0.0.1", port=0, poll_seconds=0.05)
    return server.start()


def test_with_the_database_unreachable_the_replay_check_falls_back_to_this_process(
    logs: pytest.LogCaptureFixture,
) -> None:
    from sqlalchemy.exc import OperationalError

    from bot.slack.request_guard import SeenSignatures

    class Unreachable:
        def first_time(self, key: str, now: float) -> bool:
            raise OperationalError("insert", {}, Exception("connection refused"))

    seen = SeenSignatures(Unreachable())
    assert seen.first_time("v0=" + "c" * 64, 1000.0)
    assert not seen.first_time("v0=" + "c" * 64, 1001.0)  # this process still remembers
    assert any("this replica only" in r.getMessage() for r in logs.records)
