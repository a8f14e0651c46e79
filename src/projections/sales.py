"""Orders by store, status and day; hourly sales facts for the dashboard; joint-venture shares."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Date, DateTime, Index, Integer, String, Table

from multistore_core.domain.order import Order
from multistore_core.domain.store import Store
from multistore_core.ids import store_id
from projections.projection import (
    Projection,
    cents,
    handles,
    hour_of,
    metadata,
    naive_utc,
)
from projections.rows import Row

orders = Table(
    "view_orders",
    metadata,
    Column("order_id", String(36), primary_key=True),
    Column("order_ref", String(64), nullable=False, unique=True),
    Column("store", String(64), nullable=False),
    Column("region", String(64), nullable=False),
    Column("store_kind", String(32), nullable=False),
    Column("fulfilment", String(16), nullable=False),
    Column("member_id", String(64)),
    Column("status", String(32), nullable=False),
    Column("total_cents", BigInteger, nullable=False),
    Column("points_value_cents", BigInteger, nullable=False),
    Column("refunded_cents", BigInteger, nullable=False),
    Column("placed_at", DateTime, nullable=False),
    Column("placed_hour", DateTime, nullable=False),
    Column("placed_day", Date, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("lines", JSON, nullable=False),
    Index("ix_view_orders_store_status_placed", "store", "status", "placed_at"),
    Index("ix_view_orders_status_placed", "status", "placed_at"),
)

order_daily = Table(
    "view_order_daily",
    metadata,
    Column("store", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("status", String(32), primary_key=True),
    Column("orders", Integer, nullable=False),
    Column("value_cents", BigInteger, nullable=False),
)

_FACT_KEY = ("hour", "store", "region", "store_kind")

sales_hourly = Table(
    "view_sales_hourly",
    metadata,
    Column("hour", DateTime, primary_key=True),
    Column("store", String(64), primary_key=True),
    Column("region", String(64), primary_key=True),
    Column("store_kind", String(32), primary_key=True),
    Column("day", Date, nullable=False),
    Column("orders_placed", Integer, nullable=False),
    Column("gmv_cents", BigInteger, nullable=False),
    Column("orders_paid", Integer, nullable=False),
    Column("orders_cancelled", Integer, nullable=False),
    Column("orders_completed", Integer, nullable=False),
    Column("completed_cents", BigInteger, nullable=False),
    Column("refunded_cents", BigInteger, nullable=False),
    Index("ix_view_sales_hourly_day", "day"),
)

sku_sales_hourly = Table(
    "view_sku_sales_hourly",
    metadata,
    Column("hour", DateTime, primary_key=True),
    Column("store", String(64), primary_key=True),
    Column("region", String(64), primary_key=True),
    Column("store_kind", String(32), primary_key=True),
    Column("sku", String(64), primary_key=True),
    Column("day", Date, nullable=False),
    Column("units", BigInteger, nullable=False),
    Column("revenue_cents", BigInteger, nullable=False),
)

revenue_share = Table(
    "view_revenue_share",
    metadata,
    Column("store", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("completed_cents", BigInteger, nullable=False),
    Column("refunded_cents", BigInteger, nullable=False),
    Column("hq_share_cents", BigInteger, nullable=False),
)

share_rates = Table(
    "view_revenue_share_rates",
    metadata,
    Column("store_id", String(36), primary_key=True),
    Column("share_basis_points", Integer, nullable=False),
)

_HOURLY_ZERO = dict.fromkeys(
    (
        "orders_placed",
        "gmv_cents",
        "orders_paid",
        "orders_cancelled",
        "orders_completed",
        "completed_cents",
        "refunded_cents",
    ),
    0,
)


def share_of(amount_cents: int, basis_points: int) -> int:
    """The HQ part of an amount, rounded half up to the cent."""
    return (amount_cents * basis_points + 5_000) // 10_000


class Sales(Projection):
    """Orders and what they add up to. Order facts count in the hour the order was placed."""

    name = "sales"
    tables = (orders, order_daily, sales_hourly, sku_sales_hourly, revenue_share, share_rates)

    @handles(Store, "Registered")
    def store_registered(self, event: Any) -> None:
        self._set_share(event, event.hq_revenue_share)

    @handles(Store, "Updated")
    def store_updated(self, event: Any) -> None:
        if "hq_revenue_share" in event.changes:
            self._set_share(event, event.changes["hq_revenue_share"])

    @handles(Order, "Placed")
    def placed(self, event: Any) -> None:
        lines = [
            {
                "sku": line["sku"],
                "quantity": int(line["quantity"]),
                "unit_price_cents": cents(line["unit_price"]),
                "returned": 0,
            }
            for line in event.lines
        ]
        placed_at = naive_utc(event.timestamp)
        order = self.rows[orders.name].insert(
            {
                "order_id": str(event.originator_id),
                "order_ref": event.order_ref,
                "store": event.store,
                "region": event.region,
                "store_kind": event.store_kind,
                "fulfilment": event.fulfilment,
                "member_id": event.member_id,
                "status": "placed",
                "total_cents": cents(event.total),
                "points_value_cents": cents(getattr(event, "points_value", 0)),
                "refunded_cents": 0,
                "placed_at": placed_at,
                "placed_hour": hour_of(placed_at),
                "placed_day": placed_at.date(),
                "updated_at": placed_at,
                "lines": lines,
            }
        )
        self._daily(order, "placed", +1)
        hourly = self._hourly(order)
        hourly["orders_placed"] += 1
        hourly["gmv_cents"] += order["total_cents"]
        for line in lines:
            self._sku_sales(order, line, line["quantity"])

    @handles(Order, "Paid")
    def paid(self, event: Any) -> None:
        order = self._move(event, "paid")
        self._hourly(order)["orders_paid"] += 1

    @handles(Order, "MarkedReadyForPickup")
    def ready_for_pickup(self, event: Any) -> None:
        self._move(event, "ready_for_pickup")

    @handles(Order, "MarkedOutForDelivery")
    def out_for_delivery(self, event: Any) -> None:
        self._move(event, "out_for_delivery")

    @handles(Order, "Shipped")
    def shipped(self, event: Any) -> None:
        self._move(event, "shipped")

    @handles(Order, "Completed")
    def completed(self, event: Any) -> None:
        order = self._move(event, "completed")
        hourly = self._hourly(order)
        hourly["orders_completed"] += 1
        hourly["completed_cents"] += order["total_cents"]
        share = self._share(order, event)
        share["completed_cents"] += order["total_cents"]
        share["hq_share_cents"] += share_of(order["total_cents"], self._rate(order["store"]))

    @handles(Order, "Cancelled")
    def cancelled(self, event: Any) -> None:
        self._called_off(event, "cancelled")
        self._order(event)["refunded_cents"] = cents(event.refund)

    @handles(Order, "Expired")
    def expired(self, event: Any) -> None:
        self._called_off(event, "expired")

    @handles(Order, "Returned")
    def returned(self, event: Any) -> None:
        order = self._order(event)
        by_sku = {line["sku"]: line for line in order["lines"]}
        for returned in event.lines:
            line = by_sku[returned["sku"]]
            line["returned"] += returned["quantity"]
            self._sku_sales(order, line, -returned["quantity"])
        everything = all(line["returned"] >= line["quantity"] for line in order["lines"])
        self._move(event, "returned" if everything else "partially_returned")
        refund = cents(event.refund)
        order["refunded_cents"] += refund
        self._hourly(order)["refunded_cents"] += refund
        share = self._share(order, event)
        share["refunded_cents"] += refund
        share["hq_share_cents"] -= share_of(refund, self._rate(order["store"]))

    # helpers

    def _called_off(self, event: Any, status: str) -> None:
        order = self._move(event, status)
        self._hourly(order)["orders_cancelled"] += 1
        for line in order["lines"]:
            self._sku_sales(order, line, -line["quantity"])

    def _order(self, event: Any) -> Row:
        order = self.rows[orders.name].get(str(event.originator_id))
        if order is None:
            raise LookupError(f"sales view: {event.log_name} for an order never placed")
        self.rows[orders.name].changed(order)
        return order

    def _move(self, event: Any, status: str) -> Row:
        """Move an order to a new status, in its row and in the daily status counts."""
        order = self._order(event)
        self._daily(order, order["status"], -1)
        order["status"] = status
        order["updated_at"] = naive_utc(event.timestamp)
        self._daily(order, status, +1)
        return order

    def _daily(self, order: Row, status: str, sign: int) -> None:
        rows = self.rows[order_daily.name]
        bucket = rows.get_or_insert(
            (order["store"], order["placed_day"], status), {"orders": 0, "value_cents": 0}
        )
        bucket["orders"] += sign
        bucket["value_cents"] += sign * order["total_cents"]
        rows.changed(bucket)

    def _fact_key(self, order: Row) -> tuple[Any, ...]:
        return (order["placed_hour"], order["store"], order["region"], order["store_kind"])

    def _hourly(self, order: Row) -> Row:
        rows = self.rows[sales_hourly.name]
        hourly = rows.get_or_insert(
            self._fact_key(order), {"day": order["placed_day"], **_HOURLY_ZERO}
        )
        rows.changed(hourly)
        return hourly

    def _sku_sales(self, order: Row, line: Row, units: int) -> None:
        rows = self.rows[sku_sales_hourly.name]
        sku = rows.get_or_insert(
            (*self._fact_key(order), line["sku"]),
            {"day": order["placed_day"], "units": 0, "revenue_cents": 0},
        )
        sku["units"] += units
        sku["revenue_cents"] += units * line["unit_price_cents"]
        rows.changed(sku)

    def _share(self, order: Row, event: Any) -> Row:
        rows = self.rows[revenue_share.name]
        day: date = naive_utc(event.timestamp).date()
        share = rows.get_or_insert(
            (order["store"], day),
            {"completed_cents": 0, "refunded_cents": 0, "hq_share_cents": 0},
        )
        rows.changed(share)
        return share

    def _rate(self, store: str) -> int:
        rate = self.rows[share_rates.name].get(str(store_id(store)))
        return int(rate["share_basis_points"]) if rate else 0

    def _set_share(self, event: Any, share: Decimal | str) -> None:
        rows = self.rows[share_rates.name]
        rate = rows.get_or_insert((str(event.originator_id),), {"share_basis_points": 0})
        rate["share_basis_points"] = int(Decimal(share) * 10_000)
        rows.changed(rate)
