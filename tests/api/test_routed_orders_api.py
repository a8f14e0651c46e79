"""POST /orders without a store: routed from the stock view, the serving store(s) and the
reason in the response, split orders, and refusals as problem documents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from api_helpers import auth, events_since
from fastapi.testclient import TestClient

from multistore_core import MultiStore
from multistore_core import commands as c
from projections.runner import Runner

NEAR_SHANGHAI = {"latitude": 31.20, "longitude": 121.45}
NEAR_HANGZHOU = {"latitude": 30.26, "longitude": 120.16}


def routed(location: dict[str, float], split: bool = False, **lines: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "fulfilment": "pickup",
        "buyer_location": location,
        "lines": [{"sku": sku.replace("_", "-"), "quantity": q} for sku, q in lines.items()],
    }
    if split:
        body["allow_split"] = True
    return body


def test_a_routed_order_goes_to_the_nearest_store_and_the_response_says_why(
    client: TestClient, runner: Runner
) -> None:
    runner.catch_up()
    response = client.post(
        "/orders", json=routed(NEAR_HANGZHOU, TEA_001=2), headers=auth("storefront")
    )

    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["store"], order["stores"], order["parts"]) == ("HZ01", ["HZ01"], [])
    assert order["routing"]["policy"] == "nearest"
    assert order["routing"]["reason"].startswith("the nearest open store with every line, 1.")
    assert order["routing"]["tried"] == [{"store": "HZ01", "outcome": "reserved"}]
    assert response.headers["Location"] == f"/orders/{order['order_id']}"
    assert client.get(response.headers["Location"], headers=auth("hq")).json() == order


def test_a_stale_view_makes_the_order_fall_back_to_the_next_store(
    client: TestClient, runner: Runner, chain: MultiStore
) -> None:
    runner.catch_up()
    chain.adjust_stock(
        c.AdjustStock(store="SH01", sku="TEA-001", reason="damage", delta=-10)
    )  # not yet in the view

    response = client.post(
        "/orders", json=routed(NEAR_SHANGHAI, TEA_001=1), headers=auth("storefront")
    )

    assert response.status_code == 201, response.text
    tried = response.json()["routing"]["tried"]
    assert [attempt["store"] for attempt in tried] == ["SH01", "HZ01"]
    assert "stock view was behind" in tried[0]["outcome"]
    assert response.json()["store"] == "HZ01"


def test_a_split_order_names_every_store_is_paid_whole_and_cancelled_together(
    client: TestClient, runner: Runner, chain: MultiStore
) -> None:
    chain.adjust_stock(c.AdjustStock(store="SH01", sku="CUP-002", reason="damage", delta=-10))
    chain.adjust_stock(c.AdjustStock(store="HZ01", sku="TEA-001", reason="damage", delta=-10))
    runner.catch_up()
    body = routed(NEAR_SHANGHAI, split=True, TEA_001=1, CUP_002=1) | {"order_id": "WEB-7"}

    placed = client.post("/orders", json=body, headers=auth("storefront"))

    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["stores"] == ["SH01", "HZ01"]
    assert [(p["order_id"], p["store"]) for p in order["parts"]] == [
        ("WEB-7.1", "SH01"),
        ("WEB-7.2", "HZ01"),
    ]
    assert "split over the fewest stores (2)" in order["routing"]["reason"]
    part = client.get("/orders/WEB-7.2", headers=auth("hz01")).json()
    assert (part["store"], part["customer_order"]) == ("HZ01", "WEB-7")

    paid = client.post(
        "/orders/WEB-7/pay",
        json={"amount": order["amount_due"], "payment_ref": "wx-9"},
        headers=auth("storefront"),
    )
    assert paid.status_code == 200, paid.text
    assert Decimal(paid.json()["amount_due"]) == Decimal("42.50")
    cancelled = client.post("/orders/WEB-7.1/cancel", headers=auth("storefront"))
    assert cancelled.status_code == 200, cancelled.text
    assert [p["status"] for p in cancelled.json()["parts"]] == ["cancelled", "cancelled"]
    assert chain.stock_level("HZ01", "CUP-002").reserved == 0


def test_no_store_that_can_serve_is_a_409_naming_the_reason_and_changing_nothing(
    client: TestClient, runner: Runner, chain: MultiStore
) -> None:
    runner.catch_up()
    before = chain.log_position()
    body = routed(NEAR_SHANGHAI, TEA_001=11)

    response = client.post("/orders", json=body, headers=auth("storefront"))

    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/no-store-can-serve"
    assert problem["reason"] == "no open store has every line"
    assert problem["tried"] == []
    assert events_since(chain, before) == []


def test_a_routed_order_without_a_location_or_with_a_bad_one_is_a_422_naming_the_field(
    client: TestClient, chain: MultiStore
) -> None:
    before = chain.log_position()
    missing = {"fulfilment": "pickup", "lines": [{"sku": "TEA-001", "quantity": 1}]}
    bad = routed({"latitude": 95.0, "longitude": 121.0}, TEA_001=1)
    both = routed(NEAR_SHANGHAI, TEA_001=1) | {"store": "SH01"}

    fields = []
    for body in (missing, bad, both):
        response = client.post("/orders", json=body, headers=auth("storefront"))
        assert response.status_code == 422, response.text
        fields.append([error["field"] for error in response.json()["errors"]])

    assert fields == [["buyer_location"], ["buyer_location.latitude"], ["buyer_location"]]
    assert events_since(chain, before) == []


def test_a_store_managers_key_cannot_place_a_routed_order(
    client: TestClient, runner: Runner, chain: MultiStore
) -> None:
    runner.catch_up()
    before = chain.log_position()
    response = client.post("/orders", json=routed(NEAR_SHANGHAI, TEA_001=1), headers=auth("sh01"))
    assert response.status_code == 403
    assert events_since(chain, before) == []


def test_repeating_a_routed_order_with_its_idempotency_key_returns_the_first(
    client: TestClient, runner: Runner, chain: MultiStore
) -> None:
    runner.catch_up()
    headers = auth("storefront") | {"Idempotency-Key": "cart-42"}
    first = client.post("/orders", json=routed(NEAR_SHANGHAI, TEA_001=1), headers=headers)
    chain.close_store(c.CloseStore(code="SH01"))
    runner.catch_up()

    again = client.post("/orders", json=routed(NEAR_SHANGHAI, TEA_001=1), headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert chain.stock_level("SH01", "TEA-001").reserved == 1
