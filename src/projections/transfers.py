"""Transfers between stores, with those still in flight (requested, approved or shipped)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, String, Table

from multistore_core.domain.transfer import Transfer
from projections.projection import Projection, handles, metadata, naive_utc
from projections.rows import Row

IN_FLIGHT = ("requested", "approved", "shipped")

transfers = Table(
    "view_transfers",
    metadata,
    Column("transfer_id", String(36), primary_key=True),
    Column("transfer_ref", String(64), nullable=False, unique=True),
    Column("from_store", String(64), nullable=False),
    Column("to_store", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("lines", JSON, nullable=False),
    Column("reason", String(200)),
    Column("requested_at", DateTime, nullable=False),
    Column("shipped_at", DateTime),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_view_transfers_status_from", "status", "from_store"),
    Index("ix_view_transfers_status_to", "status", "to_store"),
)


class Transfers(Projection):
    name = "transfers"
    tables = (transfers,)

    @handles(Transfer, "Requested")
    def requested(self, event: Any) -> None:
        row = self.rows[transfers.name].insert(
            {
                "transfer_id": str(event.originator_id),
                "transfer_ref": event.transfer_ref,
                "from_store": event.from_store,
                "to_store": event.to_store,
                "status": "requested",
                "lines": [
                    {"sku": line["sku"], "quantity": int(line["quantity"]), "received": None}
                    for line in event.lines
                ],
                "reason": None,
                "requested_at": naive_utc(event.timestamp),
                "shipped_at": None,
            }
        )
        self._touched(row, event)

    @handles(Transfer, "Approved")
    def approved(self, event: Any) -> None:
        self._touched(self._row(event), event, "approved")

    @handles(Transfer, "Rejected")
    def rejected(self, event: Any) -> None:
        row = self._row(event)
        row["reason"] = event.reason
        self._touched(row, event, "rejected")

    @handles(Transfer, "Cancelled")
    def cancelled(self, event: Any) -> None:
        row = self._row(event)
        row["reason"] = event.reason
        self._touched(row, event, "cancelled")

    @handles(Transfer, "Shipped")
    def shipped(self, event: Any) -> None:
        row = self._row(event)
        row["shipped_at"] = naive_utc(event.timestamp)
        self._touched(row, event, "shipped")

    @handles(Transfer, "Received")
    def received(self, event: Any) -> None:
        row = self._row(event)
        row["lines"] = [
            {**line, "received": int(event.received[line["sku"]])} for line in row["lines"]
        ]
        self._touched(row, event, "received")

    @handles(Transfer, "DiscrepancyRecorded")
    def discrepancy_recorded(self, event: Any) -> None:
        row = self._row(event)
        row["reason"] = event.reason
        self._touched(row, event)

    def _row(self, event: Any) -> Row:
        row = self.rows[transfers.name].get(str(event.originator_id))
        if row is None:
            raise LookupError(f"transfers view: {event.log_name} for a transfer never requested")
        return row

    def _touched(self, row: Row, event: Any, status: str | None = None) -> None:
        if status is not None:
            row["status"] = status
        row["updated_at"] = naive_utc(event.timestamp)
        self.rows[transfers.name].changed(row)
