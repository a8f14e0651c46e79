"""The store directory: code, region, kind, location, revenue share and whether it is open."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Float, Index, Numeric, String, Table

from multistore_core.domain.store import Store
from projections.projection import Projection, handles, metadata, naive_utc
from projections.rows import Row, Rows

store_directory = Table(
    "view_stores",
    metadata,
    Column("store_id", String(36), primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("region", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("delivery_radius_km", Float, nullable=False),
    Column("hq_revenue_share", Numeric(6, 4, asdecimal=False), nullable=False),
    Column("is_open", Boolean, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_view_stores_region_kind", "region", "kind"),
)

_DETAILS = ("name", "region", "latitude", "longitude", "delivery_radius_km", "hq_revenue_share")


class StoreDirectory(Projection):
    name = "stores"
    tables = (store_directory,)

    @property
    def stores(self) -> Rows:
        return self.rows[store_directory.name]

    @handles(Store, "Registered")
    def registered(self, event: Any) -> None:
        row = {
            "store_id": str(event.originator_id),
            "code": event.code,
            "kind": event.kind,
            **{name: getattr(event, name) for name in _DETAILS},
            "is_open": True,
        }
        self.stores.insert(row)
        self._touched(row, event)

    @handles(Store, "Updated")
    def updated(self, event: Any) -> None:
        row = self._row(event)
        row.update({k: v for k, v in event.changes.items() if k in _DETAILS})
        self._touched(row, event)

    @handles(Store, "Closed")
    def closed(self, event: Any) -> None:
        row = self._row(event)
        row["is_open"] = False
        self._touched(row, event)

    @handles(Store, "Reopened")
    def reopened(self, event: Any) -> None:
        row = self._row(event)
        row["is_open"] = True
        self._touched(row, event)

    def _row(self, event: Any) -> Row:
        row = self.stores.get(str(event.originator_id))
        if row is None:
            raise LookupError(f"store view: {event.log_name} for a store never registered")
        return row

    def _touched(self, row: Row, event: Any) -> None:
        row["hq_revenue_share"] = float(row["hq_revenue_share"])
        row["updated_at"] = naive_utc(event.timestamp)
        self.stores.changed(row)
