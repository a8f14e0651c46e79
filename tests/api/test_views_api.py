"""Listings, availability, alerts and dashboard figures read from the views."""

from __future__ import annotations

from decimal import Decimal

from api_helpers import auth, place
from fastapi.testclient import TestClient

from multistore_core import MultiStore
from projections.runner import Runner


def test_a_read_after_a_write_sees_the_write(client: TestClient, following: Runner) -> None:
    order = client.post(
        "/orders",
        json={
            "store": "SH01",
            "fulfilment": "pickup",
            "lines": [{"sku": "TEA-001", "quantity": 3}],
        },
        headers=auth("sh01"),
    )
    after = order.headers["X-Log-Position"]
    stock = client.get(f"/stores/SH01/stock?after={after}", headers=auth("sh01"))
    assert stock.status_code == 200
    tea = next(row for row in stock.json() if row["sku"] == "TEA-001")
    assert (tea["on_hand"], tea["reserved"], tea["available"]) == (10, 3, 7)


def test_views_that_cannot_catch_up_in_time_answer_503(
    client: TestClient, chain: MultiStore
) -> None:
    place(client)
    after = chain.log_position()
    response = client.get(f"/stores/SH01/stock?after={after}&wait=0", headers=auth("hq"))
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/views-behind"
    assert response.headers["Retry-After"] == "1"


def test_reading_after_a_position_beyond_the_log_head_is_refused_at_once(
    client: TestClient, chain: MultiStore
) -> None:
    beyond = chain.log_position() + 1
    response = client.get(f"/orders?after={beyond}&wait=30", headers=auth("hq"))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "after", "in": "query", "message": f"beyond the log head {beyond - 1}"}
    ]


def test_availability_lists_every_store_and_is_closed_to_store_managers(
    client: TestClient, runner: Runner
) -> None:
    place(client, store="HZ01", quantity=4)
    runner.catch_up()
    response = client.get("/catalog/TEA-001/availability", headers=auth("storefront"))
    assert response.status_code == 200
    body = response.json()
    assert body["available"] == 16
    assert [(row["store"], row["available"]) for row in body["stores"]] == [
        ("SH01", 10),
        ("HZ01", 6),
    ]
    assert client.get("/catalog/TEA-001/availability", headers=auth("sh01")).status_code == 403


def test_orders_are_listed_by_store_and_status_a_page_at_a_time(
    client: TestClient, runner: Runner
) -> None:
    placed = [place(client, store="SH01")["order_id"] for _ in range(3)]
    place(client, store="HZ01")
    client.post(f"/orders/{placed[0]}/cancel", headers=auth("hq"))
    runner.catch_up()
    first = client.get("/orders?store=SH01&page_size=2", headers=auth("auditor")).json()
    second = client.get("/orders?store=SH01&page_size=2&page=2", headers=auth("auditor")).json()
    assert first["total"] == second["total"] == 3
    listed = [o["order_id"] for o in first["items"] + second["items"]]
    assert sorted(listed) == sorted(placed)
    cancelled = client.get("/orders?status=cancelled", headers=auth("hq")).json()
    assert [o["order_id"] for o in cancelled["items"]] == [placed[0]]
    bad = client.get("/orders?status=lost&page=0", headers=auth("hq"))
    assert bad.status_code == 422
    assert {(e["field"], e["in"]) for e in bad.json()["errors"]} == {
        ("status", "query"),
        ("page", "query"),
    }


def test_a_store_manager_lists_only_their_stores_orders(client: TestClient, runner: Runner) -> None:
    mine = place(client, store="SH01")["order_id"]
    place(client, store="HZ01")
    runner.catch_up()
    listed = client.get("/orders", headers=auth("sh01")).json()
    assert [o["order_id"] for o in listed["items"]] == [mine]
    assert client.get("/orders?store=HZ01", headers=auth("sh01")).status_code == 403
    assert client.get("/stores/HZ01/stock", headers=auth("sh01")).status_code == 403


