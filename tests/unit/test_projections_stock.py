"""The stock view's handlers, fed from an in-memory log, with no database."""

from __future__ import annotations

from datetime import datetime

import pytest

from multistore_core import MultiStore
from multistore_core import commands as c
from projection_support import log_events, project
from projections.projection import naive_utc
from projections.rows import Row
from projections.stock import StockLevels
from support import FakeClock


def stock(app: MultiStore, store: str = "SH01", sku: str = "TEA-001") -> Row:
    rows = {(r["store"], r["sku"]): r for r in project(app, StockLevels()).levels.cached()}
    return rows[(store, sku)]


def place(app: MultiStore, ref: str, quantity: int, store: str = "SH01") -> None:
    app.place_order(
        c.PlaceOrder(
            order_id=ref,
            store=store,
            fulfilment="pickup",
            lines=[c.OrderLine(sku="TEA-001", quantity=quantity)],
        )
    )


def complete(app: MultiStore, ref: str) -> None:
    total = app.order_summary(ref).total
    app.pay_order(c.PayOrder(order_id=ref, amount=total, payment_ref="pay"))
    app.fulfil_order(c.FulfilOrder(order_id=ref))
    app.complete_order(c.CompleteOrder(order_id=ref))


def test_opening_and_receiving_books_units_on_hand_and_available(chain: MultiStore) -> None:
    row = stock(chain)
    assert (row["on_hand"], row["reserved"], row["available"]) == (10, 0, 10)
    assert row["last_change"] == "StockItem.Received"


def test_reserving_holds_units_and_releasing_gives_them_back(chain: MultiStore) -> None:
    place(chain, "A1", 3)
    assert (stock(chain)["reserved"], stock(chain)["available"]) == (3, 7)
    chain.cancel_order(c.CancelOrder(order_id="A1"))
    row = stock(chain)
    assert (row["on_hand"], row["reserved"], row["available"]) == (10, 0, 10)
    assert row["last_change"] == "StockItem.Released"


def test_selling_takes_reserved_units_off_hand(chain: MultiStore) -> None:
    place(chain, "A1", 4)
    complete(chain, "A1")
    row = stock(chain)
    assert (row["on_hand"], row["reserved"], row["available"]) == (6, 0, 6)


def test_a_returned_and_restocked_order_puts_units_back(chain: MultiStore) -> None:
    place(chain, "A1", 4)
    complete(chain, "A1")
    chain.return_order(c.ReturnOrder(order_id="A1", restock=True))
    assert stock(chain)["on_hand"] == 10
    assert stock(chain)["last_change"] == "StockItem.Restocked"


def test_adjusting_moves_on_hand_by_the_delta(chain: MultiStore) -> None:
    chain.adjust_stock(c.AdjustStock(store="SH01", sku="TEA-001", reason="damage", delta=-2))
    assert (stock(chain)["on_hand"], stock(chain)["available"]) == (8, 8)


def test_a_count_below_reservations_records_a_shortage_that_a_receipt_covers(
    chain: MultiStore,
) -> None:
    place(chain, "A1", 5)
    chain.adjust_stock(c.AdjustStock(store="SH01", sku="TEA-001", reason="stocktake", counted=3))
    row = stock(chain)
    assert (row["on_hand"], row["reserved"], row["shortage"]) == (5, 5, 2)
    chain.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=3))
    row = stock(chain)
    assert (row["on_hand"], row["shortage"], row["available"]) == (6, 0, 1)


def test_releasing_writes_off_a_recorded_shortage(chain: MultiStore) -> None:
    place(chain, "A1", 5)
    chain.adjust_stock(c.AdjustStock(store="SH01", sku="TEA-001", reason="stocktake", counted=3))
    chain.cancel_order(c.CancelOrder(order_id="A1"))
    row = stock(chain)
    assert (row["on_hand"], row["reserved"], row["shortage"]) == (3, 0, 0)


def test_the_view_matches_the_write_side_after_every_kind_of_stock_event(
    chain: MultiStore,
) -> None:
    place(chain, "A1", 5)
    chain.adjust_stock(c.AdjustStock(store="SH01", sku="TEA-001", reason="stocktake", counted=4))
    chain.set_safety_stock(c.SetSafetyStock(store="SH01", sku="TEA-001", quantity=3))
    row = stock(chain)
    level = chain.stock_level("SH01", "TEA-001")
    assert (row["on_hand"], row["reserved"], row["available"], row["shortage"]) == (
        level.on_hand,
        level.reserved,
        level.available,
        level.shortage,
    )


def test_falling_below_safety_stock_raises_an_alert_dated_when_it_started(
    chain: MultiStore, clock: FakeClock
) -> None:
    chain.set_safety_stock(c.SetSafetyStock(store="SH01", sku="TEA-001", quantity=5))
    assert stock(chain)["low_since"] is None
    clock.advance(minutes=10)
    started = naive_utc(clock())
    place(chain, "A1", 6)
    clock.advance(minutes=10)
    place(chain, "A2", 1)
    assert stock(chain)["low_since"] == started
    chain.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=10))
    assert stock(chain)["low_since"] is None


def test_a_transfer_shows_incoming_at_the_target_and_books_what_arrived(
    chain: MultiStore,
) -> None:
    chain.request_transfer(
        c.RequestTransfer(
            transfer_id="T1",
            from_store="SH01",
            to_store="HZ01",
            lines=[c.OrderLine(sku="TEA-001", quantity=4)],
        )
    )
    chain.approve_transfer(c.ApproveTransfer(transfer_id="T1"))
    chain.ship_transfer(c.ShipTransfer(transfer_id="T1"))
    assert stock(chain, "SH01")["on_hand"] == 6
    assert (stock(chain, "HZ01")["incoming"], stock(chain, "HZ01")["on_hand"]) == (4, 10)
    chain.receive_transfer(
        c.ReceiveTransfer(
            transfer_id="T1", lines=[c.ReceivedLine(sku="TEA-001", quantity=3)], reason="broken"
        )
    )
    target = stock(chain, "HZ01")
    assert (target["incoming"], target["on_hand"], target["available"]) == (0, 13, 13)


def test_an_event_for_an_item_the_view_never_saw_opened_is_refused(chain: MultiStore) -> None:
    place(chain, "A1", 1)
    reserved = [e for e in log_events(chain) if e.log_name == "StockItem.Reserved"]
    with pytest.raises(LookupError, match="never opened"):
        StockLevels().apply(reserved[0])


def test_last_change_records_the_event_and_its_time(chain: MultiStore, clock: FakeClock) -> None:
    clock.advance(hours=2)
    chain.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=1))
    row = stock(chain)
    assert row["last_change"] == "StockItem.Received"
    assert row["last_change_at"] == naive_utc(clock())
    assert isinstance(row["last_change_at"], datetime)
