"""API keys: parsing the environment, 401 without a valid key, and what each role may do."""

from __future__ import annotations

import pytest
from api_helpers import KEYS, auth, place
from fastapi.testclient import TestClient

from api.auth import GRANTS, KeyRing, Permission, Role


def test_keys_are_read_from_a_compact_list_or_json() -> None:
    compact = KeyRing.parse(
        "pos-1:abcdefghijklmnop1:store_manager:SH01, hq:abcdefghijklmnop2:hq_admin"
    )
    manager = compact.find("abcdefghijklmnop1")
    assert (manager.name, manager.role, manager.store) == ("pos-1", Role.STORE_MANAGER, "SH01")
    as_json = KeyRing.parse(
        '[{"name": "audit", "secret": "s3cr3t-s3cr3t-s3cr3t", "role": "auditor"}]'
    )
    assert as_json.find("s3cr3t-s3cr3t-s3cr3t").role is Role.AUDITOR


def test_no_key_is_configured_by_default() -> None:
    assert len(KeyRing.from_environment({})) == 0


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("hq:short:hq_admin", "shorter than 16"),
        ("hq:abcdefghijklmnop1:superuser", "unknown role"),
        ("hq:abcdefghijklmnop1:hq_admin:SH01", "only a store_manager key names a store"),
        ("m:abcdefghijklmnop1:store_manager", "only a store_manager key names a store"),
        ("hq:abcdefghijklmnop1", "name:secret:role"),
        ("a:abcdefghijklmnop1:auditor,a:abcdefghijklmnop2:auditor", "appears twice"),
        ("bad!name:abcdefghijklmnop1:auditor", "not a valid key name"),
        ('[{"name": "x"}]', "expected ["),
    ],
)
def test_a_malformed_key_list_is_refused_with_a_reason(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match="MULTISTORE_API_KEYS") as refusal:
        KeyRing.parse(text)
    assert complaint in str(refusal.value)


def test_a_missing_or_unknown_key_is_401_problem_with_a_bearer_challenge(
    client: TestClient,
) -> None:
    for headers in ({}, {"Authorization": "Bearer not-a-configured-key"}, {"Authorization": "x"}):
        response = client.get("/stores/SH01", headers=headers)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["type"] == "/problems/unauthenticated"


def test_a_store_manager_key_used_as_another_stores_is_still_scoped(client: TestClient) -> None:
    order = place(client, store="HZ01")
    assert client.get(f"/orders/{order['order_id']}", headers=auth("sh01")).status_code == 404
    assert client.get(f"/orders/{order['order_id']}", headers=auth("hz01")).status_code == 200


# One request per permission, made by every role: allowed means neither 401 nor 403.
PROBES: dict[Permission, tuple[str, str, dict[str, object] | None]] = {
    Permission.READ_CHAIN: ("GET", "/catalog/TEA-001", None),
    Permission.MANAGE_CHAIN: ("PUT", "/catalog/TEA-001/price", {"base_price": "13.00"}),
    Permission.READ_STOCK: ("GET", "/stores/SH01/stock/TEA-001", None),
    Permission.READ_AVAILABILITY: ("GET", "/catalog/TEA-001/availability", None),
    Permission.READ_DASHBOARD: ("GET", "/reports/dashboard", None),
    Permission.MANAGE_STOCK: ("POST", "/stores/SH01/stock/TEA-001/receipts", {"quantity": 1}),
    Permission.READ_ORDERS: ("GET", "/orders/{order}", None),
    Permission.PLACE_ORDERS: (
        "POST",
        "/orders",
        {"store": "SH01", "fulfilment": "ship", "lines": [{"sku": "CUP-002", "quantity": 1}]},
    ),
    Permission.FULFIL_ORDERS: ("POST", "/orders/{order}/fulfil", None),
    Permission.READ_TRANSFERS: ("GET", "/transfers/T-9", None),
    Permission.MANAGE_TRANSFERS: (
        "POST",
        "/transfers",
        {"from_store": "HZ01", "to_store": "SH01", "lines": [{"sku": "TEA-001", "quantity": 1}]},
    ),
    Permission.APPROVE_TRANSFERS: ("POST", "/transfers/T-9/approve", None),
    Permission.READ_MEMBERS: ("GET", "/members/M-9", None),
    Permission.ENROL_MEMBERS: ("POST", "/members", {"member_id": "M-8", "home_store": "SH01"}),
    Permission.READ_EVENTS: ("GET", "/events", None),
    Permission.MANAGE_WEBHOOKS: ("GET", "/webhooks", None),
}


def test_every_permission_is_probed() -> None:
    assert set(PROBES) == set(Permission)


@pytest.mark.parametrize("key", ["hq", "auditor", "storefront", "sh01"])
@pytest.mark.parametrize("permission", list(PROBES))
def test_each_role_is_allowed_exactly_its_permissions(
    client: TestClient, key: str, permission: Permission
) -> None:
    order = place(client)["order_id"]
    client.post(
        f"/orders/{order}/pay", json={"amount": "12.50", "payment_ref": "p"}, headers=auth("hq")
    )
    client.post(
        "/transfers",
        json=PROBES[Permission.MANAGE_TRANSFERS][2] | {"transfer_id": "T-9"},
        headers=auth("hq"),
    )
    client.post("/members", json={"member_id": "M-9", "home_store": "SH01"}, headers=auth("hq"))
    method, path, body = PROBES[permission]
    response = client.request(method, path.format(order=order), json=body, headers=auth(key))
    role = Role(KEYS[key][1])
    if permission in GRANTS[role]:
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 300, response.text
    else:
        assert response.status_code == 403, response.text
