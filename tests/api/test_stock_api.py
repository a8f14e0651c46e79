"""Stock over HTTP: receipts, adjustments and safety stock, by HQ and the store's manager."""

from __future__ import annotations

from api_helpers import auth, events_since, place
from fastapi.testclient import TestClient

from multistore_core import MultiStore


def test_a_store_manager_receives_stock_at_their_store(
    client: TestClient, chain: MultiStore
) -> None:
    before = chain.log_position()
    response = client.post(
        "/stores/SH01/stock/TEA-001/receipts",
        json={"quantity": 5, "reference": "PO-9"},
        headers=auth("sh01"),
    )
    assert response.status_code == 200
    assert response.json()["on_hand"] == 15
    assert [e.meta["actor"] for e in events_since(chain, before)] == ["sh01"]


def test_a_store_manager_cannot_touch_or_read_another_stores_stock(
    client: TestClient, chain: MultiStore
) -> None:
    position = chain.log_position()
    receipt = client.post(
        "/stores/HZ01/stock/TEA-001/receipts", json={"quantity": 5}, headers=auth("sh01")
    )
    assert receipt.status_code == 403
    assert receipt.json()["type"] == "/problems/forbidden"
    assert client.get("/stores/HZ01/stock/TEA-001", headers=auth("sh01")).status_code == 403
    safety = client.put(
        "/stores/HZ01/stock/TEA-001/safety-stock", json={"quantity": 3}, headers=auth("sh01")
    )
    assert safety.status_code == 403
    assert chain.log_position() == position


def test_reading_stock_shows_reservations(client: TestClient) -> None:
    place(client, quantity=3)
    level = client.get("/stores/SH01/stock/TEA-001", headers=auth("storefront")).json()
    assert (level["on_hand"], level["reserved"], level["available"]) == (10, 3, 7)


def test_a_stocktake_and_a_damage_are_booked(client: TestClient) -> None:
    counted = client.post(
        "/stores/SH01/stock/TEA-001/adjustments",
        json={"reason": "stocktake", "counted": 8},
        headers=auth("hq"),
    )
    assert counted.json()["on_hand"] == 8
    damaged = client.post(
        "/stores/SH01/stock/TEA-001/adjustments",
        json={"reason": "damage", "delta": -2, "note": "dropped"},
        headers=auth("sh01"),
    )
    assert damaged.json()["on_hand"] == 6


def test_an_adjustment_below_reservations_is_409_and_changes_nothing(
    client: TestClient, chain: MultiStore
) -> None:
    place(client, quantity=9)
    position = chain.log_position()
    response = client.post(
        "/stores/SH01/stock/TEA-001/adjustments",
        json={"reason": "damage", "delta": -5},
        headers=auth("hq"),
    )
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/stock-rule"
    assert chain.log_position() == position


def test_bad_stock_input_is_422_naming_the_field(client: TestClient, chain: MultiStore) -> None:
    position = chain.log_position()
    cases = [
        ("receipts", {"quantity": -1}, "quantity"),
        ("receipts", {"quantity": "5"}, "quantity"),
        ("adjustments", {"reason": "stocktake", "delta": 3}, "counted"),
        ("adjustments", {"reason": "theft", "delta": -1}, "reason"),
        ("receipts", {"quantity": 1, "colour": "red"}, "colour"),
    ]
    for path, body, field in cases:
        response = client.post(f"/stores/SH01/stock/TEA-001/{path}", json=body, headers=auth("hq"))
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field, body
    assert chain.log_position() == position


def test_safety_stock_is_set_and_auditors_only_read(client: TestClient, chain: MultiStore) -> None:
    response = client.put(
        "/stores/SH01/stock/TEA-001/safety-stock", json={"quantity": 4}, headers=auth("sh01")
    )
    assert response.json()["safety_stock"] == 4
    position = chain.log_position()
    refused = client.put(
        "/stores/SH01/stock/TEA-001/safety-stock", json={"quantity": 5}, headers=auth("auditor")
    )
    assert refused.status_code == 403
    assert chain.log_position() == position


def test_stock_of_an_unknown_store_or_sku_is_404(client: TestClient) -> None:
    assert client.get("/stores/NOPE/stock/TEA-001", headers=auth("hq")).status_code == 404
    missing = client.post(
        "/stores/SH01/stock/NOPE/receipts", json={"quantity": 1}, headers=auth("hq")
    )
    assert missing.status_code == 404
    assert missing.json()["field"] == "sku"
