"""GET /events: pages in log order, type filters, store scope, long-polling; the schemas."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from api_helpers import auth, place
from fastapi.testclient import TestClient

from integration.public import EVENT_TYPES
from integration_support import full_history
from multistore_core import MultiStore
from multistore_core import commands as c
from support import FakeClock


@pytest.fixture
def history(chain: MultiStore, clock: FakeClock) -> MultiStore:
    full_history(chain, clock)
    return chain


def read_all(client: TestClient, key: str, **params: object) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        response = client.get(
            "/events", params={"after": after, "limit": 4, **params}, headers=auth(key)
        )
        assert response.status_code == 200, response.text
        page = response.json()
        events.extend(page["events"])
        if not page["events"]:
            return events
        after = page["next"]


def test_pages_follow_the_log_in_order_and_say_where_to_go_on(
    client: TestClient, history: MultiStore
) -> None:
    first = client.get("/events", params={"limit": 3}, headers=auth("hq")).json()
    assert [e["type"] for e in first["events"]] == ["stock.received"] * 3
    assert first["next"] == first["events"][-1]["id"] and first["head"] == history.log_position()
    events = read_all(client, "hq")
    ids = [e["id"] for e in events]
    assert ids == sorted(set(ids)) and ids[:3] == [e["id"] for e in first["events"]]
    assert {e["type"] for e in events} == set(EVENT_TYPES)


def test_types_filter_by_comma_list_or_repeated_parameter(
    client: TestClient, history: MultiStore
) -> None:
    comma = read_all(client, "hq", types="order.paid,order.completed")
    assert [e["type"] for e in comma] == ["order.paid", "order.completed"]
    repeated = client.get(
        "/events?types=order.paid&types=order.completed", headers=auth("hq")
    ).json()["events"]
    assert repeated == comma


def test_an_unknown_event_type_is_refused_naming_the_parameter(
    client: TestClient, history: MultiStore
) -> None:
    response = client.get(
        "/events", params={"types": "order.paid,order.teleported"}, headers=auth("hq")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    error = response.json()["errors"][0]
    assert error["field"] == "types" and error["in"] == "query"
    assert "order.teleported" in error["message"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"after": -1}, {"wait": 31}])
def test_out_of_range_paging_parameters_are_refused(
    client: TestClient, params: dict[str, int]
) -> None:
    response = client.get("/events", params=params, headers=auth("hq"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == next(iter(params))


def test_a_store_managers_key_reads_only_its_stores_events(
    client: TestClient, history: MultiStore
) -> None:
    mine = read_all(client, "sh01")
    everyone = read_all(client, "hq")

    def concerns_sh01(event: dict[str, Any]) -> bool:
        transfer = (event["data"].get("from_store"), event["data"].get("to_store"))
        return event["store"] == "SH01" or "SH01" in transfer

    assert mine == [event for event in everyone if concerns_sh01(event)]
    assert 0 < len(mine) < len(everyone)
    shipped = next(e for e in mine if e["type"] == "transfer.shipped")
    assert shipped["store"] == "HZ01"


def test_a_store_manager_asking_for_another_store_is_forbidden(
    client: TestClient, history: MultiStore
) -> None:
    response = client.get("/events", params={"store": "HZ01"}, headers=auth("sh01"))
    assert response.status_code == 403
    assert client.get("/events", params={"store": "HZ01"}, headers=auth("hq")).status_code == 200


def test_the_feed_needs_a_key(client: TestClient) -> None:
    assert client.get("/events").status_code == 401


def test_a_long_poll_returns_an_event_written_while_it_waits(
    client: TestClient, chain: MultiStore
) -> None:
    head = chain.log_position()

    def receive_later() -> None:
        time.sleep(0.3)
        chain.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=4))

    writer = threading.Thread(target=receive_later)
    writer.start()
    response = client.get("/events", params={"after": head, "wait": 10}, headers=auth("sh01"))
    writer.join()
    events = response.json()["events"]
    assert [(e["type"], e["data"]["quantity"]) for e in events] == [("stock.received", 4)]
    assert response.json()["next"] == head + 1


def test_a_long_poll_with_nothing_new_answers_empty_at_the_head_when_the_wait_ends(
    client: TestClient, chain: MultiStore
) -> None:
    head = chain.log_position()
    place(client, store="HZ01")
    response = client.get("/events", params={"after": head, "wait": 0.3}, headers=auth("sh01"))
    assert response.status_code == 200
    assert response.json() == {
        "events": [],
        "next": chain.log_position(),
        "head": chain.log_position(),
    }


def test_event_types_and_their_json_schemas_are_published(client: TestClient) -> None:
    types = client.get("/events/types").json()
    assert [t["type"] for t in types] == list(EVENT_TYPES)
    reserved = next(t for t in types if t["type"] == "stock.reserved")
    response = client.get(reserved["schema_url"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/schema+json"
    schema = response.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["type"]["const"] == "stock.reserved"
    assert schema["properties"]["version"]["const"] == reserved["version"] == 1


def test_an_unknown_event_types_schema_is_not_found(client: TestClient) -> None:
    response = client.get("/events/schemas/stock.teleported")
    assert response.status_code == 404
    assert response.json()["field"] == "event_type"
