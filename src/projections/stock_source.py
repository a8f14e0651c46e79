"""Routing candidates read from the store and stock views: fast, and possibly behind the log."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from multistore_core.routing import StoreStock
from projections.database import ViewStore
from projections.stock import stock_levels
from projections.stores import store_directory

_DIRECTORY = (
    store_directory.c.code,
    store_directory.c.region,
    store_directory.c.kind,
    store_directory.c.latitude,
    store_directory.c.longitude,
    store_directory.c.delivery_radius_km,
    store_directory.c.is_open,
)


class ViewStockSource:
    """A ``multistore_core.routing.StockSource`` over the views; the stock items still decide.

    The store directory is read again at most every ``directory_seconds``; stock every call.
    """

    def __init__(self, views: ViewStore, directory_seconds: float = 1.0) -> None:
        self.views = views
        self.directory_seconds = directory_seconds
        self._directory: tuple[float, list[tuple[Any, ...]]] | None = None
        self._lock = threading.Lock()

    def stock_for(self, skus: Sequence[str]) -> list[StoreStock]:
        """Every store in the store view with its available units of ``skus`` in the stock view."""
        levels = stock_levels.c
        statement = select(levels.store, levels.sku, levels.available).where(levels.sku.in_(skus))
        with self.views.reading() as connection:
            stocked = connection.execute(statement).all()
        available: dict[str, dict[str, int]] = {}
        for store, sku, units in stocked:
            available.setdefault(store, {})[sku] = units
        return [
            StoreStock(code, region, kind, lat, lon, radius, is_open, available.get(code, {}))
            for code, region, kind, lat, lon, radius, is_open in self._stores()
        ]

    def _stores(self) -> list[tuple[Any, ...]]:
        with self._lock:
            now = time.monotonic()
            if self._directory is None or now - self._directory[0] >= self.directory_seconds:
                with self.views.reading() as connection:
                    rows = connection.execute(select(*_DIRECTORY)).all()
                directory = [
                    (code, region, kind, float(lat), float(lon), float(radius), bool(is_open))
                    for code, region, kind, lat, lon, radius, is_open in rows
                ]
                self._directory = (now, directory)
            return self._directory[1]
