"""The CustomerOrder aggregate: one buyer's order split into parts served by several stores."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from multistore_core.domain.base import Entity
from multistore_core.ids import order_id


class CustomerOrder(Entity):
    """Links the part orders of a split order; it shares its id with an order of the same ref,
    so a reference is placed once, whole or split. ``parts`` hold order_id and store."""

    @staticmethod
    def create_id(order_ref: str) -> UUID:
        return order_id(order_ref)

    @event("Placed")
    def __init__(
        self,
        order_ref: str,
        fulfilment: str,
        member_id: str | None,
        lines: list[dict[str, Any]],
        parts: list[dict[str, str]],
        total: Decimal,
        routing: dict[str, Any],
    ) -> None:
        self.order_ref = order_ref
        self.fulfilment = fulfilment
        self.member_id = member_id
        self.lines = [dict(line) for line in lines]
        self.parts = [dict(part) for part in parts]
        self.total = total
        self.routing = dict(routing)

    @property
    def part_ids(self) -> list[str]:
        return [part["order_id"] for part in self.parts]
