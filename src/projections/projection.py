"""The projection base class, its event handler registry and the per-view tracking table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from eventsourcing.utils import get_topic
from sqlalchemy import BigInteger, Column, Connection, DateTime, MetaData, String, Table

from multistore_core.log_reader import LoggedEvent
from projections.rows import Rows

metadata = MetaData()

tracking = Table(
    "projection_tracking",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("last_event_at", DateTime),
    Column("processed_at", DateTime),
)

Handler = Callable[[Any, LoggedEvent], None]


def handles(aggregate: type, *event_names: str) -> Callable[[Handler], Handler]:
    """Mark a projection method as the handler of ``aggregate``'s events of these names."""

    def mark(method: Handler) -> Handler:
        method._handles = [get_topic(getattr(aggregate, name)) for name in event_names]  # type: ignore[attr-defined]
        return method

    return mark


class Projection:
    """A view: its tables, and one handler per event topic it follows.

    Handlers read events as :class:`LoggedEvent` records (``multistore_core.log_reader``) and
    change the view's cached rows; the live runner and a rebuild run the same handlers and
    differ only in how many events they fold before writing the rows.
    """

    name: ClassVar[str]
    tables: ClassVar[tuple[Table, ...]]
    handlers: ClassVar[dict[str, Handler]]

    def __init_subclass__(cls) -> None:
        cls.handlers = {}
        for attribute in vars(cls).values():
            for topic in getattr(attribute, "_handles", ()):
                cls.handlers[topic] = attribute

    def __init__(self) -> None:
        self.rows = {table.name: Rows(table) for table in self.tables}

    @classmethod
    def topics(cls) -> set[str]:
        return set(cls.handlers)

    def apply(self, event: LoggedEvent) -> None:
        handler = self.handlers.get(event.log_topic)
        if handler is not None:
            handler(self, event)

    def apply_all(self, events: Iterable[LoggedEvent]) -> None:
        for event in events:
            self.apply(event)

    def starts_empty(self) -> None:
        """Trust the cache as the whole view: at position 0 the view's tables are empty."""
        for rows in self.rows.values():
            rows.forget()
            rows.complete = True

    def bind(self, connection: Connection | None) -> None:
        for rows in self.rows.values():
            rows.connection = connection

    def flush(self) -> None:
        for rows in self.rows.values():
            rows.flush()

    def forget(self) -> None:
        for rows in self.rows.values():
            rows.forget()


def naive_utc(moment: datetime) -> datetime:
    """A moment as naive UTC, the form every view stores (the same on SQLite and PostgreSQL)."""
    if moment.tzinfo is None:
        return moment
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None)


def hour_of(moment: datetime) -> datetime:
    return naive_utc(moment).replace(minute=0, second=0, microsecond=0)


def cents(amount: Decimal | str | int) -> int:
    """Money as whole cents: exact, and the same integer type on every database."""
    return int((Decimal(amount) * 100).to_integral_value())
