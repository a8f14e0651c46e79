"""Request bodies derived from the core commands, and the public shapes of responses."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, create_model

from multistore_core import commands as c
from multistore_core.commands import Command


def body_of(command: type[Command], *from_path: str) -> type[BaseModel]:
    """The command's fields less those taken from the path, with the same rules.

    The command itself is still built in the route, so its cross-field rules run there.
    """
    fields: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in command.model_fields.items()
        if name not in from_path
    }
    name = f"{command.__name__}Body"
    model: type[BaseModel] = create_model(
        name, __config__=ConfigDict(extra="forbid"), __doc__=command.__doc__, **fields
    )
    return model


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Receipt(Public):
    """A command's outcome; ``position`` is the log position of its last event."""

    position: int | None


class StorePublic(Public):
    code: str
    name: str
    region: str
    kind: str
    latitude: float
    longitude: float
    hq_revenue_share: Decimal
    delivery_radius_km: float
    is_open: bool


class CatalogItemPublic(Public):
    sku: str
    name: str
    base_price: Decimal
    region_price_factors: dict[str, Decimal]
    franchise_min_price: Decimal | None


class StockLevelPublic(Public):
    """Exact stock from the write side: ``available`` = ``on_hand`` - ``reserved``."""

    store: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    incoming: int
    safety_stock: int
    shortage: int


class OrderLinePublic(Public):
    sku: str
    quantity: int
    unit_price: Decimal


class AttemptPublic(Public):
    store: str
    outcome: str


class RoutingPublic(Public):
    """Why a routed order went where it did, and each store tried (``reserved`` or refused)."""

    policy: str
    reason: str
    tried: list[AttemptPublic]
    latitude: float
    longitude: float
    allow_split: bool


class OrderPartPublic(Public):
    """One store's part of a split order; pay and cancel the split order, fulfil each part."""

    order_id: str
    store: str
    status: str
    lines: list[OrderLinePublic]
    total: Decimal
    amount_due: Decimal


class OrderPublic(Public):
    """An order; a split order lists its ``parts`` and every serving store in ``stores``."""

    order_id: str
    store: str
    status: str
    fulfilment: str
    member_id: str | None
    lines: list[OrderLinePublic]
    total: Decimal
    refunded: Decimal
    expires_at: datetime
    points_used: int
    points_value: Decimal
    amount_due: Decimal
    stores: list[str]
    customer_order: str | None
    parts: list[OrderPartPublic]
    routing: RoutingPublic | None


class TransferLinePublic(Public):
    sku: str
    quantity: int
    received: int | None


class TransferPublic(Public):
    transfer_id: str
    from_store: str
    to_store: str
    status: str
    lines: list[TransferLinePublic]
    reason: str | None


class MemberPublic(Public):
    """A member's points: ``balance`` held, of which ``usable`` is unexpired now."""

    member_id: str
    home_store: str
    tier: str
    growth: int
    balance: int
    usable: int


class Health(BaseModel):
    status: str


class FieldErrorPublic(BaseModel):
    """One wrong field of a request: its name, where it was (body, query, path, header)."""

    field: str
    in_: str = Field(alias="in")
    message: str


class Problem(BaseModel):
    """An error (RFC 9457): ``type`` names the kind of problem and ``detail`` what was wrong.

    Invalid input (422) lists ``errors``; other kinds add their own members, such as ``field``
    (404), ``shortages`` (409 insufficient stock) or ``position`` (503 views behind).
    """

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldErrorPublic] = Field(default=[], description="422: each wrong field")


# Request bodies: a command's fields less those given in the path (mypy sees plain models).
if TYPE_CHECKING:
    UpdateStoreBody: TypeAlias = BaseModel
    CloseStoreBody: TypeAlias = BaseModel
    ChangePriceBody: TypeAlias = BaseModel
    ReceiveStockBody: TypeAlias = BaseModel
    AdjustStockBody: TypeAlias = BaseModel
    SetSafetyStockBody: TypeAlias = BaseModel
    PlaceOrderBody: TypeAlias = BaseModel
    PayOrderBody: TypeAlias = BaseModel
    CancelOrderBody: TypeAlias = BaseModel
    ReturnOrderBody: TypeAlias = BaseModel
    RejectTransferBody: TypeAlias = BaseModel
    CancelTransferBody: TypeAlias = BaseModel
    ReceiveTransferBody: TypeAlias = BaseModel
    GrantPointsBody: TypeAlias = BaseModel
