"""Orders over HTTP: the whole life cycle, idempotent placement, refusals and store scope."""

from __future__ import annotations

from decimal import Decimal

from api_helpers import auth, events_since, place
from fastapi.testclient import TestClient

from multistore_core import MultiStore

PICKUP = {"store": "SH01", "fulfilment": "pickup", "lines": [{"sku": "TEA-001", "quantity": 2}]}


def test_an_order_goes_from_placed_to_completed_and_returned(
    client: TestClient, chain: MultiStore
) -> None:
    placed = client.post("/orders", json=PICKUP, headers=auth("storefront"))
    assert placed.status_code == 201
    order = placed.json()
    assert placed.headers["Location"] == f"/orders/{order['order_id']}"
    assert order["status"] == "placed"
    assert Decimal(order["total"]) == Decimal("25.00")
    ref = order["order_id"]

    paid = client.post(
        f"/orders/{ref}/pay",
        json={"amount": order["total"], "payment_ref": "wx-1"},
        headers=auth("storefront"),
    )
    assert paid.json()["status"] == "paid"
    fulfilled = client.post(f"/orders/{ref}/fulfil", headers=auth("sh01"))
    assert fulfilled.json()["status"] == "ready_for_pickup"
    completed = client.post(f"/orders/{ref}/complete", headers=auth("sh01"))
    assert completed.json()["status"] == "completed"
    returned = client.post(
        f"/orders/{ref}/return",
        json={"lines": [{"sku": "TEA-001", "quantity": 1}]},
        headers=auth("storefront"),
    )
    assert returned.status_code == 200
    assert returned.json()["status"] == "partially_returned"
    assert Decimal(returned.json()["refunded"]) == Decimal("12.50")
    assert chain.stock_level("SH01", "TEA-001").on_hand == 9


def test_reading_an_order_returns_its_current_state(client: TestClient) -> None:
    order = place(client, quantity=3)
    response = client.get(f"/orders/{order['order_id']}", headers=auth("auditor"))
    assert response.status_code == 200
    assert response.json() == order


def test_cancelling_releases_the_reservation(client: TestClient, chain: MultiStore) -> None:
    order = place(client, quantity=4)
    assert chain.stock_level("SH01", "TEA-001").reserved == 4
    response = client.post(
        f"/orders/{order['order_id']}/cancel",
        json={"reason": "changed my mind"},
        headers=auth("storefront"),
    )
    assert response.json()["status"] == "cancelled"
    assert chain.stock_level("SH01", "TEA-001").reserved == 0


def test_every_command_records_the_caller_as_actor(client: TestClient, chain: MultiStore) -> None:
    before = chain.log_position()
    response = client.post(
        "/orders", json=PICKUP, headers=auth("sh01") | {"X-Request-ID": "req-42"}
    )
    assert response.headers["X-Request-ID"] == "req-42"
    events = events_since(chain, before)
    assert len(events) == 2  # Order.Placed and StockItem.Reserved
    for event in events:
        assert event.meta["actor"] == "sh01"
        assert event.meta["role"] == "store_manager"
        assert event.meta["store_scope"] == "SH01"
        assert event.meta["correlation_id"] == "req-42"
    assert int(response.headers["X-Log-Position"]) == chain.log_position()


