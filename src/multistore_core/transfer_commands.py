"""Transfer use cases: stock moved between stores, and suggested moves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

from multistore_core import commands as c
from multistore_core.application_base import ApplicationBase, Decision, _raise
from multistore_core.context import CommandContext
from multistore_core.domain.stock import StockItem
from multistore_core.domain.store import Store
from multistore_core.domain.transfer import Transfer
from multistore_core.errors import (
    IdempotencyConflict,
    InsufficientStock,
    Shortage,
    UnknownTransfer,
)
from multistore_core.ids import (
    stock_item_id,
    transfer_id,
)
from multistore_core.results import (
    TransferSuggestion,
    TransferSummary,
    at_position,
)


class TransferCommands(ApplicationBase):
    """Inter-store transfers: request, approve, ship, receive; suggestions."""

    def _transfer(self, ref: str) -> Transfer:
        return self._find(Transfer, transfer_id(ref)) or _raise(UnknownTransfer(ref))

    def request_transfer(
        self, command: c.RequestTransfer, context: CommandContext | None = None
    ) -> TransferSummary:
        """Ask to move stock between two stores; a repeated transfer_id returns the first."""
        ref = command.transfer_id or "T-" + uuid4().hex[:20]

        def decide() -> Decision[TransferSummary]:
            wanted = {line.sku: line.quantity for line in command.lines}
            existing = self._find(Transfer, transfer_id(ref))
            if existing is not None:
                same = (existing.from_store, existing.to_store, existing.quantities()) == (
                    command.from_store,
                    command.to_store,
                    wanted,
                )
                if not same:
                    raise IdempotencyConflict(
                        "transfer_id", f"transfer {ref!r} was requested with other content"
                    )
                summary = TransferSummary.of(existing, created=False)
                return [], at_position(summary, self.log_position())
            self._store(command.from_store, "from_store")
            self._store(command.to_store, "to_store").check_open()
            for index, line in enumerate(command.lines):
                self._catalog_item(line.sku, f"lines[{index}].sku")
            lines = [line.model_dump() for line in command.lines]
            transfer = Transfer(ref, command.from_store, command.to_store, lines)
            return [transfer], TransferSummary.of(transfer)

        return self._execute(command, context, decide)

    def approve_transfer(
        self, command: c.ApproveTransfer, context: CommandContext | None = None
    ) -> TransferSummary:
        """Approve a requested transfer so that it may ship."""
        return self._change_transfer(command, context, lambda transfer: transfer.approve())

    def reject_transfer(
        self, command: c.RejectTransfer, context: CommandContext | None = None
    ) -> TransferSummary:
        """Turn down a requested transfer."""
        return self._change_transfer(command, context, lambda t: t.reject(command.reason))

    def cancel_transfer(
        self, command: c.CancelTransfer, context: CommandContext | None = None
    ) -> TransferSummary:
        """Call off a transfer that has not shipped."""
        return self._change_transfer(command, context, lambda t: t.cancel(command.reason))

    def _change_transfer(
        self,
        command: c.ApproveTransfer | c.RejectTransfer | c.CancelTransfer,
        context: CommandContext | None,
        change: Callable[[Transfer], None],
    ) -> TransferSummary:
        def decide() -> Decision[TransferSummary]:
            transfer = self._transfer(command.transfer_id)
            change(transfer)
            return [transfer], TransferSummary.of(transfer)

        return self._execute(command, context, decide)

    def ship_transfer(
        self, command: c.ShipTransfer, context: CommandContext | None = None
    ) -> TransferSummary:
        """Send an approved transfer: every line leaves the source and is incoming at the
        destination, in one save; a line the source cannot cover refuses the whole shipment."""

        def decide() -> Decision[TransferSummary]:
            transfer = self._transfer(command.transfer_id)
            transfer.ship()
            ref = transfer.transfer_ref
            sources: list[StockItem] = []
            destinations: list[StockItem] = []
            shortages: list[Shortage] = []
            for index, (sku, quantity) in enumerate(transfer.quantities().items()):
                source = self._stock_item(transfer.from_store, sku)
                try:
                    source.transfer_out(ref, quantity, f"lines[{index}].quantity")
                except InsufficientStock as refusal:
                    shortages.extend(refusal.shortages)
                    continue
                destination = self._stock_item(transfer.to_store, sku)
                destination.expect_incoming(ref, quantity)
                sources.append(source)
                destinations.append(destination)
            if shortages:
                raise InsufficientStock(transfer.from_store, shortages)
            return [transfer, *sources, *destinations], TransferSummary.of(transfer)

        return self._execute(command, context, decide)

    def receive_transfer(
        self, command: c.ReceiveTransfer, context: CommandContext | None = None
    ) -> TransferSummary:
        """Book what arrived at the destination; a difference is recorded with its reason."""

        def decide() -> Decision[TransferSummary]:
            transfer = self._transfer(command.transfer_id)
            if command.lines:
                received = {line.sku: line.quantity for line in command.lines}
            else:
                received = transfer.quantities()
            transfer.receive(received, command.reason)
            items = []
            for sku, quantity in received.items():
                item = self._stock_item(transfer.to_store, sku)
                item.transfer_in(transfer.transfer_ref, quantity)
                items.append(item)
            return [transfer, *items], TransferSummary.of(transfer)

        return self._execute(command, context, decide)

    def get_transfer(self, ref: str, version: int | None = None) -> Transfer:
        """A transfer's state now, or at an earlier version."""
        return self._find(Transfer, transfer_id(ref), version) or _raise(UnknownTransfer(ref))

    def transfer_summary(self, ref: str) -> TransferSummary:
        return TransferSummary.of(self._transfer(ref), created=False)

    def suggest_transfers(self, sku: str | None = None) -> list[TransferSuggestion]:
        """Propose moves from stores above safety stock plus the margin to open stores of the
        same region below safety stock (counting what is incoming). Moves nothing."""
        if sku is not None:
            self._catalog_item(sku)
        stores: dict[str, Store] = {}
        groups: dict[tuple[str, str], list[tuple[Store, StockItem]]] = {}
        opened = StockItem.Opened  # type: ignore[attr-defined]
        for store_code, item_sku in sorted(self._keys_in_log(opened, _stock_key)):
            if sku is not None and item_sku != sku:
                continue
            store = stores.get(store_code) or stores.setdefault(store_code, self._store(store_code))
            item = self._find(StockItem, stock_item_id(store_code, item_sku))
            assert item is not None
            groups.setdefault((store.region, item_sku), []).append((store, item))
        margin = self.settings.transfer_suggestion_margin
        suggestions = []
        for (region, item_sku), entries in sorted(groups.items()):
            needs = {
                store.code: item.safety_stock - item.available - item.incoming
                for store, item in entries
                if store.is_open
            }
            spares = {
                store.code: item.available - item.safety_stock - margin for store, item in entries
            }
            for to_store in sorted((s for s in needs if needs[s] > 0), key=lambda s: -needs[s]):
                for from_store in sorted(
                    (s for s in spares if spares[s] > 0), key=lambda s: -spares[s]
                ):
                    quantity = min(needs[to_store], spares[from_store])
                    if quantity <= 0:
                        break
                    suggestions.append(
                        TransferSuggestion(item_sku, from_store, to_store, region, quantity)
                    )
                    needs[to_store] -= quantity
                    spares[from_store] -= quantity
        return suggestions


def _stock_key(opened: Any) -> tuple[str, str]:
    return (opened.store, opened.sku)
