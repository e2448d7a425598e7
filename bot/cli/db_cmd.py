"""``atrisk db upgrade``: Alembic migrations are the only way the schema is made."""

from __future__ import annotations

import typer

from bot.bootstrap import Context
from bot.cli.output import console
from storage.migrate import current_revision, head_revision, upgrade


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)

    @db.command("upgrade")
    def db_upgrade() -> None:
        """Create or migrate atrisk's tables in DATABASE_URL to the newest revision."""
        ctx = Context(create_database=True)
        try:
            before = current_revision(ctx.engine)
            upgrade(ctx.engine)
            where = ctx.engine.url.render_as_string(hide_password=True)
        finally:
            ctx.close()
        after = head_revision()
        if before == after:
            console.print(f"{where} is already at revision {after}.")
        else:
            console.print(f"{where} upgraded from {before or 'empty'} to revision {after}.")

    app.add_typer(db, name="db")
