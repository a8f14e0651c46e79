"""Verify names the rule, event and position of every deliberately bad event written to the log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from multistore_core import MultiStore
from multistore_core import commands as c
from multistore_core.audit.asof import stock_as_of
from multistore_core.audit.verify import verify
from multistore_core.domain.member import MemberAccount
from multistore_core.domain.order import Order
from multistore_core.domain.stock import StockItem
from multistore_core.ids import member_id, order_id, stock_item_id


def forge(app: MultiStore, event_class: Any, aggregate_id: UUID, **fields: Any) -> int:
    """Write an event straight into the store, bypassing the aggregate; return its position."""
    version = app.repository.get(aggregate_id).version
    event = event_class(
        originator_id=aggregate_id,
        originator_version=version + 1,
        timestamp=app.clock(),
        meta={"actor": "mallory", "command": None},
        **fields,
    )
    recordings = app.events.put([event])
    position: int = recordings[-1].notification.id
    return position


def place(app: MultiStore, ref: str = "A-1", quantity: int = 2) -> None:
    app.place_order(
        c.PlaceOrder(
            order_id=ref,
            store="SH01",
            fulfilment="pickup",
            lines=[c.OrderLine(sku="TEA-001", quantity=quantity)],
        )
    )


def only_violation(app: MultiStore) -> Any:
    report = verify(app)
    assert len(report.violations) == 1, report.violations
    return report.violations[0]


TEA = stock_item_id("SH01", "TEA-001")


def test_a_chain_built_through_the_api_has_no_violation(chain: MultiStore) -> None:
    place(chain)
    report = verify(chain)
    assert report.ok
    assert report.events == chain.log_position()


def test_a_reservation_larger_than_on_hand_is_found_and_named(chain: MultiStore) -> None:
    position = forge(chain, StockItem.Reserved, TEA, order_id="A-9", quantity=11)
    violations = verify(chain).violations
    found = [v for v in violations if v.rule == "stock.reserved_within_on_hand"]
    assert len(found) == 1
    assert (found[0].position, found[0].event, found[0].subject) == (
        position,
        "StockItem.Reserved",
        "SH01/TEA-001",
    )
    assert found[0].aggregate_id == TEA
    assert "reserved 11 exceeds on_hand 10" in found[0].message
    assert {v.rule for v in violations} == {
        "stock.reserved_within_on_hand",
        "order.stock_matches_status",
    }


def test_a_sale_without_a_reservation_is_found(chain: MultiStore) -> None:
    position = forge(chain, StockItem.Sold, TEA, order_id="A-9", quantity=3)
    found = [v for v in verify(chain).violations if v.rule == "stock.reservation_honoured"]
    assert [(v.position, v.event) for v in found] == [(position, "StockItem.Sold")]


def test_an_order_reserved_twice_is_found(chain: MultiStore) -> None:
    place(chain)
    position = forge(chain, StockItem.Reserved, TEA, order_id="A-1", quantity=2)
    found = [v for v in verify(chain).violations if v.rule == "order.reserved_once"]
    assert [(v.position, v.event) for v in found] == [(position, "StockItem.Reserved")]


def test_an_order_completed_twice_is_found(chain: MultiStore) -> None:
    place(chain)
    chain.pay_order(c.PayOrder(order_id="A-1", amount=Decimal("25.00"), payment_ref="p"))
    chain.fulfil_order(c.FulfilOrder(order_id="A-1"))
    chain.complete_order(c.CompleteOrder(order_id="A-1"))
    position = forge(chain, Order.Completed, order_id("A-1"))
    violation = only_violation(chain)
    assert (violation.rule, violation.position, violation.subject) == (
        "order.completed_once",
        position,
        "order A-1",
    )


def test_an_illegal_order_transition_is_found(chain: MultiStore) -> None:
    place(chain)
    chain.cancel_order(c.CancelOrder(order_id="A-1"))
    position = forge(chain, Order.Paid, order_id("A-1"), amount=Decimal("25.00"), payment_ref="p")
    violation, then = verify(chain).violations
    assert (violation.rule, violation.position) == ("order.transition", position)
    assert "cancelled -> paid" in violation.message
    assert then.rule == "order.stock_matches_status"
    assert "paid with lines {SH01/TEA-001: 2}" in then.message


def test_a_stocktake_whose_delta_disagrees_with_its_count_breaks_conservation(
    chain: MultiStore,
) -> None:
    position = forge(chain, StockItem.Counted, TEA, counted=7, delta=-2, note=None)
    violation = only_violation(chain)
    assert (violation.rule, violation.position) == ("stock.conserved", position)
    assert "on_hand must become 7" in violation.message


def test_a_receipt_that_does_not_cover_the_shortage_breaks_conservation(
    chain: MultiStore,
) -> None:
    place(chain, quantity=6)
    chain.adjust_stock(c.AdjustStock(store="SH01", sku="TEA-001", reason="stocktake", counted=4))
    position = forge(chain, StockItem.Received, TEA, quantity=5, reference=None, covered_shortage=0)
    violation = only_violation(chain)
    assert (violation.rule, violation.position) == ("stock.conserved", position)


def test_shortage_covered_by_receipts_and_written_off_by_releases_is_conserved(
    chain: MultiStore,
) -> None:
    place(chain, "A-1", quantity=6)
    place(chain, "A-2", quantity=3)
    chain.adjust_stock(c.AdjustStock(store="SH01", sku="TEA-001", reason="stocktake", counted=4))
    chain.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=2))
    chain.cancel_order(c.CancelOrder(order_id="A-1"))
    chain.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=5))
    level = chain.stock_level("SH01", "TEA-001")
    report = verify(chain)
    assert report.ok, report.violations
    assert report.rules_checked["stock.conserved"] >= 9
    assert stock_as_of(chain, "SH01", "TEA-001")[0].on_hand == level.on_hand


def test_a_gap_in_an_aggregates_versions_is_found(chain: MultiStore) -> None:
    version = chain.repository.get(TEA).version
    event = StockItem.Received(
        originator_id=TEA,
        originator_version=version + 2,
        timestamp=chain.clock(),
        meta={},
        quantity=1,
        reference=None,
        covered_shortage=0,
    )
    chain.events.put([event])
    violation = only_violation(chain)
    assert violation.rule == "log.sequence"
    assert violation.subject == "stock SH01/TEA-001"


def test_points_earned_twice_for_one_order_are_found(chain: MultiStore) -> None:
    chain.enrol_member(c.EnrolMember(member_id="M1", home_store="SH01"))
    chain.place_order(
        c.PlaceOrder(
            order_id="A-1",
            store="SH01",
            fulfilment="pickup",
            member_id="M1",
            lines=[c.OrderLine(sku="TEA-001", quantity=2)],
        )
    )
    chain.pay_order(c.PayOrder(order_id="A-1", amount=Decimal("25.00"), payment_ref="p"))
    chain.fulfil_order(c.FulfilOrder(order_id="A-1"))
    chain.complete_order(c.CompleteOrder(order_id="A-1"))
    position = forge(
        chain,
        MemberAccount.PointsEarned,
        member_id("M1"),
        order_ref="A-1",
        store="SH01",
        paid=Decimal("25.00"),
        points=25,
        growth=25,
        multiplier=Decimal(1),
        expires_at=chain.clock(),
    )
    violation = only_violation(chain)
    assert (violation.rule, violation.position, violation.subject) == (
        "points.earned_once",
        position,
        "member M1",
    )


def test_redeeming_more_points_than_a_lot_holds_is_found(chain: MultiStore) -> None:
    chain.enrol_member(c.EnrolMember(member_id="M1", home_store="SH01"))
    chain.grant_points(
        c.GrantPoints(member_id="M1", store="SH01", points=50, reference="w", reason="hi")
    )
    position = forge(
        chain,
        MemberAccount.PointsRedeemed,
        member_id("M1"),
        order_ref="A-7",
        store="SH01",
        points=80,
        taken=[{"lot": "grant:w", "issued_by": "SH01", "points": 80}],
    )
    violation = only_violation(chain)
    assert (violation.rule, violation.position) == ("points.non_negative", position)
    assert "-30" in violation.message


@pytest.mark.parametrize("status", ["placed", "cancelled"])
def test_an_order_whose_stock_did_not_follow_its_status_is_found(
    chain: MultiStore, status: str
) -> None:
    place(chain)
    if status == "cancelled":
        chain.cancel_order(c.CancelOrder(order_id="A-1"))
    forge(chain, StockItem.Reserved, stock_item_id("SH01", "CUP-002"), order_id="A-1", quantity=1)
    rules = [v.rule for v in verify(chain).violations]
    assert rules == ["order.stock_matches_status"]
