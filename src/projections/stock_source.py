"""Routing candidates read from the store and stock views: fast, and possibly behind the log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from multistore_core.routing import StoreStock
from projections.database import ViewStore
from projections.stock import stock_levels
from projections.stores import store_directory


class ViewStockSource:
    """A ``multistore_core.routing.StockSource`` over the views; the stock items still decide."""

    def __init__(self, views: ViewStore) -> None:
        self.views = views

    def stock_for(self, skus: Sequence[str]) -> list[StoreStock]:
        """Every store in the store view with its available units of ``skus`` in the stock view."""
        stores = store_directory.c
        levels = stock_levels.c
        with self.views.reading() as connection:
            directory = connection.execute(
                select(
                    stores.code,
                    stores.region,
                    stores.kind,
                    stores.latitude,
                    stores.longitude,
                    stores.delivery_radius_km,
                    stores.is_open,
                )
            ).all()
            stocked = connection.execute(
                select(levels.store, levels.sku, levels.available).where(levels.sku.in_(skus))
            ).all()
        available: dict[str, dict[str, int]] = {}
        for store, sku, units in stocked:
            available.setdefault(store, {})[sku] = int(units)
        return [
            StoreStock(
                code=row.code,
                region=row.region,
                kind=row.kind,
                latitude=float(row.latitude),
                longitude=float(row.longitude),
                delivery_radius_km=float(row.delivery_radius_km),
                is_open=bool(row.is_open),
                available=available.get(row.code, {}),
            )
            for row in directory
        ]
