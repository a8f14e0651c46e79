"""Helpers of the API tests: one key per role, placing an order, reading stored events."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.auth import KeyRing
from multistore_core import MultiStore

KEYS = {
    "hq": ("hq-secret-0000000001", "hq_admin", None),
    "auditor": ("auditor-secret-00001", "auditor", None),
    "storefront": ("storefront-secret-01", "storefront", None),
    "sh01": ("sh01-manager-secret-1", "store_manager", "SH01"),
    "hz01": ("hz01-manager-secret-1", "store_manager", "HZ01"),
}


def key_ring() -> KeyRing:
    entries = [
        f"{name}:{secret}:{role}" + (f":{store}" if store else "")
        for name, (secret, role, store) in KEYS.items()
    ]
    return KeyRing.parse(",".join(entries))


def auth(name: str) -> dict[str, str]:
    """The Authorization header of the named test key."""
    return {"Authorization": f"Bearer {KEYS[name][0]}"}


def events_since(multistore: MultiStore, position: int) -> list[Any]:
    """The domain events stored after ``position``, oldest first."""
    notifications = multistore.recorder.select_notifications(
        position, 1000, inclusive_of_start=False
    )
    return [multistore.mapper.to_domain_event(n) for n in notifications]


def place(client: TestClient, store: str = "SH01", quantity: int = 1, key: str = "hq") -> Any:
    """Place a pickup order of TEA-001 and return its JSON."""
    response = client.post(
        "/orders",
        json={
            "store": store,
            "fulfilment": "pickup",
            "lines": [{"sku": "TEA-001", "quantity": quantity}],
        },
        headers=auth(key),
    )
    assert response.status_code == 201, response.text
    return response.json()
