"""What commands and queries return: plain frozen values, each with its log position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from multistore_core.domain.order import Order
from multistore_core.domain.stock import StockItem


@dataclass(frozen=True)
class Receipt:
    """A command's outcome: ``position`` is the log position of its last event."""

    position: int | None = None


@dataclass(frozen=True)
class StockLevel:
    store: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    incoming: int
    safety_stock: int
    shortage: int
    position: int | None = None

    @classmethod
    def of(cls, item: StockItem) -> StockLevel:
        return cls(
            store=item.store,
            sku=item.sku,
            on_hand=item.on_hand,
            reserved=item.reserved,
            available=item.available,
            incoming=item.incoming,
            safety_stock=item.safety_stock,
            shortage=item.shortage,
        )


@dataclass(frozen=True)
class PricedLine:
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class OrderSummary:
    """An order as the write side knows it; ``created`` is False for a repeated placement."""

    order_id: str
    store: str
    status: str
    fulfilment: str
    member_id: str | None
    lines: tuple[PricedLine, ...]
    total: Decimal
    refunded: Decimal
    expires_at: datetime
    created: bool = True
    position: int | None = None

    @classmethod
    def of(cls, order: Order, created: bool = True) -> OrderSummary:
        return cls(
            order_id=order.order_ref,
            store=order.store,
            status=order.status,
            fulfilment=order.fulfilment,
            member_id=order.member_id,
            lines=tuple(
                PricedLine(line["sku"], line["quantity"], Decimal(line["unit_price"]))
                for line in order.lines
            ),
            total=Decimal(order.total),
            refunded=Decimal(order.refunded),
            expires_at=order.expires_at,
            created=created,
        )
