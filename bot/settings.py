"""Settings from the environment only. Secrets are ``SecretStr``: never printed or logged."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """Everything atrisk reads from the environment (names are the variables, upper-cased)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    database_url: str = "sqlite:///atrisk.db"
    #: where ingested source tables live; unset: a DuckDB file beside a SQLite DATABASE_URL
    #: (``atrisk.sources.duckdb``), else the application database itself
    atrisk_source_url: str | None = None
    atrisk_spec: Path = Field(default=Path("atrisk.yml"))
    atrisk_outbox_dir: Path = Field(default=Path("outbox"))
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = SLACK_API_URL
    slack_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    host: str = "0.0.0.0"
    port: int = 3000
    log_level: str = "INFO"

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "atrisk_source_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, v: object) -> object:
        return None if v in ("", None) else v

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, v: str) -> str:
        return v if v.endswith("/") else v + "/"

    @property
    def dry_run(self) -> bool:
        """Without a bot token nothing is sent to Slack: payloads go to the outbox folder."""
        return self.slack_bot_token is None


def load_settings() -> Settings:
    return Settings()
