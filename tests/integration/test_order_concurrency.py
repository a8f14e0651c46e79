"""Many threads ordering one SKU on a real database never oversell; checked from every event."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal

import pytest

from multistore_core import MultiStore, Settings
from multistore_core.commands import OrderLine, PlaceOrder, ReceiveStock, RegisterSku, RegisterStore
from multistore_core.errors import InsufficientStock
from multistore_core.ids import stock_item_id
from support import run_threads

THREADS = 16
STOCK = 40


def hot_sku_store(url: str) -> MultiStore:
    app = MultiStore(Settings(database_url=url, conflict_retries=50))
    app.register_store(
        RegisterStore(
            code="SH01", name="Shanghai", region="east", kind="direct",
            latitude=31.2, longitude=121.4,
        )
    )  # fmt: skip
    app.register_sku(RegisterSku(sku="HOT-1", name="Flash sale item", base_price=Decimal("9.90")))
    app.receive_stock(ReceiveStock(store="SH01", sku="HOT-1", quantity=STOCK))
    return app


def test_concurrent_orders_for_one_sku_never_oversell(database_url: str) -> None:
    app = hot_sku_store(database_url)
    accepted: Counter[str] = Counter()
    refused = Counter[int]()
    lock = threading.Lock()

    def buyer(index: int) -> None:
        for n in range(6):
            quantity = 1 + (index + n) % 3
            command = PlaceOrder(
                order_id=f"B{index}-{n}", store="SH01", fulfilment="pickup",
                lines=[OrderLine(sku="HOT-1", quantity=quantity)],
            )  # fmt: skip
            try:
                app.place_order(command)
            except InsufficientStock:
                with lock:
                    refused[index] += 1
            else:
                with lock:
                    accepted[command.order_id or ""] = quantity

    run_threads(buyer, THREADS)

    events = list(app.events.get(stock_item_id("SH01", "HOT-1")))
    received = sum(e.quantity for e in events if type(e).__name__ == "Received")  # type: ignore[attr-defined]
    reserved = Counter[str]()
    for event in events:
        if type(event).__name__ == "Reserved":
            reserved[event.order_id] += event.quantity  # type: ignore[attr-defined]
    assert all(count == accepted[order] for order, count in reserved.items())
    assert set(reserved) == set(accepted)
    assert sum(reserved.values()) == sum(accepted.values()) <= received == STOCK
    level = app.stock_level("SH01", "HOT-1")
    assert level.reserved == sum(accepted.values())
    assert level.available == STOCK - level.reserved >= 0
    assert sum(refused.values()) > 0, "demand exceeded stock, so some orders must be refused"


def test_racing_placements_of_one_order_id_reserve_once(database_url: str) -> None:
    app = hot_sku_store(database_url)
    command = PlaceOrder(
        order_id="SAME-1", store="SH01", fulfilment="pickup",
        lines=[OrderLine(sku="HOT-1", quantity=3)],
    )  # fmt: skip
    created = Counter[bool]()
    lock = threading.Lock()

    def buyer(index: int) -> None:
        summary = app.place_order(command)
        with lock:
            created[summary.created] += 1

    run_threads(buyer, 8)
    assert created == Counter({True: 1, False: 7})
    assert app.stock_level("SH01", "HOT-1").reserved == 3


@pytest.mark.postgres
def test_two_applications_on_one_postgres_database_share_the_stock(postgres_url: str) -> None:
    first = hot_sku_store(postgres_url)
    second = MultiStore(Settings(database_url=postgres_url, conflict_retries=50))
    apps = [first, second]
    accepted = Counter[int]()
    lock = threading.Lock()

    def buyer(index: int) -> None:
        for n in range(8):
            try:
                apps[index % 2].place_order(
                    PlaceOrder(
                        order_id=f"P{index}-{n}", store="SH01", fulfilment="pickup",
                        lines=[OrderLine(sku="HOT-1", quantity=1)],
                    )
                )  # fmt: skip
            except InsufficientStock:
                continue
            with lock:
                accepted[index] += 1

    run_threads(buyer, 8)
    assert sum(accepted.values()) == STOCK
    assert second.stock_level("SH01", "HOT-1").available == 0
