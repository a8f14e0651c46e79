"""The dashboard page and its event stream: sign-in by key or cookie, scope, and snapshots."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from api_helpers import KEYS, auth, place
from fastapi.testclient import TestClient

from api.routes import dashboard
from projections.runner import Runner


def read_snapshots(client: TestClient, url: str, **kwargs: object) -> list[dict[str, object]]:
    """The snapshot events of a stream asked to stop after a few (``max_events``)."""
    with client.stream("GET", url, **kwargs) as stream:  # type: ignore[arg-type]
        assert stream.status_code == 200, stream.read()
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        text = stream.read().decode()
    events = [block for block in text.split("\n\n") if block.startswith("event: snapshot")]
    return [json.loads(block.split("data: ", 1)[1]) for block in events]


def test_the_page_without_a_key_asks_for_one(client: TestClient) -> None:
    response = client.get("/dashboard")
    assert response.status_code == 401
    assert "<body data-signed-out>" in response.text
    assert 'name="key"' in response.text


def test_a_key_in_the_address_becomes_an_http_only_cookie_for_the_dashboard_only(
    client: TestClient,
) -> None:
    response = client.get(f"/dashboard?key={KEYS['hq'][0]}&region=east", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/dashboard?region=east"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Path=/dashboard" in cookie and "SameSite=strict" in cookie
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "<body data-signed-in>" in page.text
    assert client.get("/orders/X").status_code == 401  # the cookie opens no other endpoint


def test_a_wrong_key_or_a_role_without_the_dashboard_is_refused(client: TestClient) -> None:
    assert client.get("/dashboard?key=wrong-key-1234567890").status_code == 401
    storefront = client.get("/dashboard/snapshot", headers=auth("storefront"))
    assert storefront.status_code == 403
    assert client.get("/dashboard/stream?max_events=1").status_code == 401


def test_the_stream_sends_a_snapshot_of_kpis_alerts_and_latest_orders(
    client: TestClient, runner: Runner
) -> None:
    client.put("/stores/SH01/stock/TEA-001/safety-stock", json={"quantity": 9}, headers=auth("hq"))
    order = place(client, store="SH01", quantity=2)
    place(client, store="HZ01", quantity=1)
    runner.catch_up()
    [snapshot] = read_snapshots(client, f"/dashboard/stream?max_events=1&key={KEYS['auditor'][0]}")
    assert snapshot["scope"] is None
    assert snapshot["behind"] == 0
    assert snapshot["dashboard"]["totals"]["orders"] == 2  # type: ignore[index]
    assert [a["sku"] for a in snapshot["low_stock"]] == ["TEA-001"]  # type: ignore[attr-defined]
    assert order["order_id"] in [o["order_id"] for o in snapshot["latest_orders"]]  # type: ignore[attr-defined]


def test_a_store_managers_stream_shows_their_store_only(client: TestClient, runner: Runner) -> None:
    place(client, store="SH01", quantity=2)
    place(client, store="HZ01", quantity=1)
    runner.catch_up()
    [snapshot] = read_snapshots(client, "/dashboard/stream?max_events=1", headers=auth("sh01"))
    assert snapshot["scope"] == "SH01"
    assert snapshot["dashboard"]["totals"]["gmv"] == "25.00"  # type: ignore[index]
    assert {o["store"] for o in snapshot["latest_orders"]} == {"SH01"}  # type: ignore[attr-defined]
    other = client.get("/dashboard/stream?store=HZ01&max_events=1", headers=auth("sh01"))
    assert other.status_code == 403


def test_the_stream_sends_a_new_snapshot_when_an_order_arrives(
    client: TestClient, following: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[dict[str, object]] = []
    first_taken = threading.Event()
    take_snapshot = dashboard.snapshot

    def snapshot_then_signal(*args: Any) -> object:
        taken = take_snapshot(*args)
        first_taken.set()
        return taken

    monkeypatch.setattr(dashboard, "snapshot", snapshot_then_signal)

    def listen() -> None:
        url = "/dashboard/stream?max_events=2"
        received.extend(read_snapshots(client, url, headers=auth("hq")))

    listener = threading.Thread(target=listen)
    listener.start()
    assert first_taken.wait(timeout=20)  # the first snapshot is the chain before the order
    place(client, quantity=3)
    listener.join(timeout=20)
    assert not listener.is_alive()
    orders = [s["dashboard"]["totals"]["orders"] for s in received]  # type: ignore[index]
    assert orders == [0, 1]


def test_filters_by_region_and_store_kind(client: TestClient, runner: Runner) -> None:
    place(client, store="SH01")
    place(client, store="HZ01")
    runner.catch_up()
    franchise = client.get("/dashboard/snapshot?store_kind=franchise", headers=auth("hq")).json()
    assert franchise["dashboard"]["totals"]["orders"] == 1
    north = client.get("/dashboard/snapshot?region=north", headers=auth("hq")).json()
    assert north["dashboard"]["totals"]["orders"] == 0
