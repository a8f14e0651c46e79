"""The CatalogItem aggregate: one SKU with its base price and pricing rules."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from eventsourcing.domain import event

from multistore_core.domain.base import Entity
from multistore_core.ids import catalog_item_id

CENT = Decimal("0.01")


class CatalogItem(Entity):
    @staticmethod
    def create_id(sku: str) -> UUID:
        return catalog_item_id(sku)

    @event("Registered")
    def __init__(
        self,
        sku: str,
        name: str,
        base_price: Decimal,
        region_price_factors: dict[str, Decimal],
        franchise_min_price: Decimal | None,
    ) -> None:
        self.sku = sku
        self.name = name
        self.base_price = base_price
        self.region_price_factors = dict(region_price_factors)
        self.franchise_min_price = franchise_min_price

    def change_price(
        self,
        base_price: Decimal,
        region_price_factors: dict[str, Decimal],
        franchise_min_price: Decimal | None,
    ) -> None:
        self._change_price(
            base_price=base_price,
            region_price_factors=region_price_factors,
            franchise_min_price=franchise_min_price,
        )

    @event("PriceChanged")
    def _change_price(
        self,
        base_price: Decimal,
        region_price_factors: dict[str, Decimal],
        franchise_min_price: Decimal | None,
    ) -> None:
        self.base_price = base_price
        self.region_price_factors = dict(region_price_factors)
        self.franchise_min_price = franchise_min_price

    def unit_price(self, region: str, store_kind: str) -> Decimal:
        """Price at a store: base price times the region factor, floored for franchises."""
        factor = Decimal(self.region_price_factors.get(region, Decimal(1)))
        price = (Decimal(self.base_price) * factor).quantize(CENT, rounding=ROUND_HALF_UP)
        if store_kind == "franchise" and self.franchise_min_price is not None:
            price = max(price, Decimal(self.franchise_min_price))
        return price
