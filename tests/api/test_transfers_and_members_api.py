"""Transfers and members over HTTP, with the scope of each role."""

from __future__ import annotations

from api_helpers import auth
from fastapi.testclient import TestClient

from multistore_core import MultiStore

TRANSFER = {
    "transfer_id": "T-1",
    "from_store": "HZ01",
    "to_store": "SH01",
    "lines": [{"sku": "TEA-001", "quantity": 4}],
}


def test_a_transfer_is_requested_approved_shipped_and_received(
    client: TestClient, chain: MultiStore
) -> None:
    requested = client.post("/transfers", json=TRANSFER, headers=auth("sh01"))
    assert requested.status_code == 201
    assert requested.json()["status"] == "requested"
    assert client.post("/transfers/T-1/approve", headers=auth("hq")).status_code == 200
    shipped = client.post("/transfers/T-1/ship", headers=auth("hz01"))
    assert shipped.json()["status"] == "shipped"
    assert chain.stock_level("SH01", "TEA-001").incoming == 4
    received = client.post("/transfers/T-1/receive", headers=auth("sh01"))
    assert received.json()["status"] == "received"
    assert chain.stock_level("SH01", "TEA-001").on_hand == 14
    assert client.get("/transfers/T-1", headers=auth("auditor")).json()["status"] == "received"


def test_only_hq_approves_or_rejects_transfers(client: TestClient, chain: MultiStore) -> None:
    client.post("/transfers", json=TRANSFER, headers=auth("hq"))
    position = chain.log_position()
    assert client.post("/transfers/T-1/approve", headers=auth("sh01")).status_code == 403
    rejected = client.post("/transfers/T-1/reject", json={"reason": "x"}, headers=auth("hz01"))
    assert rejected.status_code == 403
    assert chain.log_position() == position
    rejected = client.post("/transfers/T-1/reject", json={"reason": "no"}, headers=auth("hq"))
    assert rejected.json()["status"] == "rejected"


def test_shipping_more_than_the_source_has_is_409_with_the_short_lines(
    client: TestClient, chain: MultiStore
) -> None:
    big = TRANSFER | {"lines": [{"sku": "TEA-001", "quantity": 50}]}
    client.post("/transfers", json=big, headers=auth("hq"))
    client.post("/transfers/T-1/approve", headers=auth("hq"))
    position = chain.log_position()
    response = client.post("/transfers/T-1/ship", headers=auth("hq"))
    assert response.status_code == 409
    assert response.json()["shortages"][0]["requested"] == 50
    assert chain.log_position() == position


def test_a_transfer_to_the_same_store_is_422_naming_to_store(client: TestClient) -> None:
    same = TRANSFER | {"to_store": "HZ01"}
    response = client.post("/transfers", json=same, headers=auth("hq"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "to_store"


def test_a_store_manager_sees_only_transfers_of_their_store(
    client: TestClient, chain: MultiStore
) -> None:
    client.post("/transfers", json=TRANSFER, headers=auth("hq"))
    client.post("/stores", headers=auth("hq"), json={
        "code": "GZ01", "name": "Guangzhou", "region": "south", "kind": "direct",
        "latitude": 23.1, "longitude": 113.3,
    })  # fmt: skip
    other = TRANSFER | {"transfer_id": "T-2", "from_store": "HZ01", "to_store": "GZ01"}
    client.post("/transfers", json=other, headers=auth("hq"))
    assert client.get("/transfers/T-1", headers=auth("sh01")).status_code == 200
    position = chain.log_position()
    for path in ("", "/cancel", "/ship", "/receive"):
        method = client.get if path == "" else client.post
        hidden = method(f"/transfers/T-2{path}", headers=auth("sh01"))
        missing = method(f"/transfers/T-404{path}", headers=auth("sh01"))
        assert hidden.status_code == missing.status_code == 404
    assert chain.log_position() == position
    refused = client.post("/transfers", json=other | {"transfer_id": "T-3"}, headers=auth("sh01"))
    assert refused.status_code == 403


def test_a_storefront_enrols_and_reads_members_and_hq_grants_points(
    client: TestClient, chain: MultiStore
) -> None:
    enrolled = client.post(
        "/members", json={"member_id": "M-1", "home_store": "SH01"}, headers=auth("storefront")
    )
    assert enrolled.status_code == 201
    assert enrolled.json()["balance"] == 0
    grant = {"store": "SH01", "points": 500, "reference": "welcome", "reason": "welcome gift"}
    assert client.post("/members/M-1/points", json=grant, headers=auth("hq")).status_code == 200
    assert client.get("/members/M-1", headers=auth("storefront")).json()["balance"] == 500
    position = chain.log_position()
    refused = client.post("/members/M-1/points", json=grant, headers=auth("storefront"))
    assert refused.status_code == 403
    assert client.get("/members/M-1", headers=auth("sh01")).status_code == 403
    assert chain.log_position() == position


def test_redeeming_more_points_than_held_is_409(client: TestClient, chain: MultiStore) -> None:
    client.post("/members", json={"member_id": "M-1", "home_store": "SH01"}, headers=auth("hq"))
    position = chain.log_position()
    order = {
        "store": "SH01",
        "fulfilment": "pickup",
        "member_id": "M-1",
        "points": 100,
        "lines": [{"sku": "CUP-002", "quantity": 2}],
    }
    response = client.post("/orders", json=order, headers=auth("storefront"))
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/insufficient-points"
    assert chain.log_position() == position


def test_an_unknown_member_is_404(client: TestClient) -> None:
    assert client.get("/members/NOPE", headers=auth("hq")).status_code == 404
