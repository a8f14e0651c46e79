"""Commands: frozen pydantic models, validated on construction, one per use case."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

MAX_QUANTITY = 1_000_000

Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Quantity = Annotated[int, Field(strict=True, gt=0, le=MAX_QUANTITY)]
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_QUANTITY)]
Price = Annotated[Decimal, Field(gt=0, le=Decimal("10000000"), decimal_places=2)]
PriceFactor = Annotated[Decimal, Field(gt=0, le=10, decimal_places=4)]
StoreKind = Literal["direct", "joint_venture", "franchise", "warehouse"]
Fulfilment = Literal["pickup", "delivery", "ship"]
AdjustReason = Literal["stocktake", "damage", "shrinkage", "correction"]


Points = Annotated[int, Field(strict=True, gt=0, le=100_000_000)]


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegisterStore(Command):
    code: Code
    name: Name
    region: Code
    kind: StoreKind
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    hq_revenue_share: Decimal = Field(default=Decimal(0), ge=0, le=1, decimal_places=4)
    delivery_radius_km: float = Field(default=5.0, ge=0, le=500)

    @model_validator(mode="after")
    def _share_only_for_joint_ventures(self) -> Self:
        if self.kind == "joint_venture" and self.hq_revenue_share == 0:
            raise ValueError("hq_revenue_share: a joint-venture store needs an HQ revenue share")
        if self.kind != "joint_venture" and self.hq_revenue_share != 0:
            raise ValueError("hq_revenue_share: only joint-venture stores share revenue with HQ")
        return self


class UpdateStore(Command):
    code: Code
    name: Name | None = None
    region: Code | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    hq_revenue_share: Decimal | None = Field(default=None, ge=0, le=1, decimal_places=4)
    delivery_radius_km: float | None = Field(default=None, ge=0, le=500)

    def changes(self) -> dict[str, object]:
        return self.model_dump(exclude={"code"}, exclude_none=True)

    @model_validator(mode="after")
    def _changes_something(self) -> Self:
        if not self.changes():
            raise ValueError("give at least one field to change besides code")
        return self


class CloseStore(Command):
    code: Code
    reason: Name = "closed by HQ"


class ReopenStore(Command):
    code: Code


class RegisterSku(Command):
    sku: Code
    name: Name
    base_price: Price
    region_price_factors: dict[Code, PriceFactor] = Field(default_factory=dict)
    franchise_min_price: Price | None = None


class ChangePrice(Command):
    sku: Code
    base_price: Price
    region_price_factors: dict[Code, PriceFactor] = Field(default_factory=dict)
    franchise_min_price: Price | None = None


class ReceiveStock(Command):
    store: Code
    sku: Code
    quantity: Quantity
    reference: Reference | None = None


class AdjustStock(Command):
    """Stocktake (give ``counted``) or damage / shrinkage / correction (give ``delta``)."""

    store: Code
    sku: Code
    reason: AdjustReason
    delta: int | None = Field(default=None, strict=True, ge=-MAX_QUANTITY, le=MAX_QUANTITY)
    counted: Count | None = None
    note: Name | None = None

    @model_validator(mode="after")
    def _delta_or_count(self) -> Self:
        if self.reason == "stocktake":
            if self.counted is None or self.delta is not None:
                raise ValueError("counted: a stocktake gives the counted quantity, not a delta")
        elif self.delta is None or self.counted is not None:
            raise ValueError(f"delta: a {self.reason} adjustment gives a delta, not a count")
        elif self.reason in ("damage", "shrinkage") and self.delta >= 0:
            raise ValueError(f"delta: {self.reason} removes stock, so delta must be negative")
        elif self.delta == 0:
            raise ValueError("delta: a correction must change the quantity")
        return self


class SetSafetyStock(Command):
    store: Code
    sku: Code
    quantity: Count


class OrderLine(Command):
    sku: Code
    quantity: Quantity


class BuyerLocation(Command):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class PlaceOrder(Command):
    """Place an order; ``order_id`` or ``idempotency_key`` make a retry return the first order.

    Without a ``store``, the order is routed from ``buyer_location`` (see docs/routing.md);
    ``allow_split`` lets it be served by several stores when no single one can.
    """

    order_id: Code | None = None
    idempotency_key: Reference | None = None
    store: Code | None = None
    fulfilment: Fulfilment
    lines: list[OrderLine] = Field(min_length=1, max_length=100)
    member_id: Code | None = None
    points: Points | None = None
    buyer_location: BuyerLocation | None = None
    allow_split: bool = False

    @model_validator(mode="after")
    def _one_line_per_sku(self) -> Self:
        _check_one_line_per_sku(self.lines)
        if self.points is not None and self.member_id is None:
            raise ValueError("points: redeeming points needs the member_id")
        if self.store is None and self.buyer_location is None:
            raise ValueError("buyer_location: give the store, or the buyer's location to route")
        if self.store is not None and self.buyer_location is not None:
            raise ValueError("buyer_location: a named store serves the order; give one, not both")
        if self.store is not None and self.allow_split:
            raise ValueError("allow_split: an order at a named store is not split")
        if self.allow_split and self.points is not None:
            raise ValueError("points: points are not redeemed on an order that may be split")
        return self


def _check_one_line_per_sku(lines: Sequence[OrderLine | ReceivedLine]) -> None:
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if line.sku in seen:
            raise ValueError(f"lines[{index}].sku: {line.sku!r} appears twice; merge the lines")
        seen.add(line.sku)


class PayOrder(Command):
    order_id: Code
    amount: Annotated[Decimal, Field(gt=0, decimal_places=2)]
    payment_ref: Reference


class FulfilOrder(Command):
    """Mark a paid order ready for pickup, out for delivery or shipped (by its fulfilment)."""

    order_id: Code


class CompleteOrder(Command):
    order_id: Code


class CancelOrder(Command):
    order_id: Code
    reason: Name = "cancelled by customer"


class ReturnOrder(Command):
    """Return a completed order: every unit when ``lines`` is empty, else the given lines."""

    order_id: Code
    lines: list[OrderLine] = Field(default_factory=list, max_length=100)
    restock: bool = True
    reason: Name = "returned by customer"


# transfers between stores


class RequestTransfer(Command):
    """Ask to move stock from one store to another; ``transfer_id`` makes a retry return it."""

    transfer_id: Code | None = None
    from_store: Code
    to_store: Code
    lines: list[OrderLine] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _two_stores_one_line_per_sku(self) -> Self:
        if self.from_store == self.to_store:
            raise ValueError("to_store: a transfer goes to another store than from_store")
        _check_one_line_per_sku(self.lines)
        return self


class ApproveTransfer(Command):
    transfer_id: Code


class RejectTransfer(Command):
    transfer_id: Code
    reason: Name


class CancelTransfer(Command):
    """Call off a transfer that has not shipped."""

    transfer_id: Code
    reason: Name = "cancelled"


class ShipTransfer(Command):
    """Send every line of an approved transfer: all of it leaves the source, or nothing."""

    transfer_id: Code


class ReceivedLine(Command):
    sku: Code
    quantity: Count


class ReceiveTransfer(Command):
    """Book what arrived: every shipped SKU once, or no lines when all arrived as shipped."""

    transfer_id: Code
    lines: list[ReceivedLine] = Field(default_factory=list, max_length=100)
    reason: Name | None = None

    @model_validator(mode="after")
    def _one_line_per_sku(self) -> Self:
        _check_one_line_per_sku(self.lines)
        return self


# members and points


class EnrolMember(Command):
    member_id: Code
    home_store: Code


class GrantPoints(Command):
    """Credit points outside an order (opening balance, goodwill); once per ``reference``."""

    member_id: Code
    store: Code
    points: Points
    reference: Reference
    reason: Name


class ExpirePoints(Command):
    """Expire one member's lots past their expiry date (issued by ``expire_points``)."""

    member_id: Code
