"""On PostgreSQL: racing redemptions never overdraw a member; racing shipments never oversell."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from multistore_core import MultiStore, Settings
from multistore_core.commands import (
    ApproveTransfer,
    EnrolMember,
    GrantPoints,
    OrderLine,
    PlaceOrder,
    RequestTransfer,
    ShipTransfer,
)
from multistore_core.errors import InsufficientPoints, InsufficientStock
from multistore_core.ids import member_id, stock_item_id
from support import build_chain, run_threads

pytestmark = pytest.mark.postgres
THREADS = 8


def chain_on(url: str) -> MultiStore:
    app = MultiStore(Settings(database_url=url, conflict_retries=50))
    build_chain(app, stock=100)
    return app


def test_redemptions_of_one_members_points_from_eight_threads_never_overdraw(
    postgres_url: str,
) -> None:
    app = chain_on(postgres_url)
    app.enrol_member(EnrolMember(member_id="M-1", home_store="SH01"))
    app.grant_points(
        GrantPoints(member_id="M-1", store="SH01", points=1000, reference="open", reason="opening")
    )
    accepted: set[str] = set()
    refused = Counter[int]()
    lock = threading.Lock()

    def shopper(index: int) -> None:
        for n in range(3):
            ref = f"R{index}-{n}"
            try:
                app.place_order(
                    PlaceOrder(
                        order_id=ref, store=("SH01", "HZ01")[index % 2], fulfilment="pickup",
                        member_id="M-1", points=150, lines=[OrderLine(sku="CUP-002", quantity=1)],
                    )
                )  # fmt: skip
            except InsufficientPoints:
                with lock:
                    refused[index] += 1
            else:
                with lock:
                    accepted.add(ref)

    run_threads(shopper, THREADS)

    redeemed = Counter[str]()
    for event in app.events.get(member_id("M-1")):
        if type(event).__name__ == "PointsRedeemed":
            redeemed[event.order_ref] += event.points  # type: ignore[attr-defined]
    assert set(redeemed) == accepted
    assert all(points == 150 for points in redeemed.values())
    assert len(accepted) == 1000 // 150, "every redemption the balance covered went through"
    assert app.member_summary("M-1").balance == 1000 - 150 * len(accepted) >= 0
    assert sum(refused.values()) == THREADS * 3 - len(accepted)
    reserved = sum(app.stock_level(store, "CUP-002").reserved for store in ("SH01", "HZ01"))
    assert reserved == len(accepted)
    assert all(app.order_summary(ref).points_used == 150 for ref in accepted)


def test_racing_shipments_and_orders_from_one_stores_sku_never_oversell(
    postgres_url: str,
) -> None:
    app = chain_on(postgres_url)
    stock = 40
    app.place_order(
        PlaceOrder(
            order_id="SETUP", store="SH01", fulfilment="pickup",
            lines=[OrderLine(sku="TEA-001", quantity=100 - stock)],
        )
    )  # fmt: skip
    for index in range(THREADS):
        app.request_transfer(
            RequestTransfer(
                transfer_id=f"T-{index}", from_store="SH01", to_store="HZ01",
                lines=[OrderLine(sku="TEA-001", quantity=4)],
            )
        )  # fmt: skip
        app.approve_transfer(ApproveTransfer(transfer_id=f"T-{index}"))
    shipped: set[str] = set()
    ordered: dict[str, int] = {}
    lock = threading.Lock()

    def worker(index: int) -> None:
        try:
            app.ship_transfer(ShipTransfer(transfer_id=f"T-{index}"))
        except InsufficientStock:
            pass
        else:
            with lock:
                shipped.add(f"T-{index}")
        for n in range(2):
            ref = f"O{index}-{n}"
            try:
                app.place_order(
                    PlaceOrder(
                        order_id=ref, store="SH01", fulfilment="pickup",
                        lines=[OrderLine(sku="TEA-001", quantity=2)],
                    )
                )  # fmt: skip
            except InsufficientStock:
                continue
            with lock:
                ordered[ref] = 2

    run_threads(worker, THREADS)

    on_hand = reserved = 0
    out: dict[str, int] = {}
    holds: dict[str, int] = {}
    for event in app.events.get(stock_item_id("SH01", "TEA-001")):
        name, data = type(event).__name__, event.__dict__
        if name == "Received":
            on_hand += data["quantity"]
        elif name == "TransferredOut":
            on_hand -= data["quantity"]
            out[data["transfer_id"]] = data["quantity"]
        elif name == "Reserved":
            reserved += data["quantity"]
            holds[data["order_id"]] = data["quantity"]
        else:
            assert name == "Opened", name
        assert 0 <= reserved <= on_hand, f"oversold at version {event.originator_version}"
    holds.pop("SETUP")
    assert set(out) == shipped and holds == ordered
    assert 4 * len(shipped) + 2 * len(ordered) <= stock
    assert 4 * len(shipped) + 2 * len(ordered) > stock - 4, "demand exceeded stock: it all went"
    level = app.stock_level("SH01", "TEA-001")
    assert level.available == stock - 4 * len(shipped) - 2 * len(ordered)
    assert app.stock_level("HZ01", "TEA-001").incoming == 4 * len(shipped)
