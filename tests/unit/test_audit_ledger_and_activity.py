"""The stock ledger shows every movement with its balance and actor; activity filters by actor."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from multistore_core import CommandContext, MultiStore
from multistore_core import commands as c
from multistore_core.audit.activity import activity
from multistore_core.audit.ledger import MOVEMENT_COLUMNS, stock_ledger, write_csv, write_jsonl
from support import FakeClock

BOB = CommandContext(actor="bob", role="store_manager", store_scope="SH01")


def test_the_ledger_lists_each_movement_with_the_balance_after_it(
    chain: MultiStore, clock: FakeClock
) -> None:
    clock.advance(hours=1)
    chain.place_order(
        c.PlaceOrder(
            order_id="A-1",
            store="SH01",
            fulfilment="pickup",
            lines=[c.OrderLine(sku="TEA-001", quantity=3)],
        ),
        BOB,
    )
    chain.adjust_stock(c.AdjustStock(store="SH01", sku="TEA-001", reason="damage", delta=-2), BOB)
    rows = stock_ledger(chain, "SH01", "TEA-001")
    assert [(r.event, r.quantity, r.on_hand, r.reserved, r.available) for r in rows] == [
        ("Opened", 0, 0, 0, 0),
        ("Received", 10, 10, 0, 10),
        ("Reserved", 3, 10, 3, 7),
        ("Adjusted", -2, 8, 3, 5),
    ]
    assert (rows[2].order, rows[2].actor, rows[2].reason) == ("A-1", "bob", "reserved")
    assert (rows[3].reason, rows[3].on_hand_change) == ("damage", -2)
    later = stock_ledger(chain, "SH01", "TEA-001", since=clock.now - timedelta(minutes=1))
    assert [r.event for r in later] == ["Reserved", "Adjusted"]
    out = io.StringIO()
    write_csv(rows, out, MOVEMENT_COLUMNS)
    assert out.getvalue().splitlines()[0] == ",".join(MOVEMENT_COLUMNS)
    assert len(out.getvalue().splitlines()) == 5
    out = io.StringIO()
    write_jsonl(rows, out)
    assert json.loads(out.getvalue().splitlines()[3])["on_hand"] == 8


def test_activity_lists_only_what_the_actor_did_in_the_period(
    chain: MultiStore, clock: FakeClock
) -> None:
    clock.advance(hours=1)
    chain.receive_stock(c.ReceiveStock(store="SH01", sku="CUP-002", quantity=4), BOB)
    clock.advance(hours=1)
    chain.receive_stock(c.ReceiveStock(store="HZ01", sku="CUP-002", quantity=4))
    chain.adjust_stock(
        c.AdjustStock(store="SH01", sku="CUP-002", reason="stocktake", counted=1), BOB
    )
    actions = activity(chain, "bob")
    assert [(a.command, a.event, a.aggregate) for a in actions] == [
        ("ReceiveStock", "StockItem.Received", "stock SH01/CUP-002"),
        ("AdjustStock", "StockItem.Counted", "stock SH01/CUP-002"),
    ]
    assert {(a.role, a.store_scope) for a in actions} == {("store_manager", "SH01")}
    assert [a.command for a in activity(chain, "bob", since=clock.now)] == ["AdjustStock"]
    assert activity(chain, "nobody") == []
