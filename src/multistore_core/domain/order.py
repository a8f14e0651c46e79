"""The Order aggregate: lines priced from the catalog and only legal status transitions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import event

from multistore_core.domain.base import Entity
from multistore_core.domain.catalog import CENT
from multistore_core.errors import IllegalTransition, InvalidCommand
from multistore_core.ids import order_id

FULFILLED_STATUS = {
    "pickup": "ready_for_pickup",
    "delivery": "out_for_delivery",
    "ship": "shipped",
}
OPEN_STATUSES = {"placed", "paid", *FULFILLED_STATUS.values()}


def line_total(line: dict[str, Any]) -> Decimal:
    return (Decimal(line["unit_price"]) * int(line["quantity"])).quantize(CENT)


class Order(Entity):
    """A customer order at one store. ``lines`` hold sku, quantity and unit_price.

    ``routing`` records why a routed order went to its store; ``customer_order`` names the
    split order this one is a part of.
    """

    order_ref: str
    store: str
    region: str
    store_kind: str
    fulfilment: str
    member_id: str | None
    lines: list[dict[str, Any]]
    total: Decimal
    expires_at: datetime
    points_used: int
    points_value: Decimal
    routing: dict[str, Any] | None
    customer_order: str | None
    status: str
    paid_amount: Decimal
    refunded: Decimal
    returned: dict[str, int]

    class Placed(Entity.Created):
        """The order placed. An explicit event class whose ``mutate`` builds the order itself:
        the library's generic construction filters the event's fields by signature on every
        call, and placing orders is the hot path of a flash sale."""

        order_ref: str
        store: str
        region: str
        store_kind: str
        fulfilment: str
        member_id: str | None
        lines: list[dict[str, Any]]
        total: Decimal
        expires_at: datetime
        points_used: int
        points_value: Decimal
        routing: dict[str, Any] | None
        customer_order: str | None

        def mutate(self, aggregate: Any) -> Any:
            assert aggregate is None
            order = Order.__new__(Order)
            order.__base_init__(self.originator_id, self.originator_version, self.timestamp)
            order.order_ref = self.order_ref
            order.store = self.store
            order.region = self.region
            order.store_kind = self.store_kind
            order.fulfilment = self.fulfilment
            order.member_id = self.member_id
            order.lines = [dict(line) for line in self.lines]
            order.total = self.total
            order.expires_at = self.expires_at
            order.points_used = self.points_used
            order.points_value = self.points_value
            order.routing = dict(self.routing) if self.routing is not None else None
            order.customer_order = self.customer_order
            order.status = "placed"
            order.paid_amount = Decimal(0)
            order.refunded = Decimal(0)
            order.returned = {}
            return order

    @classmethod
    def place(
        cls,
        order_ref: str,
        store: str,
        region: str,
        store_kind: str,
        fulfilment: str,
        member_id: str | None,
        lines: list[dict[str, Any]],
        total: Decimal,
        expires_at: datetime,
        points_used: int = 0,
        points_value: Decimal = Decimal(0),
        routing: dict[str, Any] | None = None,
        customer_order: str | None = None,
    ) -> Order:
        """A new order; ``lines`` hold sku, quantity and unit_price."""
        return cls._create(
            cls.Placed,
            id=order_id(order_ref),
            order_ref=order_ref,
            store=store,
            region=region,
            store_kind=store_kind,
            fulfilment=fulfilment,
            member_id=member_id,
            lines=lines,
            total=total,
            expires_at=expires_at,
            points_used=points_used,
            points_value=points_value,
            routing=routing,
            customer_order=customer_order,
        )

    @property
    def amount_due(self) -> Decimal:
        """What the customer pays: the total less the value of the points redeemed."""
        return Decimal(self.total) - Decimal(self.points_value)

    def quantity_of(self, sku: str) -> int:
        return sum(line["quantity"] for line in self.lines if line["sku"] == sku)

    def _require(self, action: str, *statuses: str) -> None:
        if self.status not in statuses:
            raise IllegalTransition(self.order_ref, self.status, action)

    def pay(self, amount: Decimal, payment_ref: str) -> None:
        self._require("pay", "placed")
        if amount != self.amount_due:
            raise InvalidCommand(
                "amount", f"must equal the amount due {self.amount_due}, not {amount}"
            )
        self._pay(amount=amount, payment_ref=payment_ref)

    @event("Paid")
    def _pay(self, amount: Decimal, payment_ref: str) -> None:
        self.paid_amount = amount
        self.status = "paid"

    def fulfil(self) -> None:
        """Mark ready for pickup, out for delivery or shipped, by fulfilment mode."""
        self._require("fulfil", "paid")
        if self.fulfilment == "pickup":
            self._ready_for_pickup()
        elif self.fulfilment == "delivery":
            self._out_for_delivery()
        else:
            self._ship()

    @event("MarkedReadyForPickup")
    def _ready_for_pickup(self) -> None:
        self.status = "ready_for_pickup"

    @event("MarkedOutForDelivery")
    def _out_for_delivery(self) -> None:
        self.status = "out_for_delivery"

    @event("Shipped")
    def _ship(self) -> None:
        self.status = "shipped"

    def complete(self) -> None:
        self._require("complete", FULFILLED_STATUS[self.fulfilment])
        self._complete()

    @event("Completed")
    def _complete(self) -> None:
        self.status = "completed"

    def cancel(self, reason: str) -> None:
        self._require("cancel", "placed", "paid")
        self._cancel(reason=reason, refund=self.paid_amount)

    @event("Cancelled")
    def _cancel(self, reason: str, refund: Decimal) -> None:
        self.refunded = refund
        self.status = "cancelled"

    def is_expired_at(self, now: datetime) -> bool:
        return self.status == "placed" and self.expires_at <= now

    def expire(self, now: datetime) -> None:
        self._require("expire", "placed")
        if not self.is_expired_at(now):
            raise IllegalTransition(self.order_ref, "within its time to live", "expire")
        self._expire()

    @event("Expired")
    def _expire(self) -> None:
        self.status = "expired"

    def return_lines(self, quantities: dict[str, int], restock: bool, reason: str) -> None:
        """Take back some or all units of a completed order."""
        self._require("return", "completed", "partially_returned")
        for index, (sku, quantity) in enumerate(quantities.items()):
            left = self.quantity_of(sku) - self.returned.get(sku, 0)
            if quantity > left:
                raise InvalidCommand(
                    f"lines[{index}].quantity",
                    f"only {left} unit(s) of {sku!r} can still be returned",
                )
        prices = {line["sku"]: Decimal(line["unit_price"]) for line in self.lines}
        value = sum((prices[s] * q for s, q in quantities.items()), Decimal(0))
        refund = self._cash_share(value, quantities)
        self._return(
            lines=[{"sku": s, "quantity": q} for s, q in quantities.items()],
            restock=restock,
            reason=reason,
            refund=refund,
        )

    @event("Returned")
    def _return(
        self, lines: list[dict[str, Any]], restock: bool, reason: str, refund: Decimal
    ) -> None:
        for line in lines:
            self.returned[line["sku"]] = self.returned.get(line["sku"], 0) + line["quantity"]
        self.refunded += refund
        everything = not self.unreturned()
        self.status = "returned" if everything else "partially_returned"

    def _cash_share(self, value: Decimal, quantities: dict[str, int]) -> Decimal:
        """The cash part of returned goods worth ``value``; the last return gets the rest."""
        left = {s: q - quantities.get(s, 0) for s, q in self.unreturned().items()}
        if not any(left.values()):
            return Decimal(self.paid_amount) - Decimal(self.refunded)
        return (value * self.amount_due / Decimal(self.total)).quantize(CENT)

    def unreturned(self) -> dict[str, int]:
        return {
            line["sku"]: line["quantity"] - self.returned.get(line["sku"], 0)
            for line in self.lines
            if line["quantity"] > self.returned.get(line["sku"], 0)
        }
