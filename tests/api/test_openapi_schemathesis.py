"""Schemathesis against the live OpenAPI schema: no 5xx, and every response as documented.

Every operation gets generated requests (examples, coverage and fuzzing phases, 15 fuzzed cases
each, derandomized) under an HQ key and under SH01's store manager key, against the app over a
small chain with orders, transfers, a member and a webhook in known states.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import schemathesis
from api_helpers import KEYS, auth, key_ring
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from integration.public import EVENT_TYPES
from multistore_core import MultiStore, Settings
from projections.database import ViewStore
from projections.queries import ViewQueries
from projections.runner import Runner
from projections.settings import MEMORY_VIEWS_URL
from support import build_chain

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MANAGER = "sh01"
MANAGER_STORE = KEYS[MANAGER][2]
# Known ids and names, used for half of the generated values of these parameters so that calls
# reach real records, not only 404s.
KNOWN = {
    "stores": ["SH01", "HZ01"],
    "skus": ["TEA-001", "CUP-002"],
    "orders": ["ORD-PLACED", "ORD-PAID", "ORD-FULFILLED", "ORD-COMPLETED", "ORD-HZ01"],
    "transfers": ["TRF-REQUESTED", "TRF-APPROVED"],
    "members": ["M001"],
    "event_types": list(EVENT_TYPES),
}
BINDINGS = {
    "stores": ["path.code", "path.store", "query.store", "body.store", "body.home_store"]
    + ["body.from_store", "body.to_store"],
    "skus": ["path.sku", "body.lines[*].sku"],
    "orders": ["path.order_id"],
    "transfers": ["path.transfer_id"],
    "members": ["path.member_id", "body.member_id"],
    "webhooks": ["path.subscription_id"],
    "event_types": ["path.event_type"],
}
# Long polls (`GET /events?wait=`) wait for events that no generated call brings: bounded.
MAX_WAIT = 0.05


def configuration(webhooks: list[str]) -> schemathesis.Config:
    dictionaries = KNOWN | {"webhooks": webhooks}
    return schemathesis.Config.from_dict(
        {
            "seed": 20261101,
            "generation": {"max-examples": 15, "deterministic": True, "database": "none"},
            # Stateful runs need OpenAPI links between operations, which the schema has none of.
            "phases": {"stateful": {"enabled": False}},
            # Constants found in the loaded modules vary with the tests selected: not reproducible.
            "analysis": {"constants": {"enabled": False}},
            "dictionaries": {name: {"values": values} for name, values in dictionaries.items()},
            "parameters": {
                parameter: {"dictionary": name, "probability": 0.5}
                for name, parameters in BINDINGS.items()
                for parameter in parameters
            },
        }
    )


def build_records(client: TestClient) -> list[str]:
    """Orders in each state, transfers, a member and a webhook; the webhook ids."""
    hq = auth("hq")
    sent = [
        ("POST", "/members", {"member_id": "M001", "home_store": "SH01"}),
        ("POST", "/transfers", transfer("TRF-REQUESTED")),
        ("POST", "/transfers", transfer("TRF-APPROVED")),
        ("POST", "/transfers/TRF-APPROVED/approve", None),
    ]
    for method, path, body in sent:
        response = client.request(method, path, json=body, headers=hq)
        assert response.status_code < 300, response.text
    steps = {"ORD-PLACED": [], "ORD-PAID": ["pay"], "ORD-FULFILLED": ["pay", "fulfil"]}
    steps |= {"ORD-COMPLETED": ["pay", "fulfil", "complete"], "ORD-HZ01": []}
    for order_id, actions in steps.items():
        store = "HZ01" if order_id.endswith("HZ01") else "SH01"
        lines = [{"sku": "TEA-001", "quantity": 1}]
        body = {"order_id": order_id, "store": store, "fulfilment": "pickup", "lines": lines}
        placed = client.post("/orders", json=body, headers=hq)
        assert placed.status_code == 201, placed.text
        for action in actions:
            pay = {"amount": placed.json()["total"], "payment_ref": f"PAY-{order_id}"}
            done = client.post(
                f"/orders/{order_id}/{action}", json=pay if action == "pay" else None, headers=hq
            )
            assert done.status_code == 200, done.text
    hook = {"url": "http://127.0.0.1:9/hook", "types": ["order.placed"]}
    created = client.post("/webhooks", json=hook, headers=hq)
    assert created.status_code == 201, created.text
    return [created.json()["id"]]


def transfer(transfer_id: str) -> dict[str, object]:
    lines = [{"sku": "CUP-002", "quantity": 2}]
    return {"transfer_id": transfer_id, "from_store": "SH01", "to_store": "HZ01", "lines": lines}


@dataclass
class World:
    """The API over the test chain, its views runner and the webhook ids it holds."""

    app: FastAPI
    runner: Runner
    webhooks: list[str]


def build_world() -> World:
    multistore = MultiStore(Settings(database_url="memory://"))
    build_chain(multistore)
    runner = Runner(multistore, ViewStore(MEMORY_VIEWS_URL))
    app = create_app(multistore, key_ring(), ViewQueries(runner.views, multistore.log_position))
    return World(app, runner, build_records(TestClient(app)))


WORLD = build_world()
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", WORLD.app, config=configuration(WORLD.webhooks)
)


def bound_waits(case: schemathesis.Case) -> None:
    """Long polls end at once, and the live stream after its first snapshot."""
    if case.query is None:
        return
    if seconds(case.query.get("wait")) > MAX_WAIT:
        case.query["wait"] = MAX_WAIT
    if case.operation.path == "/dashboard/stream":
        case.query["max_events"] = 1


def seconds(value: object) -> float:
    """A generated ``wait`` as a number (query values may come as strings); 0 if not one."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def own_store_only(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """A store manager's answers hold no record of another store (transfers: from or to it)."""
    if response.status_code < 300 and response.headers.get("content-type") == ["application/json"]:
        foreign = list(foreign_records(response.json()))
        assert not foreign, f"{MANAGER_STORE}'s manager was shown {foreign[0]}"


def foreign_records(value: Any) -> Iterator[dict[str, Any]]:
    """Records naming stores, none of them the manager's; a record's own parts are not searched."""
    if isinstance(value, list):
        for item in value:
            yield from foreign_records(item)
    elif isinstance(value, dict):
        stores = named_stores(value)
        if stores and MANAGER_STORE not in stores:
            yield value
        elif not stores:
            for child in value.values():
                yield from foreign_records(child)


def named_stores(record: dict[str, Any]) -> set[str]:
    names = [record.get(key) for key in ("store", "from_store", "to_store")]
    names += record.get("stores") or []
    data = record.get("data")
    found = {name for name in names if isinstance(name, str)}
    return (found | named_stores(data)) if isinstance(data, dict) else found


def call_and_validate(case: schemathesis.Case, key: str) -> None:
    WORLD.runner.catch_up()
    bound_waits(case)
    checks = CHECKS + [own_store_only] if key == MANAGER else CHECKS
    case.call_and_validate(headers=auth(key), checks=checks)


@schema.parametrize()
def test_every_operation_answers_an_hq_admin_as_documented(case: schemathesis.Case) -> None:
    call_and_validate(case, "hq")


@schema.parametrize()
def test_every_operation_answers_a_store_manager_as_documented_within_its_store(
    case: schemathesis.Case,
) -> None:
    call_and_validate(case, MANAGER)