def test_the_same_idempotency_key_and_body_return_the_first_order(
    client: TestClient, chain: MultiStore
) -> None:
    headers = auth("storefront") | {"Idempotency-Key": "cart-77"}
    first = client.post("/orders", json=PICKUP, headers=headers)
    position = chain.log_position()
    again = client.post("/orders", json=PICKUP, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert (first.headers["Idempotent-Replayed"], again.headers["Idempotent-Replayed"]) == (
        "false",
        "true",
    )
    assert chain.log_position() == position
    assert chain.stock_level("SH01", "TEA-001").reserved == 2


def test_the_same_idempotency_key_with_another_body_is_refused_naming_the_header(
    client: TestClient, chain: MultiStore
) -> None:
    headers = auth("storefront") | {"Idempotency-Key": "cart-78"}
    client.post("/orders", json=PICKUP, headers=headers)
    position = chain.log_position()
    other = PICKUP | {"lines": [{"sku": "TEA-001", "quantity": 5}]}
    response = client.post("/orders", json=other, headers=headers)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert response.json()["errors"][0]["in"] == "header"
    assert chain.log_position() == position


def test_ordering_more_than_is_available_is_409_with_the_short_lines(
    client: TestClient, chain: MultiStore
) -> None:
    position = chain.log_position()
    body = PICKUP | {
        "lines": [{"sku": "TEA-001", "quantity": 3}, {"sku": "CUP-002", "quantity": 11}]
    }
    response = client.post("/orders", json=body, headers=auth("storefront"))
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/insufficient-stock"
    assert problem["shortages"] == [
        {"field": "lines[1]", "sku": "CUP-002", "requested": 11, "available": 10}
    ]
    assert chain.log_position() == position


def test_an_illegal_transition_is_409_naming_the_status(client: TestClient) -> None:
    order = place(client)
    response = client.post(f"/orders/{order['order_id']}/complete", headers=auth("hq"))
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/illegal-transition"
    assert response.json()["order_status"] == "placed"
    assert response.json()["action"] == "complete"


def test_a_closed_store_refuses_orders_with_409(client: TestClient) -> None:
    client.post("/stores/SH01/close", headers=auth("hq"))
    response = client.post("/orders", json=PICKUP, headers=auth("storefront"))
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/store-closed"


def test_a_wrong_payment_amount_is_422_naming_amount(client: TestClient, chain: MultiStore) -> None:
    order = place(client)
    position = chain.log_position()
    response = client.post(
        f"/orders/{order['order_id']}/pay",
        json={"amount": "1.00", "payment_ref": "wx"},
        headers=auth("storefront"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "amount"
    assert chain.log_position() == position


def test_a_bad_line_is_422_naming_the_line_field(client: TestClient, chain: MultiStore) -> None:
    position = chain.log_position()
    body = PICKUP | {"lines": [{"sku": "TEA-001", "quantity": 0}]}
    response = client.post("/orders", json=body, headers=auth("storefront"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["lines[0].quantity"]
    repeated = PICKUP | {"lines": [{"sku": "TEA-001", "quantity": 1}] * 2}
    response = client.post("/orders", json=repeated, headers=auth("storefront"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["lines[1].sku"]
    assert chain.log_position() == position


def test_an_unknown_order_or_sku_is_404(client: TestClient) -> None:
    assert client.get("/orders/NOPE-1", headers=auth("hq")).status_code == 404
    assert client.post("/orders/NOPE-1/fulfil", headers=auth("hq")).status_code == 404
    body = PICKUP | {"lines": [{"sku": "GHOST-9", "quantity": 1}]}
    response = client.post("/orders", json=body, headers=auth("hq"))
    assert response.status_code == 404
    assert response.json()["field"] == "lines[0].sku"


def test_a_store_manager_cannot_tell_another_stores_order_from_a_missing_one(
    client: TestClient, chain: MultiStore
) -> None:
    theirs = place(client, store="HZ01")["order_id"]
    position = chain.log_position()
    for path in ("", "/fulfil", "/complete", "/cancel"):
        method = client.get if path == "" else client.post
        other = method(f"/orders/{theirs}{path}", headers=auth("sh01"))
        missing = method(f"/orders/NOPE-2{path}", headers=auth("sh01"))
        assert other.status_code == missing.status_code == 404
        assert other.json()["detail"] == f"no order {theirs!r}"
        assert missing.json()["detail"] == "no order 'NOPE-2'"
        assert set(other.json()) == set(missing.json())
    paying = client.post(
        f"/orders/{theirs}/pay", json={"amount": "12.50", "payment_ref": "x"}, headers=auth("sh01")
    )
    assert paying.status_code == 404
    assert chain.log_position() == position
    assert client.get(f"/orders/{theirs}", headers=auth("hz01")).status_code == 200


def test_a_store_manager_places_orders_only_at_their_store(
    client: TestClient, chain: MultiStore
) -> None:
    assert client.post("/orders", json=PICKUP, headers=auth("sh01")).status_code == 201
    position = chain.log_position()
    response = client.post("/orders", json=PICKUP | {"store": "HZ01"}, headers=auth("sh01"))
    assert response.status_code == 403
    assert chain.log_position() == position


def test_storefronts_and_auditors_cannot_fulfil_and_auditors_cannot_place(
    client: TestClient, chain: MultiStore
) -> None:
    order = place(client)
    position = chain.log_position()
    assert (
        client.post(f"/orders/{order['order_id']}/fulfil", headers=auth("storefront")).status_code
        == 403
    )
    assert client.post("/orders", json=PICKUP, headers=auth("auditor")).status_code == 403
    assert (
        client.post(f"/orders/{order['order_id']}/cancel", headers=auth("auditor")).status_code
        == 403
    )
    assert chain.log_position() == position
