"""The replay model of transfers between stores: status, lines, and the stock they moved."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from multistore_core.audit.log import Record
from multistore_core.audit.rules import Book, Checker, handles
from multistore_core.audit.stock import StockBook
from multistore_core.results import TransferLine, TransferSummary

TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "Transfer.Approved": (("requested",), "approved"),
    "Transfer.Rejected": (("requested",), "rejected"),
    "Transfer.Cancelled": (("requested", "approved"), "cancelled"),
    "Transfer.Shipped": (("approved",), "shipped"),
    "Transfer.Received": (("shipped",), "received"),
    "Transfer.DiscrepancyRecorded": (("received",), "received"),
}


@dataclass(slots=True)
class TransferFile:
    """One transfer as its events tell it."""

    ref: str
    from_store: str
    to_store: str
    lines: list[dict[str, Any]]
    requested: Record
    status: str = "requested"
    received: dict[str, int] = field(default_factory=dict)
    reason: str | None = None

    def quantities(self) -> dict[str, int]:
        return {line["sku"]: line["quantity"] for line in self.lines}

    def summary(self, position: int | None = None) -> TransferSummary:
        return TransferSummary(
            transfer_id=self.ref,
            from_store=self.from_store,
            to_store=self.to_store,
            status=self.status,
            lines=tuple(
                TransferLine(sku, quantity, self.received.get(sku))
                for sku, quantity in self.quantities().items()
            ),
            reason=self.reason,
            created=False,
            position=position,
        )


class TransferBook(Book):
    """Transfers by reference, with their status machine checked event by event."""

    end_rules = ("transfer.stock_matches_status",)

    def __init__(self, checker: Checker, stock: StockBook) -> None:
        super().__init__(checker)
        self.stock = stock
        self.transfers: dict[UUID, TransferFile] = {}
        self.by_ref: dict[str, TransferFile] = {}

    def _move(self, record: Record) -> TransferFile | None:
        transfer = self.transfers.get(record.aggregate_id)
        if transfer is None:
            self.checker.fail(
                "log.sequence", record, str(record.aggregate_id), "transfer event before Requested"
            )
            return None
        allowed, to = TRANSITIONS[record.event]
        if transfer.status not in allowed:
            self.checker.fail(
                "transfer.transition",
                record,
                f"transfer {transfer.ref}",
                f"{transfer.status} -> {record.event}",
            )
        transfer.status = to
        return transfer

    @handles("Transfer.Requested", "log.sequence")
    def requested(self, record: Record) -> None:
        state = record.state
        transfer = TransferFile(
            state["transfer_ref"], state["from_store"], state["to_store"], state["lines"], record
        )
        self.transfers[record.aggregate_id] = transfer
        self.by_ref[transfer.ref] = transfer

    @handles("Transfer.Approved", "transfer.transition")
    def approved(self, record: Record) -> None:
        self._move(record)

    @handles("Transfer.Shipped", "transfer.transition")
    def shipped(self, record: Record) -> None:
        self._move(record)

    @handles("Transfer.Rejected", "transfer.transition")
    def rejected(self, record: Record) -> None:
        transfer = self._move(record)
        if transfer is not None:
            transfer.reason = record.state["reason"]

    @handles("Transfer.Cancelled", "transfer.transition")
    def cancelled(self, record: Record) -> None:
        transfer = self._move(record)
        if transfer is not None:
            transfer.reason = record.state["reason"]

    @handles("Transfer.Received", "transfer.transition")
    def received(self, record: Record) -> None:
        transfer = self._move(record)
        if transfer is not None:
            transfer.received = dict(record.state["received"])

    @handles("Transfer.DiscrepancyRecorded", "transfer.transition")
    def discrepancy_recorded(self, record: Record) -> None:
        transfer = self._move(record)
        if transfer is not None:
            transfer.reason = record.state["reason"]

    def finish(self, last: Record | None) -> None:
        for ref, moved in self.stock.transfers.items():
            if ref not in self.by_ref:
                assert moved.first is not None
                self.checker.fail(
                    "transfer.stock_matches_status",
                    moved.first,
                    f"transfer {ref}",
                    "stock moved for a transfer that was never requested",
                )
        for transfer in self.by_ref.values():
            quantities = transfer.quantities()
            moving = transfer.status in ("shipped", "received")
            out = {(transfer.from_store, s): q for s, q in quantities.items()} if moving else {}
            incoming = {(transfer.to_store, s): q for s, q in quantities.items()} if moving else {}
            booked = {(transfer.to_store, s): q for s, q in transfer.received.items()}
            movements = self.stock.transfers.get(transfer.ref)
            found = (
                (dict(movements.shipped), dict(movements.incoming), dict(movements.booked_in))
                if movements
                else ({}, {}, {})
            )
            if found != (out, incoming, booked):
                self.checker.fail(
                    "transfer.stock_matches_status",
                    transfer.requested,
                    f"transfer {transfer.ref}",
                    f"{transfer.status}: expected out {out}, incoming {incoming}, booked in"
                    f" {booked}; the stock items show {found[0]}, {found[1]}, {found[2]}",
                )
