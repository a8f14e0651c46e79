"""Group commit on real databases: no oversell across threads and across applications."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

from multistore_core import MultiStore, Settings
from multistore_core.commands import OrderLine, PlaceOrder
from multistore_core.errors import InsufficientStock
from multistore_core.ids import stock_item_id
from multistore_core.results import OrderSummary
from support import build_chain

_SKUS = {stock_item_id("SH01", sku): sku for sku in ("TEA-001", "CUP-002")}


def _buyers(apps: list[MultiStore], per_app: int, orders_each: int) -> list[OrderSummary]:
    accepted: list[OrderSummary] = []
    lock = threading.Lock()

    def buyer(app: MultiStore, name: str) -> None:
        for number in range(orders_each):
            lines = [OrderLine(sku="TEA-001", quantity=1 + number % 2)]
            if number % 3 == 0:
                lines.append(OrderLine(sku="CUP-002", quantity=1))
            try:
                placed = app.place_order(
                    PlaceOrder(
                        order_id=f"{name}-{number}", store="SH01", fulfilment="pickup", lines=lines
                    )
                )
            except InsufficientStock:
                continue
            with lock:
                accepted.append(placed)

    threads = [
        threading.Thread(target=buyer, args=(app, f"A{a}B{b}"))
        for a, app in enumerate(apps)
        for b in range(per_app)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return accepted


def _log(app: MultiStore) -> list[tuple[int, Any]]:
    """Every event with its log position, read back from the database."""
    return [
        (notification.id, app.mapper.to_domain_event(notification))
        for notification in app.recorder.select_notifications(0, 100_000)
    ]


@pytest.mark.postgres
def test_two_group_committing_applications_never_oversell_a_hot_sku(postgres_url: str) -> None:
    first = MultiStore(Settings(database_url=postgres_url, group_commit=True))
    second = MultiStore(Settings(database_url=postgres_url, group_commit=True))
    build_chain(first, stock=40)

    accepted = _buyers([first, second], per_app=6, orders_each=12)

    wanted = Counter[str]()
    for summary in accepted:
        for line in summary.lines:
            wanted[line.sku] += line.quantity
    reserved = Counter[str]()
    for _, event in _log(first):
        if type(event).__qualname__ == "StockItem.Reserved":
            reserved[_SKUS[event.originator_id]] += event.quantity
    for sku in ("TEA-001", "CUP-002"):
        level = second.stock_level("SH01", sku)
        assert level.available >= 0
        assert reserved[sku] == wanted[sku] == level.reserved == 40 - level.available
    assert wanted["TEA-001"] == 40, "demand was three times the stock, so it sold out"
    assert len({summary.order_id for summary in accepted}) == len(accepted)


def test_group_commit_sells_out_exactly_on_sqlite_and_reports_each_order_position(
    sqlite_url: str,
) -> None:
    app = MultiStore(Settings(database_url=sqlite_url, group_commit=True))
    build_chain(app, stock=30)

    accepted = _buyers([app], per_app=8, orders_each=10)

    assert app.stock_level("SH01", "TEA-001").available == 0
    assert sum(line.quantity for s in accepted for line in s.lines if line.sku == "TEA-001") == 30
    last_of_command: dict[str, int] = {}
    placed_by: dict[str, str] = {}
    for position, event in _log(app):
        last_of_command[event.meta["command_id"]] = position
        if type(event).__qualname__ == "Order.Placed":
            placed_by[event.order_ref] = event.meta["command_id"]
    assert len(placed_by) == len(accepted)
    for summary in accepted:
        assert summary.position == last_of_command[placed_by[summary.order_id]]
