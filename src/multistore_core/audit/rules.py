"""The rules verify checks, the violations it reports, and the base of the replay books."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar
from uuid import UUID

from multistore_core.audit.log import Record

RULES: dict[str, str] = {
    "log.sequence": "each aggregate's events are numbered 1, 2, 3, ... and start with its creation",
    "stock.conserved": "on_hand = received - sold - adjusted - transferred out + transferred in"
    " + restocked, and every event's own arithmetic (stocktake delta, covered shortage,"
    " written-off units, expected incoming) agrees with the running balance",
    "stock.non_negative": "on_hand, reserved, shortage, incoming and the physical count"
    " (on_hand - shortage) are never negative",
    "stock.reserved_within_on_hand": "reserved never exceeds on_hand",
    "stock.positive_quantities": "every moved quantity is a positive whole number",
    "stock.reservation_honoured": "a sale or release takes exactly the units its order reserved",
    "stock.restock_within_sale": "units restocked for an order never exceed the units it bought",
    "order.reserved_once": "an order reserves a store's SKU at most once",
    "order.completed_once": "an order is completed, and its stock sold, at most once",
    "order.transition": "an order moves only along legal status transitions",
    "order.stock_matches_status": "at the end, each order's lines are reserved while it is open,"
    " sold once completed, released once cancelled or expired",
    "order.returns_within_lines": "returns never exceed the units an order bought",
    "points.non_negative": "no points lot, and so no balance, is ever negative",
    "points.conserved": "the points an event moves equal the sum of its parts (lots taken,"
    " given back, expired)",
    "points.earned_once": "an order earns points once, and only once it is completed",
    "points.redeemed_once": "an order redeems points at most once",
    "points.reversed_within_earned": "points reversed for an order never exceed those it earned",
    "points.restored_within_redeemed": "points given back to an order never exceed those it"
    " redeemed",
    "transfer.transition": "a transfer moves only along legal status transitions",
    "transfer.shipped_once": "a transfer leaves a source stock item and arrives as incoming once",
    "transfer.received_once": "a transfer is booked in at a destination stock item once",
    "transfer.stock_matches_status": "at the end, each shipped transfer left its source and was"
    " incoming or booked in at its destination for every line",
}


@dataclass(frozen=True)
class Violation:
    """A broken rule and the event that broke it."""

    rule: str
    subject: str
    message: str
    position: int
    event: str
    aggregate_id: UUID
    version: int


@dataclass
class Checker:
    """Collects violations; ``record`` is the event being applied."""

    violations: list[Violation] = field(default_factory=list)

    def fail(self, rule: str, record: Record, subject: str, message: str) -> None:
        assert rule in RULES, rule
        self.violations.append(
            Violation(
                rule,
                subject,
                message,
                record.position,
                record.event,
                record.aggregate_id,
                record.version,
            )
        )


Handler = Callable[[Record], None]


def handles(event: str, *rules: str) -> Callable[[Any], Any]:
    """Mark a book method as the handler of ``event`` that checks ``rules``."""

    def mark(method: Any) -> Any:
        method.handles = (event, rules)
        return method

    return mark


class Book:
    """A replay model of one kind of aggregate, built from event payloads alone."""

    rules_by_event: ClassVar[dict[str, tuple[str, ...]]]
    end_rules: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls) -> None:
        cls.rules_by_event = {}
        for value in vars(cls).values():
            event, rules = getattr(value, "handles", (None, ()))
            if event is not None:
                cls.rules_by_event[event] = rules

    def __init__(self, checker: Checker) -> None:
        self.checker = checker

    def handlers(self) -> dict[str, Handler]:
        """Event name -> bound handler."""
        found: dict[str, Handler] = {}
        for name, value in vars(type(self)).items():
            event, _ = getattr(value, "handles", (None, ()))
            if event is not None:
                found[event] = getattr(self, name)
        return found

    def finish(self, last: Record | None) -> None:
        """Checks that need the whole log (run once, at its end)."""