else:
    UpdateStoreBody = body_of(c.UpdateStore, "code")
    CloseStoreBody = body_of(c.CloseStore, "code")
    ChangePriceBody = body_of(c.ChangePrice, "sku")
    ReceiveStockBody = body_of(c.ReceiveStock, "store", "sku")
    AdjustStockBody = body_of(c.AdjustStock, "store", "sku")
    SetSafetyStockBody = body_of(c.SetSafetyStock, "store", "sku")
    PlaceOrderBody = body_of(c.PlaceOrder, "idempotency_key")
    PayOrderBody = body_of(c.PayOrder, "order_id")
    CancelOrderBody = body_of(c.CancelOrder, "order_id")
    ReturnOrderBody = body_of(c.ReturnOrder, "order_id")
    RejectTransferBody = body_of(c.RejectTransfer, "transfer_id")
    CancelTransferBody = body_of(c.CancelTransfer, "transfer_id")
    ReceiveTransferBody = body_of(c.ReceiveTransfer, "transfer_id")
    GrantPointsBody = body_of(c.GrantPoints, "member_id")


class StockRowPublic(StockLevelPublic):
    """Stock from the views; ``low_since`` is set while available is below safety stock."""

    low_since: datetime | None
    last_change: str
    last_change_at: datetime


class SkuAvailabilityPublic(Public):
    sku: str
    on_hand: int
    reserved: int
    available: int
    incoming: int
    stores: list[StockRowPublic]


class LowStockAlertPublic(Public):
    model_config = ConfigDict(ser_json_timedelta="float")

    store: str
    sku: str
    available: int
    safety_stock: int
    low_since: datetime
    below_for: timedelta = Field(description="seconds since available fell below safety stock")


class OrderRowPublic(Public):
    order_id: str
    store: str
    region: str
    store_kind: str
    fulfilment: str
    member_id: str | None
    status: str
    total: Decimal
    points_value: Decimal
    refunded: Decimal
    placed_at: datetime
    updated_at: datetime
    lines: list[dict[str, Any]]


class OrderPage(Public):
    items: list[OrderRowPublic]
    page: int
    page_size: int
    total: int


class TransferRowPublic(Public):
    transfer_id: str
    from_store: str
    to_store: str
    status: str
    lines: list[dict[str, Any]]
    reason: str | None
    requested_at: datetime
    shipped_at: datetime | None
    updated_at: datetime


class SalesFiguresPublic(Public):
    gmv: Decimal
    orders: int
    average_order_value: Decimal
    cancelled: int
    cancellation_rate: float
    completed_value: Decimal
    new_members: int


class SalesBucketPublic(Public):
    start: datetime
    figures: SalesFiguresPublic


class SkuRankPublic(Public):
    sku: str
    units: int
    revenue: Decimal


class DashboardPublic(Public):
    totals: SalesFiguresPublic
    top_by_units: list[SkuRankPublic]
    top_by_revenue: list[SkuRankPublic]
    by_hour: list[SalesBucketPublic]
    by_day: list[SalesBucketPublic]


class RevenueSharePublic(Public):
    store: str
    period: str
    completed: Decimal
    refunded: Decimal
    hq_share: Decimal


class ViewLagPublic(Public):
    model_config = ConfigDict(ser_json_timedelta="float")

    name: str
    position: int
    head: int
    behind: int
    last_event_at: datetime | None
    processed_at: datetime | None
    commit_to_view: timedelta | None = Field(
        description="seconds from its last event's commit to the view"
    )


class Readiness(BaseModel):
    """``views`` lists each view's position and lag behind the log head."""

    status: str
    event_store: str
    log_position: int
    views: list[ViewLagPublic]


class DashboardSnapshot(Public):
    """What the live dashboard shows; ``scope`` is the one store a manager's key sees."""

    scope: str | None
    position: int
    behind: int
    dashboard: DashboardPublic
    low_stock: list[LowStockAlertPublic]
    latest_orders: list[OrderRowPublic]
