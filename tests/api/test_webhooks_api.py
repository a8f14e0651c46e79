"""Webhook subscriptions over the API: HQ only, validated, paused and resumed, with a log."""

from __future__ import annotations

from typing import Any

import pytest
from api_helpers import auth
from fastapi.testclient import TestClient

from multistore_core import MultiStore

HOOK = {"url": "https://erp.example.com/hooks/multistore", "types": ["order.paid", "stock.sold"]}


def create(client: TestClient, **changes: Any) -> dict[str, Any]:
    response = client.post("/webhooks", json=HOOK | changes, headers=auth("hq"))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_hq_creates_a_subscription_that_starts_at_the_log_head(
    client: TestClient, chain: MultiStore
) -> None:
    created = create(client, store="SH01", description="ERP")
    assert created["position"] == chain.log_position() and created["behind"] == 0
    assert created["status"] == "active" and created["store"] == "SH01"
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 30
    shown = client.get(f"/webhooks/{created['id']}", headers=auth("hq")).json()
    assert "secret" not in shown
    assert shown == {k: v for k, v in created.items() if k != "secret"}
    listed = client.get("/webhooks", headers=auth("hq")).json()
    assert [hook["id"] for hook in listed] == [created["id"]]


def test_a_subscription_may_start_from_an_earlier_position_with_its_own_secret(
    client: TestClient, chain: MultiStore
) -> None:
    created = create(client, after=0, secret="my-own-secret-0123456789")
    assert created["position"] == 0 and created["behind"] == chain.log_position()
    assert created["secret"] == "my-own-secret-0123456789"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "ftp://erp.example.com/x"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": "https://user:pw@erp.example.com/x"}, "url"),
        ({"url": "erp.example.com/hooks"}, "url"),
        ({"types": []}, "types"),
        ({"types": ["order.paid", "order.teleported"]}, "types"),
        ({"secret": "short"}, "secret"),
        ({"after": 10_000}, "after"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_subscriptions_are_refused_naming_the_field_and_add_nothing(
    client: TestClient, changes: dict[str, Any], field: str
) -> None:
    response = client.post("/webhooks", json=HOOK | changes, headers=auth("hq"))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert client.get("/webhooks", headers=auth("hq")).json() == []


def test_a_store_filter_must_name_a_known_store(client: TestClient) -> None:
    response = client.post("/webhooks", json=HOOK | {"store": "XX99"}, headers=auth("hq"))
    assert response.status_code == 404 and response.json()["field"] == "store"
    assert client.get("/webhooks", headers=auth("hq")).json() == []


@pytest.mark.parametrize("key", ["auditor", "storefront", "sh01"])
def test_only_hq_manages_subscriptions(client: TestClient, key: str) -> None:
    hook = create(client)
    assert client.post("/webhooks", json=HOOK, headers=auth(key)).status_code == 403
    assert client.get("/webhooks", headers=auth(key)).status_code == 403
    assert client.delete(f"/webhooks/{hook['id']}", headers=auth(key)).status_code == 403
    assert len(client.get("/webhooks", headers=auth("hq")).json()) == 1


def test_changing_a_subscription_keeps_its_position(client: TestClient) -> None:
    hook = create(client, store="SH01")
    changed = client.patch(
        f"/webhooks/{hook['id']}",
        json={"url": "http://127.0.0.1:9/elsewhere", "types": ["stock.received"], "store": None},
        headers=auth("hq"),
    ).json()
    assert changed["url"] == "http://127.0.0.1:9/elsewhere"
    assert changed["types"] == ["stock.received"] and changed["store"] is None
    assert changed["position"] == hook["position"]


def test_a_bad_change_is_refused_and_changes_nothing(client: TestClient) -> None:
    hook = create(client)
    before = client.get(f"/webhooks/{hook['id']}", headers=auth("hq")).json()
    for body in ({"url": None}, {"types": ["nope"]}, {"url": "gopher://x"}):
        response = client.patch(f"/webhooks/{hook['id']}", json=body, headers=auth("hq"))
        assert response.status_code == 422
    assert client.get(f"/webhooks/{hook['id']}", headers=auth("hq")).json() == before


def test_pause_and_resume_through_the_api(client: TestClient) -> None:
    hook = create(client)
    paused = client.post(f"/webhooks/{hook['id']}/pause", headers=auth("hq")).json()
    assert paused["status"] == "paused" and paused["paused_at"] is not None
    resumed = client.post(f"/webhooks/{hook['id']}/resume", headers=auth("hq")).json()
    assert resumed["status"] == "active" and resumed["paused_at"] is None
    assert resumed["position"] == hook["position"]


def test_deleting_a_subscription_removes_it(client: TestClient) -> None:
    hook = create(client)
    assert client.delete(f"/webhooks/{hook['id']}", headers=auth("hq")).status_code == 204
    assert client.get(f"/webhooks/{hook['id']}", headers=auth("hq")).status_code == 404
    assert client.delete(f"/webhooks/{hook['id']}", headers=auth("hq")).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("PATCH", ""),
        ("POST", "/pause"),
        ("POST", "/resume"),
        ("GET", "/deliveries"),
    ],
)
def test_an_unknown_subscription_is_not_found(client: TestClient, method: str, path: str) -> None:
    body = {"description": "x"} if method == "PATCH" else None
    response = client.request(method, f"/webhooks/nope{path}", json=body, headers=auth("hq"))
    assert response.status_code == 404
    assert response.json()["field"] == "subscription_id"


def test_a_new_subscription_has_an_empty_delivery_log(client: TestClient) -> None:
    hook = create(client)
    response = client.get(f"/webhooks/{hook['id']}/deliveries", headers=auth("hq"))
    assert response.status_code == 200 and response.json() == []
