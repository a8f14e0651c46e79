"""Group commit on real databases: no oversell across threads and across applications."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
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


def _before_first_save(app: MultiStore, work: Callable[[], None]) -> None:
    """Run ``work`` inside the first ``save`` of ``app``'s committer, before saving."""
    save = app.save
    calls: list[int] = []

    def save_after_work(*objs: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            work()
        return save(*objs, **kwargs)

    app.save = save_after_work  # type: ignore[method-assign]


def _queued_during_first_save(app: MultiStore, call: Callable[[], Any]) -> list[Any]:
    """Start ``call`` in a thread while the committer's first batch is being saved and wait
    until it is queued; the list gets the thread, then its outcome at the front."""
    committer = app._committer
    assert committer is not None
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.insert(0, call())
        except Exception as error:  # compared by the test
            outcome.insert(0, error)

    def queue_call() -> None:
        outcome.append(threading.Thread(target=run))
        outcome[-1].start()
        while committer._queue.qsize() < 1:
            time.sleep(0.001)

    _before_first_save(app, queue_call)
    return outcome


def _place(app: MultiStore, ref: str, quantity: int) -> Callable[[], OrderSummary]:
    return lambda: app.place_order(
        PlaceOrder(
            order_id=ref, store="SH01", fulfilment="pickup",
            lines=[OrderLine(sku="TEA-001", quantity=quantity)],
        )
    )  # fmt: skip


def test_another_writer_during_a_save_makes_the_batch_decide_again_on_fresh_stock(
    database_url: str,
) -> None:
    grouped = MultiStore(Settings(database_url=database_url, group_commit=True))
    other = MultiStore(Settings(database_url=database_url))
    build_chain(grouped, stock=10)
    _before_first_save(grouped, lambda: _place(other, "X-1", 3)() and None)

    first = _place(grouped, "O-1", 4)()
    with pytest.raises(InsufficientStock):
        _place(grouped, "O-2", 4)()

    assert isinstance(first, OrderSummary)
    level = other.stock_level("SH01", "TEA-001")
    assert (level.reserved, level.available) == (7, 3)
    assert set(other.get_stock_item("SH01", "TEA-001").reservations) == {"O-1", "X-1"}
    placed = [e for _, e in _log(other) if type(e).__qualname__ == "Order.Placed"]
    assert sorted(e.order_ref for e in placed) == ["O-1", "X-1"]
    grouped.close()
    other.close()


def test_repeating_an_order_while_its_first_placement_is_being_saved_returns_it_at_its_position(
    database_url: str,
) -> None:
    grouped = MultiStore(Settings(database_url=database_url, group_commit=True))
    build_chain(grouped, stock=10)
    later = _queued_during_first_save(grouped, _place(grouped, "O-1", 2))

    placed = _place(grouped, "O-1", 2)()
    later[-1].join()

    repeated = later[0]
    assert placed.created is True and repeated.created is False
    assert repeated.position >= placed.position == grouped.log_position()
    assert grouped.stock_level("SH01", "TEA-001").reserved == 2
    grouped.close()
