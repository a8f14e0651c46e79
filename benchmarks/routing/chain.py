"""A synthetic chain for the routing benchmark: stores in cities, warehouses, stock, orders."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert

from multistore_core.ids import stock_item_id, store_id
from multistore_core.routing import RouteRequest, StoreStock
from projections.database import ViewStore
from projections.stock import stock_levels
from projections.stores import store_directory
from projections.views import build_views

CITIES = 10
HEAD_SHARE = 0.5  # the first half of the SKUs sell everywhere; the rest are long tail
HEAD_STOCKED, TAIL_STOCKED = 0.8, 0.1


@dataclass(frozen=True)
class Chain:
    stores: list[StoreStock]  # available holds every SKU the store stocks
    skus: list[str]

    def snapshot(self, skus: Sequence[str]) -> list[StoreStock]:
        """What a stock source answers for ``skus``: every store, its units of those SKUs."""
        return [
            StoreStock(
                s.code, s.region, s.kind, s.latitude, s.longitude, s.delivery_radius_km,
                s.is_open, {sku: s.available[sku] for sku in skus if sku in s.available},
            )
            for s in self.stores
        ]  # fmt: skip


def build_chain(stores: int, skus: int, seed: int = 7) -> Chain:
    """``stores`` stores over CITIES cities, one warehouse per city, 5% of shops closed."""
    rng = random.Random(seed)
    centres = [(rng.uniform(22, 40), rng.uniform(104, 122)) for _ in range(CITIES)]
    codes = [f"SKU-{n:05d}" for n in range(skus)]
    head = int(skus * HEAD_SHARE)
    found = []
    for n in range(stores):
        city = n % CITIES
        warehouse = n < CITIES
        lat, lon = centres[city]
        stock = {
            sku: rng.randint(1, 20)
            for i, sku in enumerate(codes)
            if rng.random() < (HEAD_STOCKED if i < head else TAIL_STOCKED)
        }
        found.append(
            StoreStock(
                code=f"{'WH' if warehouse else 'S'}{n:04d}",
                region=f"city-{city}",
                kind="warehouse" if warehouse else rng.choice(["direct", "franchise"]),
                latitude=lat + rng.uniform(-0.15, 0.15),
                longitude=lon + rng.uniform(-0.15, 0.15),
                delivery_radius_km=rng.choice([3.0, 5.0, 8.0]),
                is_open=warehouse or rng.random() > 0.05,
                available=stock,
            )
        )
    return Chain(found, codes)


def orders(chain: Chain, scenario: str, count: int, seed: int) -> list[RouteRequest]:
    """Buyers in a random city; pickup, delivery and ship order 1-3 head SKUs, split orders
    3-5 long-tail SKUs (which no single store tends to have)."""
    rng = random.Random(seed)
    head = int(len(chain.skus) * HEAD_SHARE)
    requests = []
    for _ in range(count):
        anchor = rng.choice(chain.stores)
        lat, lon = (
            anchor.latitude + rng.uniform(-0.05, 0.05),
            anchor.longitude + rng.uniform(-0.05, 0.05),
        )
        if scenario == "split":
            skus = rng.sample(chain.skus[head:], rng.randint(3, 5))
        else:
            skus = rng.sample(chain.skus[:head], rng.randint(1, 3))
        lines = {sku: rng.randint(1, 2) for sku in skus}
        fulfilment = "pickup" if scenario in ("split", "pickup") else scenario
        requests.append(RouteRequest(fulfilment, lat, lon, lines, scenario == "split"))
    return requests


def load_views(chain: Chain, views: ViewStore) -> int:
    """Write the chain straight into the store and stock view tables; return the stock rows."""
    views.create(build_views(["stores", "stock"]))
    now = datetime(2026, 1, 1)
    store_rows = [
        {
            "store_id": str(store_id(s.code)), "code": s.code, "name": s.code,
            "region": s.region, "kind": s.kind, "latitude": s.latitude,
            "longitude": s.longitude, "delivery_radius_km": s.delivery_radius_km,
            "hq_revenue_share": 0.0, "is_open": s.is_open, "updated_at": now,
        }
        for s in chain.stores
    ]  # fmt: skip
    stock_rows = [
        {
            "item_id": str(stock_item_id(s.code, sku)), "store": s.code, "sku": sku,
            "on_hand": units, "reserved": 0, "available": units, "incoming": 0,
            "safety_stock": 0, "shortage": 0, "low_since": None,
            "last_change": "Received", "last_change_at": now, "version": 2,
        }
        for s in chain.stores
        for sku, units in s.available.items()
    ]  # fmt: skip
    with views.transaction() as connection:
        connection.execute(insert(store_directory), store_rows)
        for start in range(0, len(stock_rows), 20_000):
            connection.execute(insert(stock_levels), stock_rows[start : start + 20_000])
    return len(stock_rows)
