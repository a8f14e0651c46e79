"""Concurrent routed orders on PostgreSQL, routed from a view that never catches up, never
oversell, and split orders are reserved whole or not at all."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from multistore_core import MultiStore, Settings
from multistore_core.errors import NoStoreCanServe
from multistore_core.ids import stock_item_id
from multistore_core.results import OrderSummary
from routing_support import FrozenSource, build_city, events_since, routed
from support import run_threads

pytestmark = pytest.mark.postgres
STOCK = {"NEAR": {"TEA": 6}, "MID": {"CUP": 6}, "FAR": {"TEA": 6, "CUP": 3}}
BUYERS = 8
ORDERS_EACH = 5


@pytest.fixture(params=[False, True], ids=["plain", "group-commit"])
def city(request: pytest.FixtureRequest, postgres_url: str) -> Iterator[MultiStore]:
    settings = Settings(database_url=postgres_url, conflict_retries=50, group_commit=request.param)
    app = MultiStore(settings)
    build_city(app, STOCK)
    app.stock_source = FrozenSource(app.stock_for(["TEA", "CUP"]))
    yield app
    app.close()


def test_concurrent_routed_orders_from_a_stale_view_never_oversell(city: MultiStore) -> None:
    start = city.log_position()
    placed: list[OrderSummary] = []
    refused = Counter[str]()
    lock = threading.Lock()

    def buyer(index: int) -> None:
        for n in range(ORDERS_EACH):
            lines = {"TEA": 1 + (index + n) % 2}
            if n % 2 == 0:
                lines["CUP"] = 1
            try:
                summary = city.place_order(routed(f"B{index}-{n}", split=True, **lines))
            except NoStoreCanServe as error:
                with lock:
                    refused[error.reason] += 1
            else:
                with lock:
                    placed.append(summary)

    run_threads(buyer, BUYERS)

    items = {stock_item_id(store, sku): (store, sku) for store in STOCK for sku in STOCK[store]}
    reserved_by_events = Counter[tuple[str, str]]()
    for event in events_since(city, start):
        if type(event).__qualname__ == "StockItem.Reserved":
            reserved_by_events[items[event.originator_id]] += event.quantity
    reserved_by_orders = Counter[tuple[str, str]]()
    for summary in placed:
        for part in summary.parts or (summary,):
            for line in part.lines:
                reserved_by_orders[(part.store, line.sku)] += line.quantity
    assert reserved_by_orders == reserved_by_events
    for (store, sku), quantity in reserved_by_events.items():
        level = city.stock_level(store, sku)
        assert level.reserved == quantity <= level.on_hand == STOCK[store][sku]
    assert placed and refused, "the demand was meant to exceed the stock"
    assert any(summary.parts for summary in placed), "some orders were meant to be split"


def test_racing_retries_of_one_routed_split_order_place_it_once(city: MultiStore) -> None:
    created = Counter[bool]()
    orders: set[tuple[str, ...]] = set()
    lock = threading.Lock()

    def buyer(index: int) -> None:
        summary = city.place_order(routed("SAME", split=True, TEA=5, CUP=4))
        with lock:
            created[summary.created] += 1
            orders.add(summary.stores)

    run_threads(buyer, BUYERS)

    assert created == Counter({True: 1, False: BUYERS - 1})
    assert orders == {("NEAR", "MID")}
    assert city.stock_level("NEAR", "TEA").reserved == 5
    assert city.stock_level("MID", "CUP").reserved == 4
