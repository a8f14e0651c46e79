"""Deterministic aggregate ids from business keys (uuid5), so no lookup table is needed."""

from uuid import UUID, uuid5

NAMESPACE = UUID("5b0c7a4e-3f7d-4a51-9a39-6d1b2d8e6f10")


def store_id(code: str) -> UUID:
    return uuid5(NAMESPACE, f"store/{code}")


def catalog_item_id(sku: str) -> UUID:
    return uuid5(NAMESPACE, f"sku/{sku}")


def stock_item_id(store: str, sku: str) -> UUID:
    return uuid5(NAMESPACE, f"stock/{store}/{sku}")


def order_id(reference: str) -> UUID:
    return uuid5(NAMESPACE, f"order/{reference}")


def transfer_id(reference: str) -> UUID:
    return uuid5(NAMESPACE, f"transfer/{reference}")


def member_id(member: str) -> UUID:
    return uuid5(NAMESPACE, f"member/{member}")
