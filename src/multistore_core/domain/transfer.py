"""The Transfer aggregate: stock moved between two stores, shipped once and received once."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from multistore_core.domain.base import Entity
from multistore_core.errors import IllegalTransition, InvalidCommand
from multistore_core.ids import transfer_id

OPEN_TRANSFER_STATUSES = ("requested", "approved")


class Transfer(Entity):
    """A move of stock from one store to another. ``lines`` hold sku and quantity."""

    @staticmethod
    def create_id(transfer_ref: str) -> UUID:
        return transfer_id(transfer_ref)

    @event("Requested")
    def __init__(
        self, transfer_ref: str, from_store: str, to_store: str, lines: list[dict[str, Any]]
    ) -> None:
        self.transfer_ref = transfer_ref
        self.from_store = from_store
        self.to_store = to_store
        self.lines = [dict(line) for line in lines]
        self.status = "requested"
        self.received: dict[str, int] = {}
        self.reason: str | None = None

    def quantities(self) -> dict[str, int]:
        return {line["sku"]: line["quantity"] for line in self.lines}

    def _require(self, action: str, *statuses: str) -> None:
        if self.status not in statuses:
            raise IllegalTransition(self.transfer_ref, self.status, action, "transfer")

    def approve(self) -> None:
        self._require("approve", "requested")
        self._approve()

    @event("Approved")
    def _approve(self) -> None:
        self.status = "approved"

    def reject(self, reason: str) -> None:
        self._require("reject", "requested")
        self._reject(reason=reason)

    @event("Rejected")
    def _reject(self, reason: str) -> None:
        self.status = "rejected"
        self.reason = reason

    def cancel(self, reason: str) -> None:
        """Call off a transfer that has not shipped yet."""
        self._require("cancel", *OPEN_TRANSFER_STATUSES)
        self._cancel(reason=reason)

    @event("Cancelled")
    def _cancel(self, reason: str) -> None:
        self.status = "cancelled"
        self.reason = reason

    def ship(self) -> None:
        self._require("ship", "approved")
        self._ship()

    @event("Shipped")
    def _ship(self) -> None:
        self.status = "shipped"

    def receive(self, received: dict[str, int], reason: str | None) -> None:
        """Record what arrived per SKU; any difference from what shipped needs a reason."""
        self._require("receive", "shipped")
        shipped = self.quantities()
        if set(received) != set(shipped):
            missing = sorted(set(shipped) - set(received))
            extra = sorted(set(received) - set(shipped))
            raise InvalidCommand(
                "lines", f"give every shipped SKU once: missing {missing}, not shipped {extra}"
            )
        if any(quantity < 0 for quantity in received.values()):
            raise InvalidCommand("lines", "a received quantity cannot be negative")
        differences = [
            {"sku": sku, "shipped": shipped[sku], "received": received[sku]}
            for sku in shipped
            if received[sku] != shipped[sku]
        ]
        if differences and not reason:
            raise InvalidCommand("reason", "a shortfall or surplus needs a reason")
        self._receive(received=dict(received))
        if differences and reason:
            self._record_discrepancy(lines=differences, reason=reason)

    @event("Received")
    def _receive(self, received: dict[str, int]) -> None:
        self.received = dict(received)
        self.status = "received"

    @event("DiscrepancyRecorded")
    def _record_discrepancy(self, lines: list[dict[str, Any]], reason: str) -> None:
        self.reason = reason

    def discrepancy(self) -> dict[str, int]:
        """Per SKU, shipped minus received: positive is a shortfall, negative a surplus."""
        if self.status != "received":
            return {}
        return {sku: q - self.received[sku] for sku, q in self.quantities().items()}
