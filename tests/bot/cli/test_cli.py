"""The command line: every command is where the lazy loader expects it, and errors are clean."""

from __future__ import annotations

import subprocess
import sys

import typer

from bot.cli import COMMANDS, build_app, run


def _names(app: typer.Typer) -> set[str]:
    group = typer.main.get_command(app)
    return set(group.commands)  # type: ignore[attr-defined]


def test_every_command_is_registered_by_the_module_the_loader_names():
    assert _names(build_app()) == set(COMMANDS)
    for command, module in COMMANDS.items():
        assert command in _names(build_app([command])), module


def test_a_light_command_does_not_load_the_model_libraries():
    code = (
        "import sys; from bot.cli import build_app; build_app(['db', 'upgrade']); "
        "print(sorted(m for m in ('lightgbm', 'shap', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_unknown_command_is_a_usage_error_with_exit_code_2(capsys):
    assert run(["frobnicate"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_help_lists_every_command(capsys):
    assert run(["--help"]) == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out
