"""``multistore serve`` delivers webhooks: a subscription made over HTTP receives new events."""

from __future__ import annotations

from pathlib import Path

import httpx2
from api_helpers import KEYS, serving

from integration.signing import verify
from integration_support import Receiver, wait_for


def test_serve_delivers_a_signed_event_to_a_subscription_made_through_the_api(
    sqlite_url: str, tmp_path: Path
) -> None:
    secret, role, _ = KEYS["hq"]
    headers = {"Authorization": f"Bearer {secret}"}
    store = {
        "code": "SH01",
        "name": "Shanghai",
        "region": "east",
        "kind": "direct",
        "latitude": 31.2,
        "longitude": 121.4,
    }
    with (
        Receiver().running() as receiver,
        serving(sqlite_url, f"hq:{secret}:{role}", tmp_path / "serve.log") as base,
    ):
        assert httpx2.post(f"{base}/stores", json=store, headers=headers).status_code == 201
        sku = {"sku": "TEA-001", "name": "Tea", "base_price": "12.50"}
        assert httpx2.post(f"{base}/catalog", json=sku, headers=headers).status_code == 201
        hook = httpx2.post(
            f"{base}/webhooks",
            json={"url": receiver.url, "types": ["stock.received"]},
            headers=headers,
        ).json()
        receipt = {"quantity": 7, "reference": "PO-1"}
        path = f"{base}/stores/SH01/stock/TEA-001/receipts"
        assert httpx2.post(path, json=receipt, headers=headers).status_code in (200, 201)
        wait_for(lambda: receiver.deliveries, timeout=30)
        delivered = receiver.deliveries[0]
        assert delivered.event["type"] == "stock.received"
        assert delivered.event["data"]["quantity"] == 7 and delivered.event["store"] == "SH01"
        assert verify(hook["secret"], delivered.headers["Multistore-Signature"], delivered.body)
        wait_for(
            lambda: (
                httpx2.get(f"{base}/webhooks/{hook['id']}", headers=headers).json()["delivered"]
                == 1
            )
        )
