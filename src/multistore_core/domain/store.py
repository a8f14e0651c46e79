"""The Store aggregate: a shop or warehouse of the chain, open or closed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from multistore_core.domain.base import Entity
from multistore_core.errors import InvalidCommand, StoreClosed
from multistore_core.ids import store_id


class Store(Entity):
    @staticmethod
    def create_id(code: str) -> UUID:
        return store_id(code)

    @event("Registered")
    def __init__(
        self,
        code: str,
        name: str,
        region: str,
        kind: str,
        latitude: float,
        longitude: float,
        hq_revenue_share: Decimal,
        delivery_radius_km: float,
    ) -> None:
        self.code = code
        self.name = name
        self.region = region
        self.kind = kind
        self.latitude = latitude
        self.longitude = longitude
        self.hq_revenue_share = hq_revenue_share
        self.delivery_radius_km = delivery_radius_km
        self.is_open = True

    def update(self, changes: dict[str, Any]) -> None:
        """Change the given details; values equal to the current ones are left out."""
        real = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if real:
            self._update(changes=real)

    @event("Updated")
    def _update(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def close(self, reason: str) -> None:
        if not self.is_open:
            raise InvalidCommand("code", f"store {self.code!r} is already closed")
        self._close(reason=reason)

    @event("Closed")
    def _close(self, reason: str) -> None:
        self.is_open = False

    def reopen(self) -> None:
        if self.is_open:
            raise InvalidCommand("code", f"store {self.code!r} is already open")
        self._reopen()

    @event("Reopened")
    def _reopen(self) -> None:
        self.is_open = True

    def check_open(self) -> None:
        if not self.is_open:
            raise StoreClosed(self.code)
