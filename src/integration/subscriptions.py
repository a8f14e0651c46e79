"""Webhook subscriptions and their delivery log: SQL tables beside the views (SQLAlchemy Core)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    or_,
    select,
    update,
)

from integration.settings import WebhookSettings
from multistore_core.errors import NotFound
from projections.database import ViewStore
from projections.projection import naive_utc

metadata = MetaData()

subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("url", String(2048), nullable=False),
    Column("types", Text, nullable=False),  # public event types, comma-separated
    Column("store", String(64)),
    Column("secret", String(256), nullable=False),
    Column("description", String(200)),
    Column("status", String(16), nullable=False),  # active | paused
    Column("position", BigInteger, nullable=False),  # the last log position handled
    Column("delivered", BigInteger, nullable=False),
    Column("failures", Integer, nullable=False),  # failed attempts in a row at ``position``
    Column("next_attempt_at", DateTime),
    Column("last_delivered_at", DateTime),
    Column("last_error", Text),
    Column("paused_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_until", DateTime),
)

deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("subscription_id", String(32), nullable=False, index=True),
    Column("event_id", BigInteger, nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("attempted_at", DateTime, nullable=False),
    Column("outcome", String(16), nullable=False),  # delivered | failed
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
)

KEEP_DELIVERIES = 1000


class UnknownSubscription(NotFound):
    def __init__(self, subscription_id: str) -> None:
        super().__init__("subscription_id", f"no webhook subscription {subscription_id!r}")


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    types: tuple[str, ...]
    store: str | None
    secret: str
    description: str | None
    status: str
    position: int
    delivered: int
    failures: int
    next_attempt_at: datetime | None
    last_delivered_at: datetime | None
    last_error: str | None
    paused_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: Any) -> Subscription:
        values = {name: row[name] for name in cls.__dataclass_fields__}
        values["types"] = tuple(str(row["types"]).split(","))
        return cls(**values)


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt of one event: what was sent and what came back."""

    id: int
    event_id: int
    event_type: str
    attempt: int
    attempted_at: datetime
    outcome: str
    status_code: int | None
    error: str | None
    duration_ms: int


