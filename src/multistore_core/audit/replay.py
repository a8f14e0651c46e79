"""One pass over the log that feeds every replay book and counts what it checked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from multistore_core.audit.log import Record
from multistore_core.audit.orders import OrderBook
from multistore_core.audit.points import MemberBook
from multistore_core.audit.rules import Book, Checker, Violation, handles
from multistore_core.audit.stock import StockBook
from multistore_core.audit.transfers import TransferBook

CREATIONS = {
    "Store.Registered",
    "CatalogItem.Registered",
    "StockItem.Opened",
    "Order.Placed",
    "MemberAccount.Enrolled",
    "Transfer.Requested",
}


class Directory(Book):
    """Stores and catalog items by id: their details and the names aggregates are known by."""

    def __init__(self, checker: Checker) -> None:
        super().__init__(checker)
        self.names: dict[UUID, str] = {}
        self.stores: dict[UUID, dict[str, Any]] = {}

    @handles("Store.Registered", "log.sequence")
    def store_registered(self, record: Record) -> None:
        self.names[record.aggregate_id] = f"store {record.state['code']}"
        details = {k: v for k, v in record.state.items() if k not in ("timestamp", "meta")}
        self.stores[record.aggregate_id] = {**details, "is_open": True}

    @handles("Store.Updated")
    def store_updated(self, record: Record) -> None:
        self.stores[record.aggregate_id].update(record.state["changes"])

    @handles("Store.Closed")
    def store_closed(self, record: Record) -> None:
        self.stores[record.aggregate_id]["is_open"] = False

    @handles("Store.Reopened")
    def store_reopened(self, record: Record) -> None:
        self.stores[record.aggregate_id]["is_open"] = True

    @handles("CatalogItem.Registered", "log.sequence")
    def catalog_item_registered(self, record: Record) -> None:
        self.names[record.aggregate_id] = f"sku {record.state['sku']}"


class Replay:
    """The state of the chain rebuilt from event payloads, with every rule checked per event."""

    def __init__(self) -> None:
        self.checker = Checker()
        self.stock = StockBook(self.checker)
        self.orders = OrderBook(self.checker, self.stock)
        self.members = MemberBook(self.checker, self.orders)
        self.transfers = TransferBook(self.checker, self.stock)
        self.directory = Directory(self.checker)
        self.books: tuple[Book, ...] = (
            self.directory,
            self.stock,
            self.orders,
            self.members,
            self.transfers,
        )
        self._handlers = {
            event: handler for book in self.books for event, handler in book.handlers().items()
        }
        self._versions: dict[UUID, int] = {}
        self.counts: Counter[str] = Counter()
        self.position = 0
        self.last: Record | None = None

    @property
    def violations(self) -> list[Violation]:
        return self.checker.violations

    def apply(self, record: Record) -> None:
        """Check the record's place in its aggregate's sequence, then let its book apply it."""
        expected = self._versions.get(record.aggregate_id, 0) + 1
        if record.version != expected or (expected == 1) != (record.event in CREATIONS):
            self.checker.fail(
                "log.sequence",
                record,
                self.label(record.aggregate_id),
                f"version {record.version} where {expected} was due",
            )
        self._versions[record.aggregate_id] = record.version
        self.counts[record.event] += 1
        handler = self._handlers.get(record.event)
        if handler is not None:
            handler(record)
        self.position = record.position
        self.last = record

    def apply_all(self, records: Iterable[Record]) -> None:
        for record in records:
            self.apply(record)

    def finish(self) -> None:
        """Run the checks that need the whole log."""
        for book in self.books:
            book.finish(self.last)

    def unmodelled(self) -> dict[str, int]:
        """Events read that no book models, by name."""
        return {e: n for e, n in sorted(self.counts.items()) if e not in self._handlers}

    def rules_checked(self) -> dict[str, int]:
        """How many times each rule was checked (per event, and per order/transfer at the end)."""
        checked: Counter[str] = Counter({"log.sequence": self.counts.total()})
        for book in self.books:
            for event, rules in book.rules_by_event.items():
                for rule in rules:
                    if rule != "log.sequence":
                        checked[rule] += self.counts[event]
        for rule in self.orders.end_rules:
            checked[rule] += len(self.orders.by_ref)
        for rule in self.transfers.end_rules:
            checked[rule] += len(self.transfers.by_ref)
        return dict(sorted(checked.items()))

    def label(self, aggregate_id: UUID) -> str:
        """A reader's name for an aggregate: ``store SH01``, ``stock SH01/TEA-001``, ..."""
        if aggregate_id in self.directory.names:
            return self.directory.names[aggregate_id]
        if aggregate_id in self.stock.items:
            return f"stock {self.stock.items[aggregate_id].subject}"
        if aggregate_id in self.orders.orders:
            return f"order {self.orders.orders[aggregate_id].ref}"
        if aggregate_id in self.members.accounts:
            return f"member {self.members.accounts[aggregate_id].member}"
        if aggregate_id in self.transfers.transfers:
            return f"transfer {self.transfers.transfers[aggregate_id].ref}"
        return str(aggregate_id)
