"""Helpers of the API tests: one key per role, placing an order, reading stored events."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(database_url: str, api_keys: str, log_path: Path) -> Iterator[str]:
    """``multistore serve`` in a subprocess on a free port; yields its base URL once healthy."""
    port = free_port()
    env = os.environ | {"MULTISTORE_DATABASE_URL": database_url, "MULTISTORE_API_KEYS": api_keys}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "multistore_core.cli", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while not _healthy(base):
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "the server did not start in 30 s"
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=20)


def _healthy(base: str) -> bool:
    try:
        return httpx2.get(f"{base}/healthz").status_code == 200
    except httpx2.TransportError:
        return False
