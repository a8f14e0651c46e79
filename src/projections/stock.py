"""Stock per store and SKU, with low-stock alerts (below safety stock, and since when)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table

from multistore_core.domain.stock import StockItem
from projections.projection import Projection, handles, metadata, naive_utc
from projections.rows import Row, Rows

stock_levels = Table(
    "view_stock_levels",
    metadata,
    Column("item_id", String(36), primary_key=True),
    Column("store", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("on_hand", BigInteger, nullable=False),
    Column("reserved", BigInteger, nullable=False),
    Column("available", BigInteger, nullable=False),
    Column("incoming", BigInteger, nullable=False),
    Column("safety_stock", BigInteger, nullable=False),
    Column("shortage", BigInteger, nullable=False),
    Column("low_since", DateTime),
    Column("last_change", String(64), nullable=False),
    Column("last_change_at", DateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Index("ix_view_stock_levels_store_sku", "store", "sku", unique=True),
    Index("ix_view_stock_levels_sku", "sku"),
    Index("ix_view_stock_levels_low_since", "low_since"),
)


class StockLevels(Projection):
    """One row per stock item, moved by each of its events exactly as the aggregate moves."""

    name = "stock"
    tables = (stock_levels,)

    @property
    def levels(self) -> Rows:
        return self.rows[stock_levels.name]

    @handles(StockItem, "Opened")
    def opened(self, event: Any) -> None:
        row = {
            "item_id": str(event.originator_id),
            "store": event.store,
            "sku": event.sku,
            **dict.fromkeys(
                ("on_hand", "reserved", "available", "incoming", "safety_stock", "shortage"), 0
            ),
            "low_since": None,
        }
        self.levels.insert(row)
        self._touched(row, event)

    @handles(StockItem, "Received")
    def received(self, event: Any) -> None:
        row = self._row(event)
        row["on_hand"] += event.quantity - event.covered_shortage
        row["shortage"] -= event.covered_shortage
        self._touched(row, event)

    @handles(StockItem, "Adjusted")
    def adjusted(self, event: Any) -> None:
        row = self._row(event)
        row["on_hand"] += event.delta
        self._touched(row, event)

    @handles(StockItem, "Counted")
    def counted(self, event: Any) -> None:
        row = self._row(event)
        row["on_hand"] += event.delta
        row["shortage"] = 0
        self._touched(row, event)

    @handles(StockItem, "ShortageRecorded")
    def shortage_recorded(self, event: Any) -> None:
        row = self._row(event)
        row["shortage"] = event.shortage
        self._touched(row, event)

    @handles(StockItem, "SafetyStockSet")
    def safety_stock_set(self, event: Any) -> None:
        row = self._row(event)
        row["safety_stock"] = event.quantity
        self._touched(row, event)

    @handles(StockItem, "Reserved")
    def reserved(self, event: Any) -> None:
        row = self._row(event)
        row["reserved"] += event.quantity
        self._touched(row, event)

    @handles(StockItem, "Released")
    def released(self, event: Any) -> None:
        row = self._row(event)
        row["reserved"] -= event.quantity
        row["on_hand"] -= event.written_off
        row["shortage"] -= event.written_off
        self._touched(row, event)

    @handles(StockItem, "Sold")
    def sold(self, event: Any) -> None:
        row = self._row(event)
        row["reserved"] -= event.quantity
        row["on_hand"] -= event.quantity
        self._touched(row, event)

    @handles(StockItem, "Restocked")
    def restocked(self, event: Any) -> None:
        row = self._row(event)
        row["on_hand"] += event.quantity
        self._touched(row, event)

    @handles(StockItem, "TransferredOut")
    def transferred_out(self, event: Any) -> None:
        row = self._row(event)
        row["on_hand"] -= event.quantity
        self._touched(row, event)

    @handles(StockItem, "IncomingAdded")
    def incoming_added(self, event: Any) -> None:
        row = self._row(event)
        row["incoming"] += event.quantity
        self._touched(row, event)

    @handles(StockItem, "TransferredIn")
    def transferred_in(self, event: Any) -> None:
        row = self._row(event)
        row["incoming"] -= event.expected
        row["on_hand"] += event.quantity - event.covered_shortage
        row["shortage"] -= event.covered_shortage
        self._touched(row, event)

    def _row(self, event: Any) -> Row:
        row = self.levels.get(str(event.originator_id))
        if row is None:
            raise LookupError(f"stock view: {event.log_name} for an item never opened")
        return row

    def _touched(self, row: Row, event: Any) -> None:
        """Derive available and the low-stock state, and record the change."""
        row["available"] = row["on_hand"] - row["reserved"]
        low = row["available"] < row["safety_stock"]
        if not low:
            row["low_since"] = None
        elif row["low_since"] is None:
            row["low_since"] = naive_utc(event.timestamp)
        row["last_change"] = event.log_name
        row["last_change_at"] = naive_utc(event.timestamp)
        row["version"] = event.originator_version
        self.levels.changed(row)
