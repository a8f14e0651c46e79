"""Helpers for routing tests: a small city chain, a buyer, and a stock source frozen in time."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from multistore_core import MultiStore
from multistore_core import commands as c
from multistore_core.routing import StoreStock

BUYER = c.BuyerLocation(latitude=31.2000, longitude=121.4000)
KM_PER_DEGREE_EAST = 95.2  # at latitude 31.2
# code, kind, kilometres east of the buyer, delivery radius
CITY = (
    ("NEAR", "direct", 1.0, 3.0),
    ("MID", "franchise", 4.0, 10.0),
    ("FAR", "direct", 12.0, 5.0),
    ("WH", "warehouse", 40.0, 0.0),
)
SKUS = ("TEA", "CUP", "POT")
EVERYWHERE_CITY = {store: {"TEA": 10, "CUP": 10} for store, *_ in CITY}


def build_city(app: MultiStore, stock: dict[str, dict[str, int]]) -> None:
    """The CITY stores east of BUYER, the SKUS, and ``stock[store][sku]`` units received."""
    for code, kind, km_east, radius in CITY:
        app.register_store(
            c.RegisterStore(
                code=code,
                name=f"Store {code}",
                region="east",
                kind=kind,
                latitude=BUYER.latitude,
                longitude=BUYER.longitude + km_east / KM_PER_DEGREE_EAST,
                delivery_radius_km=radius,
            )
        )
    for sku in SKUS:
        app.register_sku(c.RegisterSku(sku=sku, name=sku.title(), base_price=Decimal("10.00")))
    for store, levels in stock.items():
        for sku, quantity in levels.items():
            app.receive_stock(c.ReceiveStock(store=store, sku=sku, quantity=quantity))


def routed(
    order_id: str | None = None, fulfilment: str = "pickup", split: bool = False, **lines: int
) -> c.PlaceOrder:
    """A PlaceOrder without a store, from BUYER, for ``lines`` (SKU=quantity)."""
    return c.PlaceOrder(
        order_id=order_id,
        fulfilment=fulfilment,  # type: ignore[arg-type]
        buyer_location=BUYER,
        allow_split=split,
        lines=[c.OrderLine(sku=sku, quantity=quantity) for sku, quantity in lines.items()],
    )


class FrozenSource:
    """A stock source that keeps answering what it saw once: a view that stopped following."""

    def __init__(self, stores: Sequence[StoreStock]) -> None:
        self.stores = list(stores)
        self.calls = 0

    def stock_for(self, skus: Sequence[str]) -> list[StoreStock]:
        self.calls += 1
        return self.stores


def events_since(app: MultiStore, position: int) -> list[Any]:
    notifications = app.recorder.select_notifications(position, 10_000, inclusive_of_start=False)
    return [app.mapper.to_domain_event(n) for n in notifications]