def test_low_stock_alerts_follow_safety_stock(client: TestClient, runner: Runner) -> None:
    client.put("/stores/SH01/stock/TEA-001/safety-stock", json={"quantity": 8}, headers=auth("hq"))
    client.put("/stores/HZ01/stock/TEA-001/safety-stock", json={"quantity": 8}, headers=auth("hq"))
    place(client, store="SH01", quantity=5)
    place(client, store="HZ01", quantity=5)
    runner.catch_up()
    alerts = client.get("/alerts/low-stock", headers=auth("hq")).json()
    assert {(a["store"], a["sku"], a["available"]) for a in alerts} == {
        ("SH01", "TEA-001", 5),
        ("HZ01", "TEA-001", 5),
    }
    mine = client.get("/alerts/low-stock", headers=auth("sh01")).json()
    assert [a["store"] for a in mine] == ["SH01"]
    assert client.get("/alerts/low-stock", headers=auth("storefront")).status_code == 403


def test_the_dashboard_sums_sales_and_ranks_skus_within_the_callers_scope(
    client: TestClient, runner: Runner
) -> None:
    place(client, store="SH01", quantity=2)
    place(client, store="HZ01", quantity=1)
    runner.catch_up()
    everything = client.get("/reports/dashboard", headers=auth("hq")).json()
    assert everything["totals"]["orders"] == 2
    assert Decimal(everything["totals"]["gmv"]) == Decimal("37.50")
    assert everything["top_by_units"][0] == {"sku": "TEA-001", "units": 3, "revenue": "37.50"}
    assert len(everything["by_hour"]) == 1
    franchise = client.get("/reports/dashboard?store_kind=franchise", headers=auth("auditor"))
    assert franchise.json()["totals"]["orders"] == 1
    mine = client.get("/reports/dashboard", headers=auth("sh01")).json()
    assert Decimal(mine["totals"]["gmv"]) == Decimal("25.00")
    assert client.get("/reports/dashboard", headers=auth("storefront")).status_code == 403
    wrong = client.get("/reports/dashboard?store_kind=kiosk", headers=auth("hq"))
    assert wrong.json()["errors"][0]["field"] == "store_kind"


def test_transfers_in_flight_are_listed_for_the_stores_involved(
    client: TestClient, runner: Runner
) -> None:
    transfer = {
        "transfer_id": "T-1",
        "from_store": "HZ01",
        "to_store": "SH01",
        "lines": [{"sku": "TEA-001", "quantity": 2}],
    }
    client.post("/transfers", json=transfer, headers=auth("hq"))
    runner.catch_up()
    assert [t["transfer_id"] for t in client.get("/transfers", headers=auth("sh01")).json()] == [
        "T-1"
    ]
    assert client.get("/transfers?store=GZ01", headers=auth("sh01")).status_code == 403


def test_revenue_share_is_reported_for_joint_ventures(client: TestClient, runner: Runner) -> None:
    store = {
        "code": "JV01",
        "name": "Joint venture",
        "region": "east",
        "kind": "joint_venture",
        "latitude": 31.2,
        "longitude": 121.5,
        "hq_revenue_share": "0.3",
    }
    client.post("/stores", json=store, headers=auth("hq"))
    client.post("/stores/JV01/stock/CUP-002/receipts", json={"quantity": 5}, headers=auth("hq"))
    order = client.post(
        "/orders",
        json={"store": "JV01", "fulfilment": "ship", "lines": [{"sku": "CUP-002", "quantity": 2}]},
        headers=auth("hq"),
    ).json()
    ref = order["order_id"]
    client.post(
        f"/orders/{ref}/pay",
        json={"amount": order["total"], "payment_ref": "p"},
        headers=auth("hq"),
    )
    client.post(f"/orders/{ref}/fulfil", headers=auth("hq"))
    client.post(f"/orders/{ref}/complete", headers=auth("hq"))
    runner.catch_up()
    shares = client.get("/reports/revenue-share?by=month", headers=auth("auditor")).json()
    assert [(s["store"], s["completed"], s["hq_share"]) for s in shares] == [
        ("JV01", "60.00", "18.00")
    ]
