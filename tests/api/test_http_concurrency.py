"""Many clients racing for one SKU over HTTP, against uvicorn on PostgreSQL: no oversell."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from uuid import uuid4

import httpx2
import pytest
from api_helpers import serving

CLIENTS = 32
ORDERS_PER_CLIENT = 2
STOCK = 40
MAX_ATTEMPTS = 20
SECRET = "concurrency-hq-secret-1"
SHORT = "/problems/insufficient-stock"
CONFLICT = "/problems/concurrency-conflict"


@pytest.mark.postgres
def test_32_clients_buy_exactly_the_stock_and_the_rest_get_409(
    postgres_url: str, tmp_path: Path
) -> None:
    with serving(postgres_url, f"hq:{SECRET}:hq_admin", tmp_path / "server.log") as base:
        headers = {"Authorization": f"Bearer {SECRET}"}
        with httpx2.Client(base_url=base, headers=headers, timeout=60) as api:
            store = {"code": "SH01", "name": "Xuhui", "region": "east", "kind": "direct",
                     "latitude": 31.19, "longitude": 121.44}  # fmt: skip
            api.post("/stores", json=store).raise_for_status()
            sku = {"sku": "HOT-001", "name": "Flash-sale mooncakes", "base_price": "9.90"}
            api.post("/catalog", json=sku).raise_for_status()
            receipt = {"quantity": STOCK}
            api.post("/stores/SH01/stock/HOT-001/receipts", json=receipt).raise_for_status()

        start = threading.Barrier(CLIENTS)
        outcomes: Counter[tuple[int, str]] = Counter()
        lock = threading.Lock()

        def shop() -> None:
            order = {"store": "SH01", "fulfilment": "pickup",
                     "lines": [{"sku": "HOT-001", "quantity": 1}]}  # fmt: skip
            with httpx2.Client(base_url=base, headers=headers, timeout=60) as client:
                start.wait()
                for _ in range(ORDERS_PER_CLIENT):
                    key = {"Idempotency-Key": uuid4().hex}
                    for _attempt in range(MAX_ATTEMPTS):
                        response = client.post("/orders", json=order, headers=key)
                        kind = response.json().get("type", "") if response.is_error else ""
                        with lock:
                            outcomes[(response.status_code, kind)] += 1
                        if kind != CONFLICT:  # a conflict says: retry, with the same key
                            break

        shoppers = [threading.Thread(target=shop) for _ in range(CLIENTS)]
        for shopper in shoppers:
            shopper.start()
        for shopper in shoppers:
            shopper.join(timeout=120)

        # Every unit is sold once; every other order ends in 409 insufficient stock.
        assert outcomes[(201, "")] == STOCK, outcomes
        assert outcomes[(409, SHORT)] == CLIENTS * ORDERS_PER_CLIENT - STOCK, outcomes
        assert set(outcomes) <= {(201, ""), (409, SHORT), (409, CONFLICT)}, outcomes
        with httpx2.Client(base_url=base, headers=headers) as api:
            level = api.get("/stores/SH01/stock/HOT-001").json()
        assert (level["on_hand"], level["reserved"], level["available"]) == (STOCK, STOCK, 0)
