"""The problem+json error format, and the health and readiness probes."""

from __future__ import annotations

import pytest
from api_helpers import auth, key_ring
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import field_name
from multistore_core import MultiStore
from projections.queries import ViewQueries
from projections.runner import Runner


def test_field_names_read_like_the_core_errors() -> None:
    assert field_name(("lines", 0, "sku")) == "lines[0].sku"
    assert field_name(("amount",)) == "amount"
    assert field_name(()) == ""


def test_a_problem_names_its_type_status_and_instance(client: TestClient) -> None:
    response = client.get("/orders/NOPE-7", headers=auth("hq"))
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/not-found",
        "title": "Not found",
        "status": 404,
        "detail": "no order 'NOPE-7'",
        "instance": "/orders/NOPE-7",
        "field": "order_id",
    }


def test_malformed_json_is_422_problem(client: TestClient) -> None:
    response = client.post(
        "/orders",
        content=b"{not json",
        headers=auth("hq") | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"


def test_unknown_routes_and_methods_are_problems(client: TestClient) -> None:
    assert client.get("/nowhere").json()["status"] == 404
    wrong = client.delete("/orders", headers=auth("hq"))
    assert wrong.status_code == 405
    assert wrong.headers["Content-Type"] == "application/problem+json"


def test_an_unexpected_failure_is_a_500_problem_without_details(
    chain: MultiStore, views: ViewQueries, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(code: str) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(chain, "get_store", broken)
    client = TestClient(create_app(chain, key_ring(), views), raise_server_exceptions=False)
    response = client.get("/stores/SH01", headers=auth("hq"))
    assert response.status_code == 500
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "secret" not in response.text


def test_healthz_answers_without_a_key(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_the_log_position_and_each_views_lag(
    client: TestClient, chain: MultiStore, runner: Runner
) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["log_position"] == chain.log_position()
    assert {v["behind"] for v in ready.json()["views"]} == {chain.log_position()}
    runner.catch_up()
    caught_up = client.get("/readyz").json()["views"]
    assert {v["behind"] for v in caught_up} == {0}
    assert {v["name"] for v in caught_up} >= {"stock", "sales"}


def test_readyz_is_503_when_the_event_store_fails(
    chain: MultiStore, views: ViewQueries, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable() -> int:
        raise ConnectionError("down")

    monkeypatch.setattr(chain, "log_position", unreachable)
    response = TestClient(create_app(chain, key_ring(), views)).get("/readyz")
    assert response.status_code == 503
    assert response.json()["event_store"] == "unreachable: ConnectionError"


def test_the_openapi_schema_documents_every_router(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/orders", "/stores/{store}/stock/{sku}/receipts", "/transfers", "/members"):
        assert path in paths
