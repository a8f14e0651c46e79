"""Settings from the environment (prefix ``MULTISTORE_``) and their eventsourcing translation."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything has a default: with no settings, an SQLite file in the working directory."""

    model_config = SettingsConfigDict(env_prefix="MULTISTORE_", frozen=True)

    database_url: str = Field(
        default="sqlite:///multistore.db",
        description=(
            "sqlite:///path.db, postgresql://user:password@host:port/dbname[?schema=name], "
            "or memory:// (no persistence, for tests)"
        ),
    )
    order_ttl_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    conflict_retries: int = Field(default=10, ge=0, le=100)
    postgres_lock_timeout_seconds: int = Field(default=30, ge=1)
    postgres_pool_size: int = Field(default=10, ge=1, le=200)

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        scheme = urlsplit(url).scheme
        if scheme not in ("sqlite", "postgresql", "postgres", "memory"):
            raise ValueError(f"unsupported database scheme {scheme!r}: use sqlite, postgresql")
        return url

    @property
    def backend(self) -> str:
        scheme = urlsplit(self.database_url).scheme
        return "postgresql" if scheme == "postgres" else scheme

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment the eventsourcing library reads to build its recorder."""
        url = urlsplit(self.database_url)
        if self.backend == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if self.backend == "sqlite":
            path = unquote(url.path[1:]) if url.path.startswith("/") else unquote(url.path)
            if not path:
                raise ValueError("database_url: an sqlite URL needs a file path")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": path,
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_LOCK_TIMEOUT": str(self.postgres_lock_timeout_seconds),
            "POSTGRES_POOL_SIZE": str(self.postgres_pool_size),
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        }
        schema = parse_qs(url.query).get("schema")
        if schema:
            env["POSTGRES_SCHEMA"] = schema[0]
        return env
