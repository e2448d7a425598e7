"""The ``atrisk`` command line. Each command group lives in its own module with ``register(app)``.

Exit codes: 0 done, 1 failed run, 2 bad input or usage. Expected errors print one clear
message (no stack trace); anything unexpected is logged with its stack and exits 1.
"""

from __future__ import annotations

import importlib
import logging
import sys

import typer

from bot.cli.output import err_console

# Each top-level command and the module that registers it. Only the module a command needs is
# imported, so `atrisk db upgrade` does not wait for LightGBM; `atrisk --help` loads them all.
COMMANDS: dict[str, str] = {
    "demo": "bot.cli.demo_cmd",
    "synth": "bot.cli.synth_cmd",
    "db": "bot.cli.db_cmd",
    "ingest": "bot.cli.ingest_cmd",
    "audit": "bot.cli.audit_cmd",
    "train": "bot.cli.train_cmd",
    "score": "bot.cli.score_cmd",
    "run": "bot.cli.ops_cmd",
    "status": "bot.cli.ops_cmd",
    "outcomes": "bot.cli.report_cmd",
    "report": "bot.cli.report_cmd",
    "model": "bot.cli.model_cmd",
    "check": "bot.cli.check_cmd",
    "spec": "bot.cli.spec_cmd",
    "serve": "bot.cli.serve_cmd",
    "digest": "bot.cli.digest_cmd",
    "export": "bot.cli.export_cmd",
}

log = logging.getLogger("atrisk")


def build_app(argv: list[str] | None = None) -> typer.Typer:
    """The CLI; with ``argv`` naming a known command, only that command's module is loaded."""
    app = typer.Typer(
        name="atrisk",
        help="Churn risk for customer success: score accounts, alert CSMs, close the loop.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
    )

    @app.callback()
    def _group() -> None:
        """Churn risk for customer success: score accounts, alert CSMs, close the loop."""

    first = next((a for a in argv or [] if not a.startswith("-")), None)
    wanted = [COMMANDS[first]] if first in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in wanted:
        importlib.import_module(name).register(app)
    return app


def _expected_exit_code(exc: BaseException) -> int | None:
    """Exit code for an expected error (any package's error tree), else None."""
    from bot.errors import exit_code_of

    return exit_code_of(exc)


def run(argv: list[str]) -> int:
    """Run the CLI with ``argv`` and return the exit code (tests call this directly)."""
    app = build_app(argv)
    try:
        app(args=argv, prog_name="atrisk")  # standalone: usage errors print and exit 2
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except KeyboardInterrupt:
        err_console.print("Interrupted.")
        return 130
    except Exception as e:
        code = _expected_exit_code(e)
        if code is None:
            log.exception("atrisk failed unexpectedly")
            err_console.print("[red]error:[/red] ", end="", markup=True)
            err_console.print(f"unexpected {type(e).__name__}: {e}", markup=False)
            return 1
        # The message may quote values from data: print it without rich markup.
        err_console.print("[red]error:[/red] ", end="", markup=True)
        err_console.print(str(e), markup=False, highlight=False)
        return code
    return 0


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(run(sys.argv[1:]))
