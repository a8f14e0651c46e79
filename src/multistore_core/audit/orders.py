"""The replay model of orders: status, lines and money, and how their stock must have moved."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from multistore_core.audit.log import Record, moment, money
from multistore_core.audit.rules import Book, Checker, handles
from multistore_core.audit.stock import StockBook
from multistore_core.domain.order import FULFILLED_STATUS, OPEN_STATUSES
from multistore_core.results import OrderSummary, PricedLine, RoutingReport

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "Order.Paid": (("placed",), "paid"),
    "Order.MarkedReadyForPickup": (("paid",), "ready_for_pickup"),
    "Order.MarkedOutForDelivery": (("paid",), "out_for_delivery"),
    "Order.Shipped": (("paid",), "shipped"),
    "Order.Cancelled": (("placed", "paid"), "cancelled"),
    "Order.Expired": (("placed",), "expired"),
}


@dataclass(slots=True)
class OrderFile:
    """One order as its events tell it."""

    ref: str
    store: str
    fulfilment: str
    member: str | None
    lines: list[dict[str, Any]]
    total: Any
    expires_at: Any
    placed: Record
    points_used: int = 0
    points_value: Any = 0
    customer_order: str | None = None
    routing: dict[str, Any] | None = None
    status: str = "placed"
    refunded: Decimal = Decimal(0)
    returned: dict[str, int] = field(default_factory=dict)

    def quantities(self) -> dict[str, int]:
        return {line["sku"]: line["quantity"] for line in self.lines}

    def summary(self, position: int | None = None) -> OrderSummary:
        return OrderSummary(
            order_id=self.ref,
            store=self.store,
            status=self.status,
            fulfilment=self.fulfilment,
            member_id=self.member,
            lines=tuple(
                PricedLine(line["sku"], line["quantity"], money(line["unit_price"]))
                for line in self.lines
            ),
            total=money(self.total),
            refunded=self.refunded,
            expires_at=moment(self.expires_at),
            points_used=self.points_used,
            points_value=money(self.points_value),
            amount_due=money(self.total) - money(self.points_value),
            created=False,
            position=position,
            stores=(self.store,),
            customer_order=self.customer_order,
            routing=RoutingReport.of(self.routing),
        )


class OrderBook(Book):
    """Orders by reference, with their status machine checked event by event."""

    end_rules = ("order.stock_matches_status",)

    def __init__(self, checker: Checker, stock: StockBook) -> None:
        super().__init__(checker)
        self.stock = stock
        self.orders: dict[UUID, OrderFile] = {}
        self.by_ref: dict[str, OrderFile] = {}

    def _order(self, record: Record) -> OrderFile | None:
        order = self.orders.get(record.aggregate_id)
        if order is None:
            self.checker.fail(
                "log.sequence", record, str(record.aggregate_id), "order event before Placed"
            )
        return order

    def _move(self, record: Record, allowed: tuple[str, ...], to: str) -> OrderFile | None:
        order = self._order(record)
        if order is None:
            return None
        if order.status not in allowed:
            self.checker.fail(
                "order.transition", record, f"order {order.ref}", f"{order.status} -> {to}"
            )
        order.status = to
        return order

    @handles("Order.Placed", "log.sequence")
    def placed(self, record: Record) -> None:
        state = record.state
        order = OrderFile(
            ref=state["order_ref"],
            store=state["store"],
            fulfilment=state["fulfilment"],
            member=state["member_id"],
            lines=state["lines"],
            total=state["total"],
            expires_at=state["expires_at"],
            placed=record,
            points_used=state.get("points_used", 0),
            points_value=state.get("points_value", 0),
            customer_order=state.get("customer_order"),
            routing=state.get("routing"),
        )
        self.orders[record.aggregate_id] = order
        self.by_ref[order.ref] = order

    @handles("Order.Paid", "order.transition")
    def paid(self, record: Record) -> None:
        self._move(record, *TRANSITIONS[record.event])

    @handles("Order.MarkedReadyForPickup", "order.transition")
    def marked_ready_for_pickup(self, record: Record) -> None:
        self._move(record, *TRANSITIONS[record.event])

    @handles("Order.MarkedOutForDelivery", "order.transition")
    def marked_out_for_delivery(self, record: Record) -> None:
        self._move(record, *TRANSITIONS[record.event])

    @handles("Order.Shipped", "order.transition")
    def shipped(self, record: Record) -> None:
        self._move(record, *TRANSITIONS[record.event])

    @handles("Order.Expired", "order.transition")
    def expired(self, record: Record) -> None:
        self._move(record, *TRANSITIONS[record.event])

    @handles("Order.Cancelled", "order.transition")
    def cancelled(self, record: Record) -> None:
        order = self._move(record, *TRANSITIONS[record.event])
        if order is not None:
            order.refunded += money(record.state["refund"])

    @handles("Order.Completed", "order.transition", "order.completed_once")
    def completed(self, record: Record) -> None:
        order = self._order(record)
        if order is None:
            return
        ready = FULFILLED_STATUS.get(order.fulfilment)
        if order.status in ("completed", "partially_returned", "returned"):
            self.checker.fail(
                "order.completed_once", record, f"order {order.ref}", "completed again"
            )
        elif order.status != ready:
            self.checker.fail(
                "order.transition", record, f"order {order.ref}", f"{order.status} -> completed"
            )
        order.status = "completed"

    @handles("Order.Returned", "order.transition", "order.returns_within_lines")
    def returned(self, record: Record) -> None:
        order = self._order(record)
        if order is None:
            return
        if order.status not in ("completed", "partially_returned"):
            self.checker.fail(
                "order.transition", record, f"order {order.ref}", f"{order.status} -> returned"
            )
        bought = order.quantities()
        for line in record.state["lines"]:
            sku = line["sku"]
            order.returned[sku] = order.returned.get(sku, 0) + line["quantity"]
            if order.returned[sku] > bought.get(sku, 0):
                self.checker.fail(
                    "order.returns_within_lines",
                    record,
                    f"order {order.ref}",
                    f"{order.returned[sku]} of {sku} returned, {bought.get(sku, 0)} bought",
                )
        order.refunded += money(record.state["refund"])
        everything = all(order.returned.get(sku, 0) >= q for sku, q in bought.items())
        order.status = "returned" if everything else "partially_returned"

    def finish(self, last: Record | None) -> None:
        for ref, moved in self.stock.orders.items():
            order = self.by_ref.get(ref)
            if order is None:
                assert moved.first is not None
                self.checker.fail(
                    "order.stock_matches_status",
                    moved.first,
                    f"order {ref}",
                    "stock reserved for an order that was never placed",
                )
        for order in self.by_ref.values():
            lines = {(order.store, sku): q for sku, q in order.quantities().items()}
            movements = self.stock.orders.get(order.ref)
            reserved = dict(movements.reserved) if movements else {}
            sold = dict(movements.sold) if movements else {}
            released = dict(movements.released) if movements else {}
            expected: tuple[dict[tuple[str, str], int], ...]
            if order.status in OPEN_STATUSES:
                expected = (lines, {}, {})
            elif order.status in ("cancelled", "expired"):
                expected = (lines, {}, lines)
            else:
                expected = (lines, lines, {})
            if (reserved, sold, released) != expected:
                self.checker.fail(
                    "order.stock_matches_status",
                    order.placed,
                    f"order {order.ref}",
                    f"{order.status} with lines {_show(lines)} but reserved {_show(reserved)},"
                    f" sold {_show(sold)}, released {_show(released)}",
                )


def _show(quantities: dict[tuple[str, str], int]) -> str:
    return "{" + ", ".join(f"{s}/{k}: {q}" for (s, k), q in sorted(quantities.items())) + "}"
