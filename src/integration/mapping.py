"""The explicit mapping from internal events to public events; nothing else reads event classes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from integration import public as p
from multistore_core import MultiStore
from multistore_core.domain.member import MemberAccount
from multistore_core.domain.order import FULFILLED_STATUS, Order
from multistore_core.domain.stock import StockItem
from multistore_core.domain.transfer import Transfer


@dataclass(frozen=True)
class PublicEvent:
    """One public event: its JSON ``body`` and every store it concerns (for scoping)."""

    body: dict[str, Any]
    stores: frozenset[str]

    @property
    def id(self) -> int:
        position: int = self.body["id"]
        return position

    @property
    def type(self) -> str:
        kind: str = self.body["type"]
        return kind

    def concerns(self, store: str | None) -> bool:
        """True when ``store`` is None or one of the stores the event concerns."""
        return store is None or store in self.stores


class Origins:
    """The creation event of each aggregate (it holds the business keys later events lack)."""

    def __init__(self, app: MultiStore, capacity: int = 100_000) -> None:
        self.app = app
        self.capacity = capacity
        self._lock = threading.Lock()
        self._cache: OrderedDict[UUID, Any] = OrderedDict()

    def of(self, event: Any) -> Any:
        originator: UUID = event.originator_id
        if event.originator_version == 1:
            self._remember(originator, event)
            return event
        with self._lock:
            found = self._cache.get(originator)
            if found is not None:
                self._cache.move_to_end(originator)
                return found
        stored = self.app.recorder.select_events(originator, lte=1)
        first = self.app.mapper.to_domain_event(stored[0])
        self._remember(originator, first)
        return first

    def _remember(self, originator: UUID, event: Any) -> None:
        with self._lock:
            self._cache[originator] = event
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)


@dataclass(frozen=True)
class _Mapped:
    store: str
    data: p.Data
    also_concerns: tuple[str, ...] = ()


Mapper = Callable[[Any, Any], _Mapped]
MAPPERS: dict[type, Mapper] = {}
TYPE_OF: dict[type, str] = {}


def maps(public: type[p.Data], *internal: type) -> Callable[[Mapper], Mapper]:
    """Register a function mapping ``internal`` events (and their origin) to ``public`` data."""

    def register(mapper: Mapper) -> Mapper:
        for event_class in internal:
            MAPPERS[event_class] = mapper
            TYPE_OF[event_class] = p.EVENT_TYPE_OF[public].name
        return mapper

    return register


def topics_of(types: Iterable[str] | None) -> list[str]:
    """The stored topics of the internal events behind the public ``types`` (all when None)."""
    wanted = set(p.EVENT_TYPES) if types is None else set(types)
    return sorted(get_topic(cls) for cls, name in TYPE_OF.items() if name in wanted)


# stock


def _changes(on_hand: int = 0, reserved: int = 0, incoming: int = 0) -> dict[str, int]:
    return {"on_hand_change": on_hand, "reserved_change": reserved, "incoming_change": incoming}


@maps(p.StockReceived, StockItem.Received)  # type: ignore[attr-defined]
def _stock_received(event: Any, item: Any) -> _Mapped:
    data = p.StockReceived(
        sku=item.sku,
        quantity=event.quantity,
        reference=event.reference,
        **_changes(on_hand=event.quantity - event.covered_shortage),
    )
    return _Mapped(item.store, data)


@maps(p.StockReserved, StockItem.Reserved)
def _stock_reserved(event: Any, item: Any) -> _Mapped:
    data = p.StockReserved(
        sku=item.sku,
        order_id=event.order_id,
        quantity=event.quantity,
        **_changes(reserved=event.quantity),
    )
    return _Mapped(item.store, data)


@maps(p.StockReleased, StockItem.Released)  # type: ignore[attr-defined]
def _stock_released(event: Any, item: Any) -> _Mapped:
    data = p.StockReleased(
        sku=item.sku,
        order_id=event.order_id,
        quantity=event.quantity,
        reason=event.reason,
        **_changes(on_hand=-event.written_off, reserved=-event.quantity),
    )
    return _Mapped(item.store, data)


@maps(p.StockSold, StockItem.Sold)  # type: ignore[attr-defined]
def _stock_sold(event: Any, item: Any) -> _Mapped:
    data = p.StockSold(
        sku=item.sku,
        order_id=event.order_id,
        quantity=event.quantity,
        **_changes(on_hand=-event.quantity, reserved=-event.quantity),
    )
    return _Mapped(item.store, data)


@maps(p.StockAdjusted, StockItem.Adjusted, StockItem.Counted)  # type: ignore[attr-defined]
def _stock_adjusted(event: Any, item: Any) -> _Mapped:
    counted = getattr(event, "counted", None)
    data = p.StockAdjusted(
        sku=item.sku,
        reason="stocktake" if counted is not None else event.reason,
        counted=counted,
        note=event.note,
        **_changes(on_hand=event.delta),
    )
    return _Mapped(item.store, data)


@maps(p.StockTransferred, StockItem.TransferredOut)  # type: ignore[attr-defined]
def _stock_transferred_out(event: Any, item: Any) -> _Mapped:
    data = p.StockTransferred(
        sku=item.sku,
        transfer_id=event.transfer_id,
        movement="out",
        quantity=event.quantity,
        **_changes(on_hand=-event.quantity),
    )
    return _Mapped(item.store, data)


@maps(p.StockTransferred, StockItem.IncomingAdded)  # type: ignore[attr-defined]
def _stock_in_transit(event: Any, item: Any) -> _Mapped:
    data = p.StockTransferred(
        sku=item.sku,
        transfer_id=event.transfer_id,
        movement="in_transit",
        quantity=event.quantity,
        **_changes(incoming=event.quantity),
    )
    return _Mapped(item.store, data)


@maps(p.StockTransferred, StockItem.TransferredIn)  # type: ignore[attr-defined]
def _stock_transferred_in(event: Any, item: Any) -> _Mapped:
    data = p.StockTransferred(
        sku=item.sku,
        transfer_id=event.transfer_id,
        movement="in",
        quantity=event.quantity,
        **_changes(on_hand=event.quantity - event.covered_shortage, incoming=-event.expected),
    )
    return _Mapped(item.store, data)


@maps(p.StockRestocked, StockItem.Restocked)  # type: ignore[attr-defined]
def _stock_restocked(event: Any, item: Any) -> _Mapped:
    data = p.StockRestocked(
        sku=item.sku,
        order_id=event.order_id,
        quantity=event.quantity,
        **_changes(on_hand=event.quantity),
    )
    return _Mapped(item.store, data)


# orders


@maps(p.OrderPlaced, Order.Placed)
def _order_placed(event: Any, placed: Any) -> _Mapped:
    lines = [
        p.OrderLine(sku=line["sku"], quantity=line["quantity"], unit_price=line["unit_price"])
        for line in event.lines
    ]
    data = p.OrderPlaced(
        order_id=event.order_ref,
        fulfilment=event.fulfilment,
        member_id=event.member_id,
        lines=lines,
        total=event.total,
        points_used=event.points_used,
        points_value=event.points_value,
        amount_due=Decimal(event.total) - Decimal(event.points_value),
        expires_at=event.expires_at,
    )
    return _Mapped(event.store, data)


@maps(p.OrderPaid, Order.Paid)  # type: ignore[attr-defined]
def _order_paid(event: Any, placed: Any) -> _Mapped:
    data = p.OrderPaid(
        order_id=placed.order_ref, amount=event.amount, payment_ref=event.payment_ref
    )
    return _Mapped(placed.store, data)


@maps(
    p.OrderFulfilled,
    Order.MarkedReadyForPickup,  # type: ignore[attr-defined]
    Order.MarkedOutForDelivery,  # type: ignore[attr-defined]
    Order.Shipped,  # type: ignore[attr-defined]
)
def _order_fulfilled(event: Any, placed: Any) -> _Mapped:
    status = FULFILLED_STATUS[placed.fulfilment]
    return _Mapped(placed.store, p.OrderFulfilled(order_id=placed.order_ref, status=status))


@maps(p.OrderCompleted, Order.Completed)  # type: ignore[attr-defined]
def _order_completed(event: Any, placed: Any) -> _Mapped:
    return _Mapped(placed.store, p.OrderCompleted(order_id=placed.order_ref))


@maps(p.OrderCancelled, Order.Cancelled)  # type: ignore[attr-defined]
def _order_cancelled(event: Any, placed: Any) -> _Mapped:
    data = p.OrderCancelled(order_id=placed.order_ref, reason=event.reason, refund=event.refund)
    return _Mapped(placed.store, data)


@maps(p.OrderExpired, Order.Expired)  # type: ignore[attr-defined]
def _order_expired(event: Any, placed: Any) -> _Mapped:
    return _Mapped(placed.store, p.OrderExpired(order_id=placed.order_ref))


@maps(p.OrderReturned, Order.Returned)  # type: ignore[attr-defined]
def _order_returned(event: Any, placed: Any) -> _Mapped:
    data = p.OrderReturned(
        order_id=placed.order_ref,
        lines=[p.ReturnedLine(sku=line["sku"], quantity=line["quantity"]) for line in event.lines],
        restock=event.restock,
        reason=event.reason,
        refund=event.refund,
    )
    return _Mapped(placed.store, data)


# member points


@maps(p.PointsEarned, MemberAccount.PointsEarned)  # type: ignore[attr-defined]
def _points_earned(event: Any, enrolled: Any) -> _Mapped:
    data = p.PointsEarned(
        member_id=enrolled.member,
        order_id=event.order_ref,
        points=event.points,
        expires_at=event.expires_at,
    )
    return _Mapped(event.store, data)


@maps(p.PointsRedeemed, MemberAccount.PointsRedeemed)  # type: ignore[attr-defined]
def _points_redeemed(event: Any, enrolled: Any) -> _Mapped:
    data = p.PointsRedeemed(
        member_id=enrolled.member, order_id=event.order_ref, points=event.points
    )
    return _Mapped(event.store, data)


# transfers


@maps(p.TransferShipped, Transfer.Shipped)  # type: ignore[attr-defined]
def _transfer_shipped(event: Any, requested: Any) -> _Mapped:
    data = p.TransferShipped(
        transfer_id=requested.transfer_ref,
        from_store=requested.from_store,
        to_store=requested.to_store,
        lines=[
            p.TransferLine(sku=line["sku"], quantity=line["quantity"]) for line in requested.lines
        ],
    )
    return _Mapped(requested.from_store, data, (requested.to_store,))


@maps(p.TransferReceived, Transfer.Received)  # type: ignore[attr-defined]
def _transfer_received(event: Any, requested: Any) -> _Mapped:
    lines = [
        p.ReceivedLine(
            sku=line["sku"], shipped=line["quantity"], received=event.received[line["sku"]]
        )
        for line in requested.lines
    ]
    data = p.TransferReceived(
        transfer_id=requested.transfer_ref,
        from_store=requested.from_store,
        to_store=requested.to_store,
        lines=lines,
    )
    return _Mapped(requested.to_store, data, (requested.from_store,))


class EventMapper:
    """Turns stored events into public events, looking up business keys as needed."""

    def __init__(self, app: MultiStore) -> None:
        self.origins = Origins(app)

    def map(self, position: int, event: Any) -> PublicEvent | None:
        """The public event for the internal ``event`` at ``position``, or None if not public."""
        mapper = MAPPERS.get(type(event))
        if mapper is None:
            return None
        mapped = mapper(event, self.origins.of(event))
        kind = p.EVENT_TYPES[TYPE_OF[type(event)]]
        meta = event.meta
        envelope = kind.envelope(
            id=position,
            type=kind.name,
            version=kind.version,
            occurred_at=event.timestamp,
            store=mapped.store,
            data=mapped.data,
            meta=p.Meta(
                actor=str(meta.get("actor") or "system"),
                role=str(meta.get("role") or "integrator"),
                correlation_id=meta.get("correlation_id"),
                causation_id=meta.get("causation_id"),
            ),
        )
        stores = frozenset((mapped.store, *mapped.also_concerns))
        return PublicEvent(envelope.model_dump(mode="json"), stores)
