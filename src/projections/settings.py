"""Read-side settings from the environment (prefix ``MULTISTORE_``) and the views database URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from multistore_core.settings import Settings

MEMORY_VIEWS_URL = "sqlite://"


class ProjectionSettings(BaseSettings):
    """Where the views live and how the runner reads the log."""

    model_config = SettingsConfigDict(env_prefix="MULTISTORE_", frozen=True, extra="ignore")

    views_url: str | None = Field(
        default=None,
        description=(
            "the views database (sqlite:///path.db or postgresql://...[?schema=name]); "
            "default: the event store's own database"
        ),
    )
    projections_batch_size: int = Field(default=1000, ge=1, le=100_000)
    projections_poll_seconds: float = Field(default=0.01, gt=0, le=60)


def views_url(settings: Settings, views: ProjectionSettings) -> str:
    """The views database: the explicit URL, else the event store's database.

    A ``memory://`` event store has no database, so its views live in a private in-memory
    SQLite database that only this process can see.
    """
    if views.views_url:
        return views.views_url
    if settings.backend == "memory":
        return MEMORY_VIEWS_URL
    return settings.database_url


def sqlalchemy_url(url: str) -> tuple[str, str | None]:
    """The SQLAlchemy form of a ``sqlite:`` or ``postgresql:`` URL, and its ``?schema=``."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return url, None
    if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ValueError(
            f"views_url: unsupported scheme {parts.scheme!r}: use sqlite or postgresql"
        )
    query = parse_qs(parts.query)
    schema = query.pop("schema", [None])[0]
    rest = urlencode({key: values[-1] for key, values in query.items()})
    converted = urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, rest, ""))
    return converted, schema


def libpq_url(url: str) -> str:
    """A ``postgresql://`` URL psycopg can connect with (no SQLAlchemy driver, no schema)."""
    converted, _ = sqlalchemy_url(url)
    return converted.replace("postgresql+psycopg://", "postgresql://", 1)
