"""What commands and queries return: plain frozen values, each with its log position."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from multistore_core.domain.customer_order import CustomerOrder
from multistore_core.domain.member import MemberAccount
from multistore_core.domain.order import Order
from multistore_core.domain.stock import StockItem
from multistore_core.domain.transfer import Transfer
from multistore_core.errors import Attempt

T = TypeVar("T")


def at_position(result: T, position: int) -> T:
    """A copy of the frozen ``result`` answered at log ``position``: the fields copied as they
    are, where ``dataclasses.replace`` would run ``__init__`` again on every one."""
    copied = object.__new__(type(result))
    copied.__dict__.update(vars(result), position=position)
    return copied


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
class RoutingReport:
    """Why a routed order went where it did, and every store the placement tried."""

    policy: str
    reason: str
    tried: tuple[Attempt, ...]
    latitude: float
    longitude: float
    allow_split: bool

    @classmethod
    def of(cls, routing: dict[str, Any] | None) -> RoutingReport | None:
        if routing is None:
            return None
        tried = tuple(Attempt(a["store"], a["outcome"]) for a in routing["tried"])
        return cls(
            routing["policy"],
            routing["reason"],
            tried,
            routing["latitude"],
            routing["longitude"],
            routing["allow_split"],
        )


@dataclass(frozen=True)
class OrderSummary:
    """An order as the write side knows it; ``created`` is False for a repeated placement.

    A split order has ``parts`` (one order per serving store, listed in ``stores``); its
    ``store`` is the first part's. A part names its split order in ``customer_order``.
    """

    order_id: str
    store: str
    status: str
    fulfilment: str
    member_id: str | None
    lines: tuple[PricedLine, ...]
    total: Decimal
    refunded: Decimal
    expires_at: datetime
    points_used: int = 0
    points_value: Decimal = Decimal(0)
    amount_due: Decimal = Decimal(0)
    created: bool = True
    position: int | None = None
    stores: tuple[str, ...] = ()
    customer_order: str | None = None
    parts: tuple[OrderSummary, ...] = ()
    routing: RoutingReport | None = None

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
            points_used=order.points_used,
            points_value=Decimal(order.points_value),
            amount_due=order.amount_due,
            created=created,
            stores=(order.store,),
            customer_order=order.customer_order,
            routing=RoutingReport.of(order.routing),
        )

    @classmethod
    def of_split(
        cls, customer: CustomerOrder, parts: Sequence[Order], created: bool = True
    ) -> OrderSummary:
        """A split order: its parts' lines and amounts together; the status they share, or
        ``in_progress`` while they differ."""
        summaries = tuple(cls.of(part, created) for part in parts)
        statuses = {part.status for part in parts}
        return cls(
            order_id=customer.order_ref,
            store=parts[0].store,
            status=statuses.pop() if len(statuses) == 1 else "in_progress",
            fulfilment=customer.fulfilment,
            member_id=customer.member_id,
            lines=tuple(line for part in summaries for line in part.lines),
            total=sum((part.total for part in summaries), Decimal(0)),
            refunded=sum((part.refunded for part in summaries), Decimal(0)),
            expires_at=min(part.expires_at for part in summaries),
            amount_due=sum((part.amount_due for part in summaries), Decimal(0)),
            created=created,
            stores=tuple(part.store for part in parts),
            parts=summaries,
            routing=RoutingReport.of(customer.routing),
        )


@dataclass(frozen=True)
class TransferLine:
    sku: str
    quantity: int
    received: int | None


@dataclass(frozen=True)
class TransferSummary:
    """A transfer as the write side knows it; ``created`` is False for a repeated request."""

    transfer_id: str
    from_store: str
    to_store: str
    status: str
    lines: tuple[TransferLine, ...]
    reason: str | None
    created: bool = True
    position: int | None = None

    @classmethod
    def of(cls, transfer: Transfer, created: bool = True) -> TransferSummary:
        return cls(
            transfer_id=transfer.transfer_ref,
            from_store=transfer.from_store,
            to_store=transfer.to_store,
            status=transfer.status,
            lines=tuple(
                TransferLine(sku, quantity, transfer.received.get(sku))
                for sku, quantity in transfer.quantities().items()
            ),
            reason=transfer.reason,
            created=created,
        )


@dataclass(frozen=True)
class TransferSuggestion:
    """A proposed move of ``quantity`` units of ``sku``: a query result, not a transfer."""

    sku: str
    from_store: str
    to_store: str
    region: str
    quantity: int


@dataclass(frozen=True)
class MemberSummary:
    """A member's points: ``balance`` held, of which ``usable`` is unexpired now."""

    member_id: str
    home_store: str
    tier: str
    growth: int
    balance: int
    usable: int
    position: int | None = None

    @classmethod
    def of(cls, member: MemberAccount, now: datetime) -> MemberSummary:
        return cls(
            member_id=member.member,
            home_store=member.home_store,
            tier=member.tier,
            growth=member.growth,
            balance=member.balance,
            usable=member.usable(now),
        )


@dataclass(frozen=True)
class PointsExpiry:
    """What ``expire_points`` did: points expired per member."""

    expired: dict[str, int]
    position: int | None = None


@dataclass(frozen=True)
class SettlementLine:
    """Points issued by one store and redeemed, net of give-backs, at another in a period."""

    issued_by: str
    redeemed_at: str
    points: int
    value: Decimal
