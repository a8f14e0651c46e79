"""The flash-sale scenarios: which stock items exist and the stream of purchases against them."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Purchase:
    """One single-line order: ``quantity`` units of ``sku`` at ``store``."""

    ref: str
    store: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    stores: int
    skus_per_store: int
    units_per_item: int

    def items(self) -> list[tuple[str, str]]:
        """Every (store, sku) stock item; SKU codes are unique across stores."""
        return [
            (store_code(s), f"SKU-{s:03d}-{k:03d}")
            for s in range(self.stores)
            for k in range(self.skus_per_store)
        ]

    def purchases(self, seed: int, demand_factor: float = 3.0) -> list[Purchase]:
        """Orders of 1-3 units on random items until demand is ``demand_factor`` x the stock."""
        rng = random.Random(seed)
        items = self.items()
        wanted = int(demand_factor * self.units_per_item * len(items))
        purchases: list[Purchase] = []
        while wanted > 0:
            store, sku = rng.choice(items)
            quantity = rng.randint(1, 3)
            purchases.append(Purchase(f"B-{seed}-{len(purchases)}", store, sku, quantity))
            wanted -= quantity
        return purchases

    def purchases_within_stock(self, seed: int) -> list[Purchase]:
        """Orders of 1-3 units that never ask an item for more than it holds, shuffled: each
        can be served, so none is refused and no two compete for an item's last units."""
        rng = random.Random(seed)
        orders: list[tuple[str, str, int]] = []
        for store, sku in self.items():
            left = self.units_per_item
            while left > 0:
                quantity = min(rng.randint(1, 3), left)
                orders.append((store, sku, quantity))
                left -= quantity
        rng.shuffle(orders)
        return [Purchase(f"W-{seed}-{n}", *order) for n, order in enumerate(orders)]

    def scaled(self, factor: float) -> Scenario:
        """The same shape with fewer units per item (for quick and smoke runs)."""
        units = max(5, int(self.units_per_item * factor))
        return Scenario(self.name, self.title, self.stores, self.skus_per_store, units)


def store_code(index: int) -> str:
    return f"S{index:03d}"


SCENARIOS = {
    "hot-1": Scenario("hot-1", "one hot SKU at one store", 1, 1, 6000),
    "hot-10": Scenario("hot-10", "10 hot SKUs at one store", 1, 10, 600),
    "spread-1000": Scenario("spread-1000", "1,000 SKUs across 50 stores", 50, 20, 12),
}
