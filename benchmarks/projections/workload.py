"""A synthetic chain whose orders are decided on in-memory aggregates and saved in batches."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from multistore_core import CommandContext, MultiStore
from multistore_core.commands import RegisterSku, RegisterStore
from multistore_core.context import Clock, issuing
from multistore_core.domain.base import Entity
from multistore_core.domain.order import Order, line_total
from multistore_core.domain.stock import StockItem

KINDS = ("direct", "direct", "franchise", "joint_venture")
REGIONS = ("east", "north", "south", "west")


class SyntheticChain:
    """Stores, SKUs and stock items registered once; then orders made with the real aggregates.

    The chain keeps its stock items in memory (it is the only writer), so an order costs no
    reads: each batch of orders and the stock items they touch is saved with one ``save``,
    one transaction, exactly the events the application's commands would record.
    """

    def __init__(self, app: MultiStore, stores: int = 40, skus: int = 50, seed: int = 1) -> None:
        self.app = app
        self.rng = random.Random(seed)
        self.stores = [f"S{n:03}" for n in range(stores)]
        self.skus = [f"SKU-{n:03}" for n in range(skus)]
        self.prices = {sku: Decimal(self.rng.randrange(300, 9000)) / 100 for sku in self.skus}
        self.items: dict[tuple[str, str], StockItem] = {}
        self.orders = 0

    def register(self, stock_per_item: int = 1_000_000) -> None:
        """Register the stores and SKUs by command, and stock every SKU at every store."""
        for n, code in enumerate(self.stores):
            kind = KINDS[n % len(KINDS)]
            self.app.register_store(
                RegisterStore(
                    code=code,
                    name=f"Store {code}",
                    region=REGIONS[n % len(REGIONS)],
                    kind=kind,  # type: ignore[arg-type]
                    latitude=30 + n / 100,
                    longitude=120 + n / 100,
                    hq_revenue_share=Decimal("0.3") if kind == "joint_venture" else Decimal(0),
                )
            )
        for sku in self.skus:
            self.app.register_sku(RegisterSku(sku=sku, name=sku, base_price=self.prices[sku]))
        with issuing("ReceiveStock", CommandContext(actor="benchmark"), self.app.clock):
            for store in self.stores:
                for sku in self.skus:
                    item = StockItem(store=store, sku=sku)
                    item.receive(stock_per_item, "opening stock")
                    self.items[(store, sku)] = item
        self.app.save(*self.items.values())

    def batch(self, count: int, clock: Clock, lifecycle: bool = True) -> list[Entity]:
        """Decide ``count`` orders; with ``lifecycle`` most complete and some are cancelled."""
        touched: dict[int, Entity] = {}
        with issuing("PlaceOrder", CommandContext(actor="benchmark"), clock):
            for _ in range(count):
                order, items = self._place(clock)
                if lifecycle:
                    self._progress(order, items)
                for aggregate in (order, *items):
                    touched[id(aggregate)] = aggregate
        return list(touched.values())

    def _place(self, clock: Clock) -> tuple[Order, list[StockItem]]:
        self.orders += 1
        ref = f"B-{self.orders}"
        store = self.rng.choice(self.stores)
        n = self.stores.index(store)
        skus = self.rng.sample(self.skus, self.rng.choice((1, 1, 1, 2, 3)))
        lines = [
            {"sku": sku, "quantity": self.rng.randint(1, 3), "unit_price": self.prices[sku]}
            for sku in skus
        ]
        items = [self.items[(store, sku)] for sku in skus]
        for item, line in zip(items, lines, strict=True):
            item.reserve(ref, line["quantity"])
        order = Order.place(
            order_ref=ref,
            store=store,
            region=REGIONS[n % len(REGIONS)],
            store_kind=KINDS[n % len(KINDS)],
            fulfilment="pickup",
            member_id=None,
            lines=lines,
            total=sum((line_total(line) for line in lines), Decimal(0)),
            expires_at=clock() + timedelta(minutes=30),
        )
        return order, items

    def _progress(self, order: Order, items: list[StockItem]) -> None:
        fate = self.rng.random()
        if fate < 0.1:
            return
        if fate < 0.25:
            order.cancel("changed mind")
            for item in items:
                item.release(order.order_ref, "cancelled")
            return
        order.pay(Decimal(order.total), f"P-{order.order_ref}")
        order.fulfil()
        order.complete()
        for item in items:
            item.sell(order.order_ref)


def simulated_clock(start: datetime, step: timedelta) -> Iterator[datetime]:
    moment = start
    while True:
        yield moment
        moment += step


def day_clock(orders_per_day: int) -> Clock:
    """A clock that moves through a day in even steps, one step each time it is read."""
    ticks = simulated_clock(datetime(2026, 11, 1, tzinfo=UTC), timedelta(days=1) / orders_per_day)
    return lambda: next(ticks)


def build_log(app: MultiStore, chain: SyntheticChain, events: int, batch: int = 100) -> int:
    """Save batches of orders until the log holds at least ``events`` events; return the head."""
    clock = day_clock(orders_per_day=events // 6)
    while app.log_position() < events:
        app.save(*chain.batch(batch, clock))
    return app.log_position()