class SubscriptionStore:
    """Subscriptions, their positions in the log and their delivery log, in ``views``' database."""

    def __init__(self, views: ViewStore) -> None:
        self.views = views
        with views.transaction() as connection:
            metadata.create_all(connection)

    # managing subscriptions

    def create(
        self,
        url: str,
        types: list[str],
        position: int,
        now: datetime,
        store: str | None = None,
        secret: str | None = None,
        description: str | None = None,
    ) -> Subscription:
        """Add an active subscription that delivers the events after log ``position``."""
        subscription_id = uuid4().hex
        with self.views.transaction() as connection:
            connection.execute(
                insert(subscriptions).values(
                    id=subscription_id,
                    url=url,
                    types=",".join(types),
                    store=store,
                    secret=secret or "whsec_" + secrets.token_urlsafe(24),
                    description=description,
                    status="active",
                    position=position,
                    delivered=0,
                    failures=0,
                    created_at=naive_utc(now),
                )
            )
        return self.get(subscription_id)

    def get(self, subscription_id: str) -> Subscription:
        with self.views.reading() as connection:
            row = (
                connection.execute(
                    select(subscriptions).where(subscriptions.c.id == subscription_id)
                )
                .mappings()
                .first()
            )
        if row is None:
            raise UnknownSubscription(subscription_id)
        return Subscription.of(row)

    def all(self) -> list[Subscription]:
        with self.views.reading() as connection:
            rows = connection.execute(select(subscriptions).order_by(subscriptions.c.created_at))
            return [Subscription.of(row) for row in rows.mappings()]

    def change(self, subscription_id: str, **values: Any) -> Subscription:
        """Change url, types (a list), store, secret or description."""
        if "types" in values:
            values["types"] = ",".join(values["types"])
        self._update(subscription_id, values)
        return self.get(subscription_id)

    def pause(self, subscription_id: str, now: datetime, reason: str | None = None) -> Subscription:
        values: dict[str, Any] = {"status": "paused", "paused_at": naive_utc(now)}
        if reason is not None:
            values["last_error"] = reason
        self._update(subscription_id, values)
        return self.get(subscription_id)

    def resume(self, subscription_id: str) -> Subscription:
        """Deliver again from where delivery stopped, at once."""
        values = {"status": "active", "paused_at": None, "failures": 0, "next_attempt_at": None}
        self._update(subscription_id, values)
        return self.get(subscription_id)

    def delete(self, subscription_id: str) -> None:
        with self.views.transaction() as connection:
            gone = connection.execute(
                delete(subscriptions).where(subscriptions.c.id == subscription_id)
            )
            if gone.rowcount != 1:
                raise UnknownSubscription(subscription_id)
            connection.execute(
                delete(deliveries).where(deliveries.c.subscription_id == subscription_id)
            )

    def attempts(self, subscription_id: str, limit: int = 50) -> list[Attempt]:
        """The newest delivery attempts first."""
        self.get(subscription_id)
        statement = (
            select(deliveries)
            .where(deliveries.c.subscription_id == subscription_id)
            .order_by(deliveries.c.id.desc())
            .limit(limit)
        )
        with self.views.reading() as connection:
            rows = connection.execute(statement).mappings()
            return [
                Attempt(**{k: v for k, v in row.items() if k != "subscription_id"}) for row in rows
            ]

    def _update(self, subscription_id: str, values: dict[str, Any]) -> None:
        with self.views.transaction() as connection:
            changed = connection.execute(
                update(subscriptions).where(subscriptions.c.id == subscription_id).values(values)
            )
            if changed.rowcount != 1:
                raise UnknownSubscription(subscription_id)

    # delivering (each change below holds only while ``worker`` holds the subscription)

    def due(self, now: datetime) -> list[str]:
        """Active subscriptions whose next attempt is due and that no live worker holds."""
        moment = naive_utc(now)
        statement = select(subscriptions.c.id).where(
            subscriptions.c.status == "active",
            or_(
                subscriptions.c.next_attempt_at.is_(None), subscriptions.c.next_attempt_at <= moment
            ),
            or_(subscriptions.c.claimed_until.is_(None), subscriptions.c.claimed_until < moment),
        )
        with self.views.reading() as connection:
            return list(connection.scalars(statement))

    def claim(
        self, subscription_id: str, worker: str, now: datetime, lease: float
    ) -> Subscription | None:
        """Hold a due subscription for ``lease`` seconds; None when it is not free or not due."""
        moment = naive_utc(now)
        with self.views.transaction() as connection:
            claimed = connection.execute(
                update(subscriptions)
                .where(
                    subscriptions.c.id == subscription_id,
                    subscriptions.c.status == "active",
                    or_(
                        subscriptions.c.next_attempt_at.is_(None),
                        subscriptions.c.next_attempt_at <= moment,
                    ),
                    or_(
                        subscriptions.c.claimed_by.is_(None),
                        subscriptions.c.claimed_by == worker,
                        subscriptions.c.claimed_until < moment,
                    ),
                )
                .values(claimed_by=worker, claimed_until=moment + timedelta(seconds=lease))
            )
            if claimed.rowcount != 1:
                return None
            row = (
                connection.execute(
                    select(subscriptions).where(subscriptions.c.id == subscription_id)
                )
                .mappings()
                .one()
            )
        return Subscription.of(row)

    def delivered(
        self, subscription: Subscription, worker: str, attempt: Attempt, lease: float
    ) -> bool:
        """Log a successful attempt and move past its event; False once the worker should stop:
        it lost its hold or the subscription was paused meanwhile."""
        values = {
            "position": attempt.event_id,
            "delivered": subscriptions.c.delivered + 1,
            "failures": 0,
            "next_attempt_at": None,
            "last_delivered_at": attempt.attempted_at,
            "last_error": None,
            "claimed_until": attempt.attempted_at + timedelta(seconds=lease),
        }
        return self._record(subscription, worker, attempt, values)

    def failed(
        self, subscription: Subscription, worker: str, attempt: Attempt, settings: WebhookSettings
    ) -> bool:
        """Log a failed attempt; back off, or pause after too many in a row."""
        values: dict[str, Any] = {"failures": attempt.attempt, "last_error": attempt.error}
        if attempt.attempt >= settings.pause_after:
            values |= {"status": "paused", "paused_at": attempt.attempted_at}
        else:
            wait = timedelta(seconds=settings.backoff(attempt.attempt))
            values["next_attempt_at"] = attempt.attempted_at + wait
        return self._record(subscription, worker, attempt, values)

    def advance(self, subscription: Subscription, worker: str, position: int) -> bool:
        """Move past log positions that hold nothing for this subscription."""
        with self.views.transaction() as connection:
            return self._guarded(connection, subscription, worker, {"position": position})

    def release(self, subscription_id: str, worker: str) -> None:
        with self.views.transaction() as connection:
            connection.execute(
                update(subscriptions)
                .where(subscriptions.c.id == subscription_id, subscriptions.c.claimed_by == worker)
                .values(claimed_by=None, claimed_until=None)
            )

    def _record(
        self, subscription: Subscription, worker: str, attempt: Attempt, values: dict[str, Any]
    ) -> bool:
        with self.views.transaction() as connection:
            if not self._guarded(connection, subscription, worker, values):
                return False
            row = {k: v for k, v in vars(attempt).items() if k != "id"}
            added = connection.execute(
                insert(deliveries).values(subscription_id=subscription.id, **row)
            )
            key = added.inserted_primary_key
            if key is not None and key[0] % 100 == 0:
                self._trim(connection, subscription.id)
            status = connection.scalar(
                select(subscriptions.c.status).where(subscriptions.c.id == subscription.id)
            )
        return status == "active"

    @staticmethod
    def _guarded(
        connection: Connection, subscription: Subscription, worker: str, values: dict[str, Any]
    ) -> bool:
        changed = connection.execute(
            update(subscriptions)
            .where(
                subscriptions.c.id == subscription.id,
                subscriptions.c.claimed_by == worker,
            )
            .values(values)
        )
        return changed.rowcount == 1

    @staticmethod
    def _trim(connection: Connection, subscription_id: str) -> None:
        """Keep the newest ``KEEP_DELIVERIES`` attempts of a subscription."""
        oldest_kept = connection.scalar(
            select(deliveries.c.id)
            .where(deliveries.c.subscription_id == subscription_id)
            .order_by(deliveries.c.id.desc())
            .offset(KEEP_DELIVERIES - 1)
            .limit(1)
        )
        if oldest_kept is not None:
            connection.execute(
                delete(deliveries).where(
                    deliveries.c.subscription_id == subscription_id, deliveries.c.id < oldest_kept
                )
            )
