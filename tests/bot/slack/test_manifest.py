"""``manifest.yml`` matches the code: commands, events, interactivity and the bot scopes."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from bot.slack.listeners import register
from bot.slack.listeners.unknown import ANY
from bot.slack.server import EVENTS_PATH

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))

# The bot scopes each Web API method needs (https://api.slack.com/methods).
SCOPES: dict[str, set[str]] = {
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.delete": {"chat:write"},
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.replies": {"channels:history", "groups:history"},
    "conversations.list": {"channels:read", "groups:read"},
    "conversations.info": {"channels:read", "groups:read"},
    "conversations.join": {"channels:join"},
    "conversations.open": {"im:write"},
    "users.info": {"users:read"},
    "users.list": {"users:read"},
    "users.lookupByEmail": {"users:read", "users:read.email"},
    "views.open": set(),
    "views.publish": set(),
    "views.update": set(),
    "views.push": set(),
    "auth.test": set(),
}
CALL = re.compile(r"\.(chat|conversations|users|views|auth|reactions|files|pins)_([A-Za-z]+)\(")


class RecordingApp:
    """Stands in for ``slack_bolt.App`` and records what the listeners register."""

    def __init__(self) -> None:
        self.registered: dict[str, list[Any]] = {
            "action": [],
            "command": [],
            "view": [],
            "view_submission": [],
            "view_closed": [],
            "event": [],
        }

    def __getattr__(self, kind: str) -> Callable[..., Callable[..., None]]:
        if kind not in self.registered:
            raise AttributeError(kind)

        def listen(constraint: Any) -> Callable[..., None]:
            self.registered[kind].append(constraint)
            return lambda *args, **kwargs: None

        return listen


@pytest.fixture(scope="module")
def registered() -> dict[str, list[Any]]:
    app = RecordingApp()
    register(app, SimpleNamespace(work=None))  # type: ignore[arg-type]
    for constraints in app.registered.values():  # last resorts: answer what nothing takes
        assert constraints.count(ANY) <= 1 and (ANY not in constraints or constraints[-1] is ANY)
    return {kind: [c for c in found if c is not ANY] for kind, found in app.registered.items()}


def methods_called() -> set[str]:
    found = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for family, name in CALL.findall(path.read_text(encoding="utf-8")):
            found.add(f"{family}.{name}")
    return found


def test_every_command_the_app_handles_is_in_the_manifest_and_back(registered) -> None:
    in_manifest = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert set(registered["command"]) == in_manifest == {"/atrisk"}
    for command in MANIFEST["features"]["slash_commands"]:
        assert command["url"].endswith(EVENTS_PATH) and command["usage_hint"]
        assert command["should_escape"] is True  # mentions arrive as <@U…|name>


def test_every_event_listened_to_is_subscribed_and_back(registered) -> None:
    events = MANIFEST["settings"]["event_subscriptions"]
    assert set(registered["event"]) == set(events["bot_events"]) == {"app_home_opened"}
    assert events["request_url"].endswith(EVENTS_PATH)
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True


def test_interactivity_is_on_because_there_are_buttons_and_modals(registered) -> None:
    assert registered["action"] and registered["view"]
    interactivity = MANIFEST["settings"]["interactivity"]
    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"].endswith(EVENTS_PATH)


def test_the_bot_scopes_are_exactly_what_the_web_api_calls_need() -> None:
    called = methods_called()
    unknown = called - set(SCOPES)
    assert not unknown, f"add the scopes of {sorted(unknown)} to SCOPES and manifest.yml"
    needed = set().union(*(SCOPES[m] for m in called)) | {"commands"}
    granted = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert needed - granted == set(), "manifest.yml lacks scopes the code needs"
    assert granted - needed == set(), "manifest.yml asks for scopes nothing uses"


def test_socket_mode_is_off_by_default_with_a_documented_switch() -> None:
    assert MANIFEST["settings"]["socket_mode_enabled"] is False
    text = (ROOT / "manifest.yml").read_text(encoding="utf-8")
    assert "socket_mode_enabled: true" in text and "SLACK_APP_TOKEN" in text


def test_the_app_registers_exactly_the_alert_button_ids(registered) -> None:
    [playbook, dismiss, *play] = registered["action"]
    assert [bool(playbook.match(f"atrisk.playbook.{n}")) for n in range(3)] == [True] * 3
    assert not playbook.match("atrisk.playbook.x") and dismiss == "atrisk.dismiss"
    assert play == ["atrisk.play.done", "atrisk.play.snooze", "atrisk.play.undo"]
