"""The composition root: settings, spec, engine and units of work, built on demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings, load_settings
from bot.spec import Spec, load_spec
from playbooks import Library, load_library
from storage.db import make_engine, session_factory
from storage.migrate import require_head
from storage.unit_of_work import UnitOfWork


def playbook_library(spec: Spec) -> Library:
    """The playbook library ``atrisk.yml`` asks for (``actions.playbooks``, ``extend_builtin``).

    With the built-in features, conditions may only name catalog features.
    """
    from scoring.catalog import FEATURES  # imported here: the CLI starts without scoring

    folder = spec.resolve(spec.actions.playbooks)
    known = set(FEATURES) if spec.contract.features == "builtin" else None
    return load_library(
        Path(folder) if folder else None,
        extend_builtin=spec.actions.extend_builtin,
        known_features=known,
    )


def default_spec_path() -> Path:
    """The example spec that ships inside the package (used by the demo)."""
    return Path(str(resources.files("bot") / "defaults" / "atrisk.yml"))


@dataclass
class Context:
    """What a command or the Slack app needs; each part is built the first time it is used."""

    settings: Settings = field(default_factory=load_settings)
    spec_path: Path | None = None
    #: only `atrisk db upgrade` and the demo may create the database; every other use
    #: refuses a SQLite file that does not exist (a misspelt path) instead of making it
    create_database: bool = False

    @cached_property
    def spec(self) -> Spec:
        return load_spec(self.spec_path or self.settings.atrisk_spec)

    @cached_property
    def playbooks(self) -> Library:
        """The validated playbook library; a broken one raises ``LibraryInvalid`` (never half)."""
        return playbook_library(self.spec)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(
            self.settings.database_url, create=self.create_database, label="DATABASE_URL"
        )

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(self.engine)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    def require_schema(self) -> None:
        """Refuse to run against a database that `atrisk db upgrade` has not prepared."""
        require_head(self.engine)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
