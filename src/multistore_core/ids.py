"""Deterministic aggregate ids from business keys (uuid5), so no lookup table is needed."""

from functools import lru_cache
from uuid import UUID, uuid5

NAMESPACE = UUID("5b0c7a4e-3f7d-4a51-9a39-6d1b2d8e6f10")
CACHED_IDS = 20_000  # recent ids kept: a hot path asks for the same few many times


@lru_cache(maxsize=CACHED_IDS)
def store_id(code: str) -> UUID:
    return uuid5(NAMESPACE, f"store/{code}")


@lru_cache(maxsize=CACHED_IDS)
def catalog_item_id(sku: str) -> UUID:
    return uuid5(NAMESPACE, f"sku/{sku}")


@lru_cache(maxsize=CACHED_IDS)
def stock_item_id(store: str, sku: str) -> UUID:
    return uuid5(NAMESPACE, f"stock/{store}/{sku}")


@lru_cache(maxsize=CACHED_IDS)
def order_id(reference: str) -> UUID:
    return uuid5(NAMESPACE, f"order/{reference}")


@lru_cache(maxsize=CACHED_IDS)
def transfer_id(reference: str) -> UUID:
    return uuid5(NAMESPACE, f"transfer/{reference}")


@lru_cache(maxsize=CACHED_IDS)
def member_id(member: str) -> UUID:
    return uuid5(NAMESPACE, f"member/{member}")
