"""The public event schema: one versioned JSON shape per event type integrators receive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, create_model

Money = Annotated[
    Decimal,
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": "a decimal amount"},
        mode="serialization",
    ),
]


class Data(BaseModel):
    """The ``data`` of a public event; each subclass documents one event type."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class StockData(Data):
    """Every stock event says how it changed the store's SKU, so the changes sum to its level."""

    sku: str
    on_hand_change: int = Field(description="units booked at the store: + in, - out")
    reserved_change: int = Field(description="units held for orders")
    incoming_change: int = Field(description="units on their way by transfer (not sellable)")


class StockReceived(StockData):
    """Units were delivered to the store."""

    quantity: int
    reference: str | None


class StockReserved(StockData):
    """Units were held for a placed order."""

    order_id: str
    quantity: int


class StockReleased(StockData):
    """An order's held units were given back (it was cancelled or expired)."""

    order_id: str
    quantity: int
    reason: str


class StockSold(StockData):
    """An order's held units left the store (the order was completed)."""

    order_id: str
    quantity: int


class StockAdjusted(StockData):
    """A stocktake count, damage, shrinkage or correction changed the booked units."""

    reason: Literal["stocktake", "damage", "shrinkage", "correction"]
    counted: int | None = Field(description="the units counted, for a stocktake")
    note: str | None


class StockTransferred(StockData):
    """Units left the store by transfer (out), are on their way to it (in_transit) or came (in)."""

    transfer_id: str
    movement: Literal["out", "in_transit", "in"]
    quantity: int


class StockRestocked(StockData):
    """Returned units of a completed order were put back on hand."""

    order_id: str
    quantity: int


class OrderLine(Data):
    sku: str
    quantity: int
    unit_price: Money


class OrderPlaced(Data):
    """An order was placed at the store and its lines reserved."""

    order_id: str
    fulfilment: Literal["pickup", "delivery", "ship"]
    member_id: str | None
    lines: list[OrderLine]
    total: Money
    points_used: int
    points_value: Money
    amount_due: Money = Field(description="total less points_value: what the customer pays")
    expires_at: datetime = Field(description="when the order expires if it is still unpaid")


class OrderPaid(Data):
    """An order was paid."""

    order_id: str
    amount: Money
    payment_ref: str


class OrderFulfilled(Data):
    """A paid order is ready for pickup, out for delivery or shipped."""

    order_id: str
    status: Literal["ready_for_pickup", "out_for_delivery", "shipped"]


class OrderCompleted(Data):
    """An order was handed over; its units left the store."""

    order_id: str


class OrderCancelled(Data):
    """A placed or paid order was cancelled; any payment is refunded."""

    order_id: str
    reason: str
    refund: Money


class OrderExpired(Data):
    """A placed order stayed unpaid past its time to live."""

    order_id: str


class ReturnedLine(Data):
    sku: str
    quantity: int


class OrderReturned(Data):
    """Some or all units of a completed order were returned."""

    order_id: str
    lines: list[ReturnedLine]
    restock: bool
    reason: str
    refund: Money


class PointsEarned(Data):
    """A member earned points for a completed order at the store."""

    member_id: str
    order_id: str
    points: int
    expires_at: datetime


class PointsRedeemed(Data):
    """A member spent points on an order placed at the store."""

    member_id: str
    order_id: str
    points: int


class TransferLine(Data):
    sku: str
    quantity: int


class TransferShipped(Data):
    """A transfer left its source store (``store`` is the source)."""

    transfer_id: str
    from_store: str
    to_store: str
    lines: list[TransferLine]


class ReceivedLine(Data):
    sku: str
    shipped: int
    received: int


class TransferReceived(Data):
    """A transfer arrived at its destination store (``store`` is the destination)."""

    transfer_id: str
    from_store: str
    to_store: str
    lines: list[ReceivedLine]


class Meta(BaseModel):
    """Who caused the event: the API key name (or caller) and the tracing ids of the request."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str
    role: str
    correlation_id: str | None
    causation_id: str | None


class Envelope(BaseModel):
    """What every public event looks like; ``data`` depends on ``type``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: int = Field(description="the event's position in the log: pass it as ?after= to resume")
    type: str
    version: int = Field(description="the version of this type's shape")
    occurred_at: datetime
    store: str = Field(description="the store the event happened at")
    data: Data
    meta: Meta


@dataclass(frozen=True)
class EventType:
    """A public event type: its name, the version of its shape and the model of its data."""

    name: str
    version: int
    data: type[Data]

    @property
    def description(self) -> str:
        return (self.data.__doc__ or "").strip()

    @cached_property
    def envelope(self) -> type[Envelope]:
        """The envelope model of this type: ``type`` and ``version`` fixed, ``data`` typed."""
        fields: dict[str, Any] = {
            "type": (Literal[self.name], ...),
            "version": (Literal[self.version], ...),
            "data": (self.data, ...),
        }
        model: type[Envelope] = create_model(
            self.data.__name__ + "Event", __base__=Envelope, __doc__=self.description, **fields
        )
        return model


EVENT_TYPES: dict[str, EventType] = {
    kind.name: kind
    for kind in (
        EventType("stock.received", 1, StockReceived),
        EventType("stock.reserved", 1, StockReserved),
        EventType("stock.released", 1, StockReleased),
        EventType("stock.sold", 1, StockSold),
        EventType("stock.adjusted", 1, StockAdjusted),
        EventType("stock.transferred", 1, StockTransferred),
        EventType("stock.restocked", 1, StockRestocked),
        EventType("order.placed", 1, OrderPlaced),
        EventType("order.paid", 1, OrderPaid),
        EventType("order.fulfilled", 1, OrderFulfilled),
        EventType("order.completed", 1, OrderCompleted),
        EventType("order.cancelled", 1, OrderCancelled),
        EventType("order.expired", 1, OrderExpired),
        EventType("order.returned", 1, OrderReturned),
        EventType("points.earned", 1, PointsEarned),
        EventType("points.redeemed", 1, PointsRedeemed),
        EventType("transfer.shipped", 1, TransferShipped),
        EventType("transfer.received", 1, TransferReceived),
    )
}
EVENT_TYPE_OF: dict[type[Data], EventType] = {kind.data: kind for kind in EVENT_TYPES.values()}
