"""Helpers shared by the tests: a hand-moved clock and a small chain to work on."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from multistore_core import MultiStore
from multistore_core.commands import ReceiveStock, RegisterSku, RegisterStore


class FakeClock:
    """A clock that tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def build_chain(app: MultiStore, stock: int = 10) -> None:
    """Two stores (one direct, one franchise) and two SKUs, each with ``stock`` units."""
    app.register_store(
        RegisterStore(
            code="SH01",
            name="Shanghai Xuhui",
            region="east",
            kind="direct",
            latitude=31.19,
            longitude=121.44,
        )
    )
    app.register_store(
        RegisterStore(
            code="HZ01",
            name="Hangzhou Xihu",
            region="east",
            kind="franchise",
            latitude=30.25,
            longitude=120.15,
        )
    )
    app.register_sku(RegisterSku(sku="TEA-001", name="Jasmine tea", base_price=Decimal("12.50")))
    app.register_sku(RegisterSku(sku="CUP-002", name="Tea cup", base_price=Decimal("30.00")))
    for store in ("SH01", "HZ01"):
        for sku in ("TEA-001", "CUP-002"):
            app.receive_stock(ReceiveStock(store=store, sku=sku, quantity=stock))


def run_threads(work: Callable[[int], object], count: int) -> None:
    """Start ``count`` threads together on ``work(index)``; fail if any of them raised."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def body(index: int) -> None:
        start.wait()
        try:
            work(index)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
