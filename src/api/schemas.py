"""Request bodies derived from the core commands, and the public shapes of responses."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias

from pydantic import BaseModel, ConfigDict, create_model

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


class OrderPublic(Public):
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


class Readiness(BaseModel):
    status: str
    event_store: str
    log_position: int
    views: str
    view_position: int | None
    view_lag_events: int | None


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
