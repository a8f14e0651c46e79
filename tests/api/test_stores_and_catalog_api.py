"""Stores and catalog over HTTP: HQ registers and changes them, every role reads them."""

from __future__ import annotations

from api_helpers import auth, events_since
from fastapi.testclient import TestClient

from multistore_core import MultiStore

NEW_STORE = {
    "code": "BJ01",
    "name": "Beijing Chaoyang",
    "region": "north",
    "kind": "joint_venture",
    "latitude": 39.92,
    "longitude": 116.44,
    "hq_revenue_share": "0.3",
}


def test_hq_registers_a_store_that_everyone_can_read(client: TestClient, chain: MultiStore) -> None:
    before = chain.log_position()
    response = client.post("/stores", json=NEW_STORE, headers=auth("hq"))
    assert response.status_code == 201
    assert response.headers["Location"] == "/stores/BJ01"
    assert response.json()["position"] == chain.log_position()
    assert [e.meta["actor"] for e in events_since(chain, before)] == ["hq"]
    for key in ("hq", "auditor", "storefront", "sh01"):
        store = client.get("/stores/BJ01", headers=auth(key))
        assert store.status_code == 200
        assert store.json()["kind"] == "joint_venture"
        assert store.json()["is_open"] is True


def test_registering_a_taken_code_is_409_and_changes_nothing(
    client: TestClient, chain: MultiStore
) -> None:
    position = chain.log_position()
    response = client.post("/stores", json=NEW_STORE | {"code": "SH01"}, headers=auth("hq"))
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/already-exists"
    assert response.json()["field"] == "code"
    assert chain.log_position() == position


def test_a_joint_venture_without_revenue_share_is_422_naming_the_field(
    client: TestClient, chain: MultiStore
) -> None:
    position = chain.log_position()
    body = {k: v for k, v in NEW_STORE.items() if k != "hq_revenue_share"}
    response = client.post("/stores", json=body, headers=auth("hq"))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["hq_revenue_share"]
    assert chain.log_position() == position


def test_hq_changes_closes_and_reopens_a_store(client: TestClient) -> None:
    changed = client.patch("/stores/SH01", json={"name": "Xuhui flagship"}, headers=auth("hq"))
    assert changed.status_code == 200
    assert client.get("/stores/SH01", headers=auth("hq")).json()["name"] == "Xuhui flagship"
    client.post("/stores/SH01/close", json={"reason": "renovation"}, headers=auth("hq"))
    assert client.get("/stores/SH01", headers=auth("hq")).json()["is_open"] is False
    client.post("/stores/SH01/reopen", headers=auth("hq"))
    assert client.get("/stores/SH01", headers=auth("hq")).json()["is_open"] is True


def test_an_empty_change_is_422(client: TestClient) -> None:
    response = client.patch("/stores/SH01", json={}, headers=auth("hq"))
    assert response.status_code == 422


def test_only_hq_changes_stores_and_catalog(client: TestClient, chain: MultiStore) -> None:
    position = chain.log_position()
    for key in ("auditor", "storefront", "sh01"):
        assert client.post("/stores", json=NEW_STORE, headers=auth(key)).status_code == 403
        assert client.post("/stores/SH01/close", headers=auth(key)).status_code == 403
        price = client.put("/catalog/TEA-001/price", json={"base_price": "1.00"}, headers=auth(key))
        assert price.status_code == 403
    assert chain.log_position() == position


def test_an_unknown_store_or_sku_is_404(client: TestClient) -> None:
    assert client.get("/stores/NOPE", headers=auth("hq")).status_code == 404
    assert client.get("/catalog/NOPE", headers=auth("hq")).status_code == 404
    assert client.post("/stores/NOPE/reopen", headers=auth("hq")).status_code == 404


def test_hq_registers_a_sku_and_changes_its_price(client: TestClient) -> None:
    body = {"sku": "POT-003", "name": "Clay teapot", "base_price": "129.00"}
    assert client.post("/catalog", json=body, headers=auth("hq")).status_code == 201
    changed = client.put(
        "/catalog/POT-003/price",
        json={"base_price": "119.00", "region_price_factors": {"east": "1.1"}},
        headers=auth("hq"),
    )
    assert changed.status_code == 200
    item = client.get("/catalog/POT-003", headers=auth("storefront")).json()
    assert item["base_price"] == "119.00"
    assert item["region_price_factors"] == {"east": "1.1"}


def test_a_price_of_zero_is_422_naming_base_price(client: TestClient) -> None:
    body = {"sku": "POT-003", "name": "Clay teapot", "base_price": "0"}
    response = client.post("/catalog", json=body, headers=auth("hq"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "base_price"
