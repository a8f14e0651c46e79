"""Transfers and points on SQLite and PostgreSQL: stored, reloaded by a new application, queried."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from multistore_core import MultiStore, Settings
from multistore_core.commands import (
    ApproveTransfer,
    CompleteOrder,
    EnrolMember,
    FulfilOrder,
    GrantPoints,
    OrderLine,
    PayOrder,
    PlaceOrder,
    ReceivedLine,
    ReceiveTransfer,
    RequestTransfer,
    SetSafetyStock,
    ShipTransfer,
)
from multistore_core.results import SettlementLine, TransferSuggestion
from support import FakeClock, build_chain


def test_a_transfer_and_points_survive_a_restart_and_feed_the_queries(
    database_url: str, clock: FakeClock
) -> None:
    app = MultiStore(Settings(database_url=database_url), clock=clock)
    build_chain(app)
    start = clock.now
    app.request_transfer(
        RequestTransfer(
            transfer_id="T-1", from_store="SH01", to_store="HZ01",
            lines=[OrderLine(sku="TEA-001", quantity=4)],
        )
    )  # fmt: skip
    app.approve_transfer(ApproveTransfer(transfer_id="T-1"))
    app.ship_transfer(ShipTransfer(transfer_id="T-1"))
    app.receive_transfer(
        ReceiveTransfer(
            transfer_id="T-1", lines=[ReceivedLine(sku="TEA-001", quantity=3)], reason="crushed"
        )
    )
    app.set_safety_stock(SetSafetyStock(store="SH01", sku="CUP-002", quantity=20))
    app.enrol_member(EnrolMember(member_id="M-1", home_store="SH01"))
    app.grant_points(
        GrantPoints(member_id="M-1", store="SH01", points=300, reference="g", reason="opening")
    )
    app.place_order(
        PlaceOrder(
            order_id="A-1", store="HZ01", fulfilment="pickup", member_id="M-1", points=200,
            lines=[OrderLine(sku="CUP-002", quantity=1)],
        )
    )  # fmt: skip
    app.pay_order(PayOrder(order_id="A-1", amount=Decimal("28.00"), payment_ref="p"))
    app.fulfil_order(FulfilOrder(order_id="A-1"))
    app.complete_order(CompleteOrder(order_id="A-1"))

    reopened = MultiStore(Settings(database_url=database_url), clock=clock)
    assert reopened.transfer_summary("T-1").status == "received"
    assert reopened.get_transfer("T-1").discrepancy() == {"TEA-001": 1}
    hz = reopened.stock_level("HZ01", "TEA-001")
    assert (hz.on_hand, hz.incoming) == (13, 0)
    member = reopened.member_summary("M-1")
    assert (member.balance, member.growth) == (300 - 200 + 28, 28)
    assert reopened.suggest_transfers() == [
        TransferSuggestion("CUP-002", "HZ01", "SH01", "east", 4)
    ]
    assert reopened.points_settlement(start, clock.now + timedelta(seconds=1)) == [
        SettlementLine("SH01", "HZ01", 200, Decimal("2.00"))
    ]
    clock.advance(days=366)
    assert reopened.expire_points().expired == {"M-1": 128}
    assert MultiStore(Settings(database_url=database_url)).get_member("M-1").balance == 0
