"""The OpenAPI document declares every error as a problem document, and answers match it."""

from __future__ import annotations

from typing import Any

from api_helpers import auth, place
from fastapi.testclient import TestClient

from api.errors import PROBLEM_JSON
from projections.runner import Runner

PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_error_response_is_documented_as_a_problem_document(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    errors = {
        (name, status): response["content"]
        for name, operation in operations(document)
        for status, response in operation["responses"].items()
        if status >= "400" and name != "GET /readyz"
    }
    assert len(errors) > 100
    assert {name: content for name, content in errors.items() if content != PROBLEM} == {}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert {"type", "title", "status", "detail", "instance"} <= set(
        document["components"]["schemas"]["Problem"]["required"]
    )


def test_every_operation_that_takes_a_key_documents_401_and_403(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    keyed = [(name, op) for name, op in operations(document) if op.get("security")]
    assert len(keyed) > 40
    assert [name for name, op in keyed if not {"401", "403"} <= set(op["responses"])] == []


def test_a_body_that_cannot_be_parsed_is_invalid_input_naming_the_body(
    client: TestClient,
) -> None:
    response = client.post(
        "/orders",
        content=b"\xd6\x04",
        headers=auth("hq") | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert [(e["field"], e["in"]) for e in response.json()["errors"]] == [("", "body")]


def test_durations_are_numbers_of_seconds(client: TestClient, runner: Runner) -> None:
    client.put("/stores/SH01/stock/TEA-001/safety-stock", json={"quantity": 8}, headers=auth("hq"))
    place(client, store="SH01", quantity=5)
    runner.catch_up()
    [alert] = client.get("/alerts/low-stock", headers=auth("hq")).json()
    lags = client.get("/readyz").json()["views"]
    assert isinstance(alert["below_for"], float) and alert["below_for"] >= 0
    assert all(isinstance(lag["commit_to_view"], float) for lag in lags)
