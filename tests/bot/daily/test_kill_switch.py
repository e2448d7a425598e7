"""The kill switch: who may change it, the audit trail, the ops message, and the CLI."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.bootstrap import Context, default_spec_path
from bot.cli import run
from bot.lifecycle import model_state
from bot.lifecycle.model_state import KillSwitchError
from storage.models import ModelStateEvent
from tests.bot.daily.factories import OpsRecorder


def events(ctx: Context) -> list[tuple[str, str | None, str | None]]:
    with ctx.uow() as uow:
        rows = uow.session.scalars(select(ModelStateEvent).order_by(ModelStateEvent.id))
        return [(e.state, e.reason, e.actor) for e in rows]


def test_a_new_deployment_is_active(ctx: Context) -> None:
    assert model_state.current(ctx).state == "active"


def test_disabling_is_audited_and_announced_once(ctx: Context, ops: OpsRecorder) -> None:
    status = model_state.disable(ctx, "  bad data\nsince Monday ", "jane@example.com")
    assert status.state == "disabled" and status.reason == "bad data since Monday"
    assert model_state.current(ctx).changed_by == "jane@example.com"
    assert events(ctx) == [("disabled", "bad data since Monday", "jane@example.com")]
    [text] = ops.messages.values()
    assert "jane@example.com disabled the churn model: bad data since Monday" in text


def test_disabling_without_a_reason_is_refused(ctx: Context, ops: OpsRecorder) -> None:
    with pytest.raises(KillSwitchError, match="Say why"):
        model_state.disable(ctx, "   ", "jane@example.com")
    assert events(ctx) == [] and ops.messages == {}


def test_enabling_says_what_it_was_and_is_audited(ctx: Context, ops: OpsRecorder) -> None:
    model_state.disable(ctx, "checking", "jane@example.com")
    model_state.enable(ctx, "omar@example.com")
    assert model_state.current(ctx).state == "active"
    assert [e[0] for e in events(ctx)] == ["disabled", "active"]
    assert any("(it was disabled: checking)" in t for t in ops.messages.values())


def test_automatic_fallback_never_overrides_a_person(ctx: Context) -> None:
    with ctx.uow() as uow:
        model_state.set_state(uow.session, "disabled", "checking", "jane@example.com")
        assert not model_state.enter_fallback(uow.session, "stale_input")
        assert not model_state.leave_fallback(uow.session)
        uow.commit()
    assert model_state.current(ctx).state == "disabled"


def test_model_disable_and_enable_commands(
    sqlite_ctx: Context,
    ops: OpsRecorder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_ctx.settings.database_url)
    monkeypatch.setenv("ATRISK_SPEC", str(default_spec_path()))
    monkeypatch.setenv("ATRISK_ACTOR", "ops-bot")
    assert run(["model", "disable", "--reason", "bad data"]) == 0
    assert "Model disabled by ops-bot: bad data" in capsys.readouterr().out
    assert model_state.current(sqlite_ctx).state == "disabled"
    assert run(["model", "disable", "--reason", " "]) == 2
    assert "Say why the model is being disabled" in capsys.readouterr().err
    assert run(["model", "enable", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "active"
    assert [e[0] for e in events(sqlite_ctx)] == ["disabled", "active"]


def test_disabling_an_already_disabled_model_keeps_the_first_reason_and_tells_nobody_again(
    ctx: Context, ops: OpsRecorder
) -> None:
    first = model_state.disable(ctx, "bad data since Monday", "jane@example.com")
    with pytest.raises(model_state.AlreadyDisabled) as refused:
        model_state.disable(ctx, "checking the drift", "omar@example.com")
    when = f"{first.changed_at:%Y-%m-%d %H:%M} UTC"
    assert f"already disabled by jane@example.com at {when}: bad data since Monday" in str(
        refused.value
    )
    now = model_state.current(ctx)
    assert (now.reason, now.changed_by) == ("bad data since Monday", "jane@example.com")
    assert events(ctx) == [("disabled", "bad data since Monday", "jane@example.com")]
    assert len(ops.messages) == 1


def test_the_disable_command_on_a_disabled_model_says_by_whom_and_when(
    sqlite_ctx: Context,
    ops: OpsRecorder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_ctx.settings.database_url)
    monkeypatch.setenv("ATRISK_SPEC", str(default_spec_path()))
    monkeypatch.setenv("ATRISK_ACTOR", "ops-bot")
    assert run(["model", "disable", "--reason", "bad data"]) == 0
    capsys.readouterr()
    assert run(["model", "disable", "--reason", "again"]) == 2
    err = capsys.readouterr().err
    assert "The model is already disabled by ops-bot at " in err and ": bad data." in err
    assert model_state.current(sqlite_ctx).reason == "bad data" and len(ops.messages) == 1
