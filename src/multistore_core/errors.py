"""Errors raised by the multistore write side, each naming what was wrong."""

from __future__ import annotations

from dataclasses import dataclass


class MultiStoreError(Exception):
    """Base class of every error the library raises on purpose."""


class InvalidCommand(MultiStoreError):
    """A command that is well formed but breaks a business rule about its input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(InvalidCommand):
    """A command names a store, SKU, order or other thing that does not exist."""


class UnknownStore(NotFound):
    def __init__(self, code: str, field: str = "store") -> None:
        super().__init__(field, f"no store with code {code!r}")
        self.code = code


class UnknownSku(NotFound):
    def __init__(self, sku: str, field: str = "sku") -> None:
        super().__init__(field, f"no SKU {sku!r} in the catalog")
        self.sku = sku


class UnknownOrder(NotFound):
    def __init__(self, order_id: str, field: str = "order_id") -> None:
        super().__init__(field, f"no order {order_id!r}")
        self.order_id = order_id


class UnknownTransfer(NotFound):
    def __init__(self, transfer_id: str, field: str = "transfer_id") -> None:
        super().__init__(field, f"no transfer {transfer_id!r}")
        self.transfer_id = transfer_id


class UnknownMember(NotFound):
    def __init__(self, member_id: str, field: str = "member_id") -> None:
        super().__init__(field, f"no enrolled member {member_id!r}")
        self.member_id = member_id


class InsufficientPoints(MultiStoreError):
    """Refusal of a redemption asking for more points than the member has unexpired."""

    def __init__(self, member_id: str, requested: int, balance: int) -> None:
        super().__init__(
            f"points: member {member_id!r} has {balance} points, fewer than {requested}"
        )
        self.field = "points"
        self.member_id = member_id
        self.requested = requested
        self.balance = balance


class AlreadyExists(InvalidCommand):
    """A registration repeats a code that is already taken."""


class StoreClosed(MultiStoreError):
    def __init__(self, code: str) -> None:
        super().__init__(f"store {code!r} is closed and takes no new orders")
        self.code = code


@dataclass(frozen=True)
class Shortage:
    """One order line that cannot be reserved, with what the store has."""

    field: str
    sku: str
    requested: int
    available: int


class InsufficientStock(MultiStoreError):
    """Refusal of a reservation or shipment: names every short line."""

    def __init__(self, store: str, shortages: list[Shortage]) -> None:
        lines = "; ".join(
            f"{s.field} {s.sku}: requested {s.requested}, available {s.available}"
            for s in shortages
        )
        super().__init__(f"insufficient stock at {store!r}: {lines}")
        self.store = store
        self.shortages = shortages


class StockRuleViolation(MultiStoreError):
    """A stock change that would break on_hand >= reserved or on_hand >= 0."""


class IllegalTransition(MultiStoreError):
    def __init__(self, order_id: str, status: str, action: str, subject: str = "order") -> None:
        super().__init__(f"{subject} {order_id!r} is {status}: cannot {action}")
        self.order_id = order_id
        self.subject = subject
        self.status = status
        self.action = action


class IdempotencyConflict(InvalidCommand):
    """An order id or idempotency key reused with different content."""


class ConcurrencyConflict(MultiStoreError):
    """Version conflicts persisted after every allowed retry."""

    def __init__(self, command: str, attempts: int) -> None:
        super().__init__(f"{command} conflicted with concurrent writes {attempts} times")
        self.command = command
        self.attempts = attempts


@dataclass(frozen=True)
class Attempt:
    """A store a routed placement tried, and what the stock items said."""

    store: str
    outcome: str


class NoStoreCanServe(MultiStoreError):
    """Refusal of a routed order: no store (or allowed split) could serve every line."""

    def __init__(self, reason: str, tried: list[Attempt]) -> None:
        where = "; ".join(f"{a.store}: {a.outcome}" for a in tried)
        tail = f" (tried {where})" if tried else ""
        super().__init__(f"no store can serve the order: {reason}{tail}")
        self.reason = reason
        self.tried = tried
