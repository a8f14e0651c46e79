"""Settings from the environment (prefix ``MULTISTORE_``) and their eventsourcing translation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from multistore_core.domain.member import PointsRules, Tier
from multistore_core.routing import Policy, RoutingRules


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
    group_commit: bool = Field(
        default=False,
        description="batch concurrent commands into one save per transaction (see write-path docs)",
    )
    points_per_currency_unit: Decimal = Field(
        default=Decimal(1), ge=0, le=1000, description="points earned per whole unit paid"
    )
    points_per_currency_unit_redeemed: int = Field(
        default=100, ge=1, le=1_000_000, description="points worth one currency unit off an order"
    )
    points_validity_days: int = Field(default=365, ge=1, le=36500)
    tier_gold_growth: int = Field(default=2000, ge=1, description="growth value to reach gold")
    tier_diamond_growth: int = Field(default=10000, ge=1, description="growth value for diamond")
    tier_silver_multiplier: Decimal = Field(default=Decimal(1), ge=0, le=100)
    tier_gold_multiplier: Decimal = Field(default=Decimal("1.5"), ge=0, le=100)
    tier_diamond_multiplier: Decimal = Field(default=Decimal(2), ge=0, le=100)
    transfer_suggestion_margin: int = Field(
        default=5, ge=0, description="units above safety stock a store keeps when it gives"
    )
    routing_policy: Policy = Field(
        default="nearest", description="how routed orders rank stores: nearest|most_stock|priority"
    )
    routing_priority: dict[str, list[str]] = Field(
        default_factory=dict,
        description='priority policy: store codes per region, best first (JSON: {"east": [...]})',
    )
    routing_attempts: int = Field(
        default=3, ge=1, le=50, description="routes a placement tries when the stock view was stale"
    )
    routing_max_split_stores: int = Field(
        default=3, ge=2, le=10, description="most stores one split order is served by"
    )

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        scheme = urlsplit(url).scheme
        if scheme not in ("sqlite", "postgresql", "postgres", "memory"):
            raise ValueError(f"unsupported database scheme {scheme!r}: use sqlite, postgresql")
        return url

    @model_validator(mode="after")
    def _tiers_ascend(self) -> Self:
        if self.tier_diamond_growth <= self.tier_gold_growth:
            raise ValueError("tier_diamond_growth: must be above tier_gold_growth")
        if self.routing_policy == "priority" and not self.routing_priority:
            raise ValueError("routing_priority: the priority policy needs store codes per region")
        return self

    def routing_rules(self) -> RoutingRules:
        """How routed orders rank and split (see docs/routing.md)."""
        return RoutingRules(
            self.routing_policy, self.routing_priority, self.routing_max_split_stores
        )

    def points_rules(self) -> PointsRules:
        """The earning, validity and tier rules for member points."""
        return PointsRules(
            earn_per_unit=self.points_per_currency_unit,
            validity_days=self.points_validity_days,
            tiers=(
                Tier("silver", 0, self.tier_silver_multiplier),
                Tier("gold", self.tier_gold_growth, self.tier_gold_multiplier),
                Tier("diamond", self.tier_diamond_growth, self.tier_diamond_multiplier),
            ),
        )

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
            "PERSISTENCE_MODULE": "multistore_core.pg_recorder",
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
