"""The application base: the write path, aggregate lookups and reading the log."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
)
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording, Transcoder
from eventsourcing.utils import get_topic

from multistore_core import commands as c
from multistore_core.context import NO_CONTEXT, Clock, CommandContext, issuing, utc_now
from multistore_core.domain.base import Entity, replay
from multistore_core.domain.catalog import CENT, CatalogItem
from multistore_core.domain.customer_order import CustomerOrder
from multistore_core.domain.member import MemberAccount
from multistore_core.domain.order import Order
from multistore_core.domain.stock import StockItem
from multistore_core.domain.store import Store
from multistore_core.errors import (
    ConcurrencyConflict,
    InvalidCommand,
    UnknownMember,
    UnknownOrder,
    UnknownSku,
    UnknownStore,
)
from multistore_core.group_commit import GroupCommitter
from multistore_core.ids import (
    catalog_item_id,
    member_id,
    order_id,
    stock_item_id,
    store_id,
)
from multistore_core.results import (
    MemberSummary,
    OrderSummary,
    PointsExpiry,
    Receipt,
    StockLevel,
    TransferSummary,
    at_position,
)
from multistore_core.settings import Settings
from multistore_core.transcoder import OrjsonTranscoder

R = TypeVar("R", Receipt, StockLevel, OrderSummary, TransferSummary, MemberSummary, PointsExpiry)
A = TypeVar("A", bound=Entity)
K = TypeVar("K")
Decision = tuple[Sequence[Entity], R]


class StaleRead(Exception):
    """What a command read changed before it could save: decide again, like a version conflict."""


class ApplicationBase(Application[UUID]):
    """What every use case builds on: settings, clock, lookups, and saving with retries."""

    def __init__(
        self,
        settings: Settings | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings or Settings()
        self.clock = clock
        super().__init__(env=self.settings.eventsourcing_env())
        self._committer = (
            GroupCommitter(self, self.settings.conflict_retries, redecide_on=(StaleRead,))
            if self.settings.group_commit
            else None
        )
        self._expiry_lock = threading.Lock()
        self._expiry_position = 0
        self._unpaid: dict[str, datetime] = {}
        self._key_lock = threading.Lock()
        self._key_index: dict[type[Any], tuple[int, set[Any]]] = {}

    # the write path

    def _execute(
        self,
        command: c.Command,
        context: CommandContext | None,
        decide: Callable[[], Decision[R]],
        reads: Sequence[UUID] = (),
    ) -> R:
        """Run ``decide`` and save what it changed in one transaction, retrying on conflict.

        ``reads``: aggregates ``decide`` will look up, which group commit loads in bulk.
        """
        key = getattr(command, "idempotency_key", None)

        def issued() -> Decision[R]:
            with issuing(type(command).__name__, context or NO_CONTEXT, self.clock, key):
                return decide()

        if self._committer is not None:
            grouped: R = self._committer.execute(type(command).__name__, issued, reads)
            return grouped
        attempts = self.settings.conflict_retries + 1
        for attempt in range(attempts):
            try:
                aggregates, result = issued()
                changed = [a for a in aggregates if a.pending_events]
                if not changed:
                    return result
                recordings = self.save(*changed)
            except (IntegrityError, StaleRead):
                time.sleep(random.uniform(0, min(0.1, 0.002 * 2**attempt)))
                continue
            return at_position(result, recordings[-1].notification.id)
        raise ConcurrencyConflict(type(command).__name__, attempts)

    def construct_transcoder(self) -> Transcoder:
        transcoder: JSONTranscoder = OrjsonTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's save, taking our own aggregates and events without its runtime
        protocol checks, which on Python 3.11 cost more than encoding the event."""
        if not all(isinstance(obj, Entity | Entity.Event) for obj in objs):
            return super().save(*objs, **kwargs)
        processing = ProcessingEvent[UUID]()
        for obj in objs:
            if isinstance(obj, Entity):
                processing.events.extend(obj.collect_events())
                processing.aggregates[obj.id] = obj
            else:
                processing.events.append(obj)
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        return recordings

    def _find(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A | None:
        if version is None and self._committer is not None and self._committer.is_deciding():
            aggregate: Entity | None = self._committer.find(aggregate_id)
        else:
            try:
                aggregate = self.repository.get(
                    aggregate_id, version=version, projector_func=replay
                )
            except AggregateNotFoundError:
                return None
        if aggregate is None:
            return None
        assert isinstance(aggregate, cls)
        return aggregate

    def _store(self, code: str, field: str = "store") -> Store:
        return self._find(Store, store_id(code)) or _raise(UnknownStore(code, field))

    def _catalog_item(self, sku: str, field: str = "sku") -> CatalogItem:
        return self._find(CatalogItem, catalog_item_id(sku)) or _raise(UnknownSku(sku, field))

    def _order(self, ref: str) -> Order:
        found = self._find(Entity, order_id(ref))
        if isinstance(found, CustomerOrder):
            parts = ", ".join(found.part_ids)
            raise InvalidCommand("order_id", f"{ref!r} is split into {parts}: act on each part")
        if found is None:
            raise UnknownOrder(ref)
        assert isinstance(found, Order)
        return found

    def _split_or_order(self, ref: str) -> tuple[CustomerOrder | None, list[Order]]:
        """A split order (found by its ref or a part's) with its parts, or one plain order."""
        found = self._find(Entity, order_id(ref))
        if isinstance(found, Order) and found.customer_order is not None:
            found = self._find(Entity, order_id(found.customer_order))
        if isinstance(found, CustomerOrder):
            return found, [self._order(part) for part in found.part_ids]
        return None, [self._order(ref)]

    def _stock_item(self, store: str, sku: str) -> StockItem:
        """The stock item of a known store and SKU, opened empty if it has no history yet."""
        self._store(store)
        self._catalog_item(sku)
        item = self._find(StockItem, stock_item_id(store, sku))
        return item or StockItem(store=store, sku=sku)

    def log_position(self) -> int:
        """The position of the newest event in the log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def points_value(self, points: int) -> Decimal:
        """What ``points`` take off an order, rounded down to the cent."""
        rate = self.settings.points_per_currency_unit_redeemed
        return (Decimal(points) / rate).quantize(CENT, rounding=ROUND_DOWN)

    def _member(self, member: str, field: str = "member_id") -> MemberAccount:
        found = self._find(MemberAccount, member_id(member))
        return found or _raise(UnknownMember(member, field))

    # following the log

    def _events_in_log(self, classes: Sequence[type[Any]], after: int = 0) -> Iterator[Any]:
        """Stored events of the given classes after a log position, oldest first."""
        topics = [get_topic(cls) for cls in classes]
        while True:
            notifications = self.recorder.select_notifications(
                after, 500, topics=topics, inclusive_of_start=False
            )
            if not notifications:
                return
            for notification in notifications:
                yield self.mapper.to_domain_event(notification)
            after = notifications[-1].id

    def _keys_in_log(self, created: type[Any], key: Callable[[Any], K]) -> set[K]:
        """Keys of every aggregate created by events of class ``created``, read incrementally."""
        with self._key_lock:
            position, keys = self._key_index.get(created, (0, set()))
            last = self.log_position()
            keys.update(key(event) for event in self._events_in_log([created], position))
            self._key_index[created] = (max(position, last), keys)
            return set(keys)


def _raise(error: Exception) -> Any:
    raise error
