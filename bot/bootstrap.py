"""The composition root: the one place that builds adapters (engine, units of work, the spec,
the validated playbook library, the Slack port and its Web API client, the clock).

Everything is built on first use, nothing at import time. Services receive what they need
from here; tests build the same graph on a test database and pass fakes of the ports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.ports import Clock, SlackPort, utc_clock
from bot.settings import Settings, load_settings
from bot.spec import Spec, load_spec
from playbooks import Library, load_library
from storage.db import make_engine, session_factory
from storage.migrate import require_head
from storage.source_engine import default_source_url, make_source_engine, prepare_embedded
from storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.adapters.dry_run import DryRunOutbox


def playbook_library(spec: Spec) -> Library:
    """The playbook library ``atrisk.yml`` asks for (``actions.playbooks``, ``extend_builtin``),
    validated once, the same way for every entry point (``check``, ``serve``, the daily run).

    With the built-in features, conditions may only name catalog features; with
    ``account_features`` they may name any column (checked against the table at training).
    With ``entity: lead`` the sales plays and the lead features are the library's.
    Raises ``LibraryInvalid`` listing every problem (never half a library).
    """
    from scoring.catalog import FEATURES  # imported here: the CLI starts without scoring
    from scoring.lead_catalog import LEAD_FEATURES

    folder = spec.resolve(spec.actions.playbooks)
    lead = spec.entity.kind == "lead"
    known = set(LEAD_FEATURES if lead else FEATURES)
    return load_library(
        Path(folder) if folder else None,
        extend_builtin=spec.actions.extend_builtin,
        known_features=known if lead or spec.contract.features == "builtin" else None,
        entity=spec.entity.kind,
    )


def default_spec_path() -> Path:
    """The example spec that ships inside the package (used by the demo)."""
    return Path(str(resources.files("bot") / "defaults" / "atrisk.yml"))


@dataclass
class Context:
    """The root: what a command, the Slack app or the scheduler needs, each part built the
    first time it is used."""

    settings: Settings = field(default_factory=load_settings)
    spec_path: Path | None = None
    clock: Clock = utc_clock
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

    def _contract_source(self) -> tuple[str | None, str | None]:
        """``contract.source`` and ``contract.source_schema``; none without an atrisk.yml."""
        path = self.spec_path or self.settings.atrisk_spec
        if "spec" not in self.__dict__ and not Path(path).exists():
            return None, None
        return self.spec.contract.source, self.spec.contract.source_schema

    @property
    def source_url(self) -> str | None:
        """The source engine's URL: a URL ``contract.source`` (read in place), else
        ``ATRISK_SOURCE_URL``, else a DuckDB file beside a SQLite ``DATABASE_URL``; ``None``
        means the application database holds the source tables too (also when
        ``ATRISK_SOURCE_URL`` names it: one database is one engine, so one transaction and no
        second connection waiting on the first's lock)."""
        source, _ = self._contract_source()
        if source and "://" in source:
            return source
        database = self.settings.database_url
        url = self.settings.atrisk_source_url or default_source_url(database)
        return None if url == database else url

    @property
    def source_in_place(self) -> bool:
        """Whether the source is read where it lives (a URL ``contract.source``): never ingested."""
        source, _ = self._contract_source()
        return bool(source and "://" in source)

    @cached_property
    def source_engine(self) -> Engine:
        """The engine holding the contract's tables (features and their checks run there).

        An embedded DuckDB file gets its tables on first use; a URL source is only read.
        """
        url = self.source_url
        if url is None:
            return self.engine
        schema = self._contract_source()[1] if self.source_in_place else None
        label = "contract.source" if self.source_in_place else "ATRISK_SOURCE_URL"
        engine = make_source_engine(url, schema=schema, label=label)
        if not self.source_in_place:
            prepare_embedded(engine)
        return engine

    @property
    def product(self) -> str:
        """The product this root runs: the spec's ``entity`` (``account``: churn, or ``lead``);
        ``account`` when there is no atrisk.yml yet."""
        path = self.spec_path or self.settings.atrisk_spec
        if "spec" not in self.__dict__ and not Path(path).exists():
            return "account"
        return self.spec.entity.kind

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions that see and write only this product's models, runs, scores and alerts
        (``storage.product``): a churn spec and a lead spec may share one database."""
        return session_factory(self.engine, product=self.product)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    @cached_property
    def web_client(self) -> WebClient:
        """The one Slack ``WebClient`` (bot token, safe retry handlers); the Slack app's too.
        Raises ``SettingsError`` without ``SLACK_BOT_TOKEN``."""
        from bot.adapters.slack_web import make_client

        return make_client(self.settings)

    @cached_property
    def dry_run_slack(self) -> DryRunOutbox:
        """The dry-run port: payloads written under ``ATRISK_OUTBOX_DIR``."""
        from bot.adapters.dry_run import DryRunOutbox

        return DryRunOutbox(self.settings.atrisk_outbox_dir)

    @cached_property
    def slack(self) -> SlackPort:
        """The Slack port: the Web API with a bot token, else the dry-run outbox folder."""
        if self.settings.dry_run:
            return self.dry_run_slack
        from bot.adapters.slack_web import SlackWebApi

        return SlackWebApi(self.web_client)

    def require_schema(self) -> None:
        """Refuse to run against a database that `atrisk db upgrade` has not prepared."""
        require_head(self.engine)

    def close(self) -> None:
        if "source_engine" in self.__dict__ and self.source_engine is not self.__dict__.get(
            "engine"
        ):
            self.source_engine.dispose()
        if "engine" in self.__dict__:
            self.engine.dispose()
