"""The members, transfers and store directory views' handlers, with no database."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from multistore_core import MultiStore
from multistore_core import commands as c
from projection_support import project
from projections.members import Members, member_signups, members
from projections.rows import Row
from projections.stores import StoreDirectory
from projections.transfers import Transfers
from support import FakeClock


def member_row(app: MultiStore, member: str = "M1") -> Row:
    view = project(app, Members())
    return next(r for r in view.rows[members.name].cached() if r["member"] == member)


def assert_matches_write_side(app: MultiStore, member: str = "M1") -> None:
    row, summary = member_row(app, member), app.member_summary(member)
    assert (row["balance"], row["growth"], row["tier"]) == (
        summary.balance,
        summary.growth,
        summary.tier,
    )


def buy(app: MultiStore, ref: str, tea: int, points: int | None = None) -> None:
    app.place_order(
        c.PlaceOrder(
            order_id=ref,
            store="SH01",
            fulfilment="pickup",
            lines=[c.OrderLine(sku="TEA-001", quantity=tea)],
            member_id="M1",
            points=points,
        )
    )
    order = app.get_order(ref)
    app.pay_order(c.PayOrder(order_id=ref, amount=order.amount_due, payment_ref=f"P-{ref}"))
    app.fulfil_order(c.FulfilOrder(order_id=ref))
    app.complete_order(c.CompleteOrder(order_id=ref))


def test_enrolling_opens_an_empty_account_and_counts_a_new_member_at_the_home_store(
    chain: MultiStore,
) -> None:
    chain.enrol_member(c.EnrolMember(member_id="M1", home_store="HZ01"))
    row = member_row(chain)
    assert (row["home_store"], row["balance"], row["growth"]) == ("HZ01", 0, 0)
    [signup] = project(chain, Members()).rows[member_signups.name].cached()
    assert (signup["store"], signup["hour"], signup["members"]) == (
        "HZ01",
        datetime(2026, 11, 1, 9),
        1,
    )


def test_granted_earned_and_redeemed_points_move_the_balance_as_on_the_write_side(
    chain: MultiStore,
) -> None:
    chain.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=100))
    chain.enrol_member(c.EnrolMember(member_id="M1", home_store="SH01"))
    chain.grant_points(
        c.GrantPoints(member_id="M1", store="SH01", points=500, reference="G1", reason="welcome")
    )
    assert member_row(chain)["balance"] == 500
    buy(chain, "A1", tea=4, points=200)
    assert_matches_write_side(chain)
    assert member_row(chain)["growth"] > 0


def test_a_return_reverses_earned_points_and_restores_redeemed_ones(chain: MultiStore) -> None:
    chain.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=100))
    chain.enrol_member(c.EnrolMember(member_id="M1", home_store="SH01"))
    chain.grant_points(
        c.GrantPoints(member_id="M1", store="SH01", points=300, reference="G1", reason="welcome")
    )
    buy(chain, "A1", tea=8, points=100)
    chain.return_order(c.ReturnOrder(order_id="A1", lines=[c.OrderLine(sku="TEA-001", quantity=4)]))
    assert_matches_write_side(chain)


def test_a_cancelled_order_gives_its_redeemed_points_back(chain: MultiStore) -> None:
    chain.enrol_member(c.EnrolMember(member_id="M1", home_store="SH01"))
    chain.grant_points(
        c.GrantPoints(member_id="M1", store="SH01", points=300, reference="G1", reason="welcome")
    )
    chain.place_order(
        c.PlaceOrder(
            order_id="A1",
            store="SH01",
            fulfilment="pickup",
            lines=[c.OrderLine(sku="TEA-001", quantity=2)],
            member_id="M1",
            points=200,
        )
    )
    assert member_row(chain)["balance"] == 100
    chain.cancel_order(c.CancelOrder(order_id="A1"))
    assert member_row(chain)["balance"] == 300


def test_expired_points_leave_the_balance(chain: MultiStore, clock: FakeClock) -> None:
    chain.enrol_member(c.EnrolMember(member_id="M1", home_store="SH01"))
    chain.grant_points(
        c.GrantPoints(member_id="M1", store="SH01", points=300, reference="G1", reason="welcome")
    )
    clock.advance(days=400)
    chain.expire_points()
    assert member_row(chain)["balance"] == 0
    assert_matches_write_side(chain)


def test_growth_past_a_threshold_changes_the_tier(chain: MultiStore) -> None:
    chain.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=100_000))
    chain.enrol_member(c.EnrolMember(member_id="M1", home_store="SH01"))
    gold = chain.settings.tier_gold_growth
    buy(chain, "A1", tea=int(Decimal(gold) / Decimal("12.50")) + 1)
    assert member_row(chain)["tier"] != "silver"
    assert_matches_write_side(chain)


def transfer(app: MultiStore) -> Row:
    [row] = project(app, Transfers()).rows["view_transfers"].cached()
    return row


def test_a_transfer_is_in_flight_until_it_is_received(chain: MultiStore, clock: FakeClock) -> None:
    chain.request_transfer(
        c.RequestTransfer(
            transfer_id="T1",
            from_store="SH01",
            to_store="HZ01",
            lines=[c.OrderLine(sku="CUP-002", quantity=2)],
        )
    )
    assert transfer(chain)["status"] == "requested"
    chain.approve_transfer(c.ApproveTransfer(transfer_id="T1"))
    assert transfer(chain)["status"] == "approved"
    clock.advance(hours=1)
    chain.ship_transfer(c.ShipTransfer(transfer_id="T1"))
    assert (transfer(chain)["status"], transfer(chain)["shipped_at"]) == (
        "shipped",
        datetime(2026, 11, 1, 10),
    )
    chain.receive_transfer(
        c.ReceiveTransfer(
            transfer_id="T1", lines=[c.ReceivedLine(sku="CUP-002", quantity=1)], reason="broken"
        )
    )
    row = transfer(chain)
    assert (row["status"], row["reason"]) == ("received", "broken")
    assert row["lines"] == [{"sku": "CUP-002", "quantity": 2, "received": 1}]


@pytest.mark.parametrize(("ending", "status"), [("reject", "rejected"), ("cancel", "cancelled")])
def test_a_rejected_or_cancelled_transfer_keeps_its_reason(
    chain: MultiStore, ending: str, status: str
) -> None:
    chain.request_transfer(
        c.RequestTransfer(
            transfer_id="T1",
            from_store="SH01",
            to_store="HZ01",
            lines=[c.OrderLine(sku="CUP-002", quantity=2)],
        )
    )
    if ending == "reject":
        chain.reject_transfer(c.RejectTransfer(transfer_id="T1", reason="not needed"))
    else:
        chain.cancel_transfer(c.CancelTransfer(transfer_id="T1", reason="not needed"))
    row = transfer(chain)
    assert (row["status"], row["reason"]) == (
        f"{ending}ed".replace("celed", "celled"),
        "not needed",
    )


def directory(app: MultiStore) -> dict[str, Row]:
    return {r["code"]: r for r in project(app, StoreDirectory()).stores.cached()}


def test_the_store_directory_follows_updates_closing_and_reopening(
    chain: MultiStore, clock: FakeClock
) -> None:
    assert directory(chain)["HZ01"]["kind"] == "franchise"
    chain.update_store(c.UpdateStore(code="HZ01", name="Hangzhou West Lake", region="zj"))
    chain.close_store(c.CloseStore(code="HZ01"))
    row = directory(chain)["HZ01"]
    assert (row["name"], row["region"], row["is_open"]) == ("Hangzhou West Lake", "zj", False)
    clock.advance(minutes=5)
    chain.reopen_store(c.ReopenStore(code="HZ01"))
    row = directory(chain)["HZ01"]
    assert row["is_open"] is True
    assert row["updated_at"] == datetime(2026, 11, 1, 9) + timedelta(minutes=5)
