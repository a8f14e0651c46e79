"""The sales view's handlers: orders by status and day, hourly facts, joint-venture shares."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from multistore_core import MultiStore
from multistore_core import commands as c
from projection_support import add_joint_venture, log_events, project
from projections.rows import Row
from projections.sales import Sales, order_daily, orders, revenue_share, sales_hourly, share_of
from projections.sales import sku_sales_hourly as sku_hourly
from support import FakeClock

NINE = datetime(2026, 11, 1, 9)
DAY = date(2026, 11, 1)


def sales(app: MultiStore) -> Sales:
    view = project(app, Sales())
    assert isinstance(view, Sales)
    return view


def rows(view: Sales, table: str) -> list[Row]:
    return view.rows[table].cached()


def place(app: MultiStore, ref: str, store: str = "SH01", tea: int = 2, cup: int = 0) -> None:
    lines = [c.OrderLine(sku="TEA-001", quantity=tea)]
    if cup:
        lines.append(c.OrderLine(sku="CUP-002", quantity=cup))
    app.place_order(c.PlaceOrder(order_id=ref, store=store, fulfilment="pickup", lines=lines))


def pay(app: MultiStore, ref: str) -> None:
    total = app.order_summary(ref).total
    app.pay_order(c.PayOrder(order_id=ref, amount=total, payment_ref=f"P-{ref}"))


def complete(app: MultiStore, ref: str) -> None:
    pay(app, ref)
    app.fulfil_order(c.FulfilOrder(order_id=ref))
    app.complete_order(c.CompleteOrder(order_id=ref))


def counts(view: Sales) -> dict[str, int]:
    return {r["status"]: r["orders"] for r in rows(view, order_daily.name) if r["orders"]}


def test_placing_an_order_counts_it_its_gmv_and_its_units_in_the_hour_placed(
    chain: MultiStore,
) -> None:
    place(chain, "A1", tea=2, cup=1)
    view = sales(chain)
    [order] = rows(view, orders.name)
    assert (order["order_ref"], order["status"], order["total_cents"]) == ("A1", "placed", 5500)
    assert order["placed_hour"] == NINE and order["placed_day"] == DAY
    [hour] = rows(view, sales_hourly.name)
    assert (hour["hour"], hour["orders_placed"], hour["gmv_cents"]) == (NINE, 1, 5500)
    units = {r["sku"]: (r["units"], r["revenue_cents"]) for r in rows(view, sku_hourly.name)}
    assert units == {"TEA-001": (2, 2500), "CUP-002": (1, 3000)}
    assert counts(view) == {"placed": 1}


def test_each_status_change_moves_the_order_between_daily_status_counts(
    chain: MultiStore,
) -> None:
    place(chain, "A1")
    pay(chain, "A1")
    assert counts(sales(chain)) == {"paid": 1}
    chain.fulfil_order(c.FulfilOrder(order_id="A1"))
    assert counts(sales(chain)) == {"ready_for_pickup": 1}
    chain.complete_order(c.CompleteOrder(order_id="A1"))
    view = sales(chain)
    assert counts(view) == {"completed": 1}
    [hour] = rows(view, sales_hourly.name)
    assert (hour["orders_paid"], hour["orders_completed"], hour["completed_cents"]) == (1, 1, 2500)


def test_other_fulfilment_modes_move_through_their_own_statuses(chain: MultiStore) -> None:
    for ref, mode in (("D1", "delivery"), ("S1", "ship")):
        chain.place_order(
            c.PlaceOrder(
                order_id=ref,
                store="SH01",
                fulfilment=mode,
                lines=[c.OrderLine(sku="TEA-001", quantity=1)],
            )
        )
        pay(chain, ref)
        chain.fulfil_order(c.FulfilOrder(order_id=ref))
    assert counts(sales(chain)) == {"out_for_delivery": 1, "shipped": 1}


def test_cancelling_counts_a_cancellation_and_takes_its_units_off_the_sku_sales(
    chain: MultiStore, clock: FakeClock
) -> None:
    place(chain, "A1", tea=3)
    pay(chain, "A1")
    clock.advance(hours=3)
    chain.cancel_order(c.CancelOrder(order_id="A1"))
    view = sales(chain)
    [order] = rows(view, orders.name)
    assert (order["status"], order["refunded_cents"]) == ("cancelled", 3750)
    [hour] = rows(view, sales_hourly.name)
    assert hour["hour"] == NINE, "facts count in the hour the order was placed"
    assert (hour["orders_placed"], hour["orders_cancelled"], hour["gmv_cents"]) == (1, 1, 3750)
    [sku] = rows(view, sku_hourly.name)
    assert (sku["units"], sku["revenue_cents"]) == (0, 0)


def test_an_expired_order_counts_as_cancelled(chain: MultiStore, clock: FakeClock) -> None:
    place(chain, "A1")
    clock.advance(hours=2)
    chain.expire_unpaid_orders()
    view = sales(chain)
    assert counts(view) == {"expired": 1}
    assert rows(view, sales_hourly.name)[0]["orders_cancelled"] == 1


def test_returns_refund_by_line_until_the_whole_order_is_returned(chain: MultiStore) -> None:
    place(chain, "A1", tea=2, cup=1)
    complete(chain, "A1")
    chain.return_order(c.ReturnOrder(order_id="A1", lines=[c.OrderLine(sku="TEA-001", quantity=1)]))
    view = sales(chain)
    [order] = rows(view, orders.name)
    assert (order["status"], order["refunded_cents"]) == ("partially_returned", 1250)
    units = {r["sku"]: r["units"] for r in rows(view, sku_hourly.name)}
    assert units == {"TEA-001": 1, "CUP-002": 1}
    chain.return_order(c.ReturnOrder(order_id="A1"))
    view = sales(chain)
    [order] = rows(view, orders.name)
    assert (order["status"], order["refunded_cents"]) == ("returned", 5500)
    assert rows(view, sales_hourly.name)[0]["refunded_cents"] == 5500
    assert counts(view) == {"returned": 1}


def test_a_joint_venture_owes_hq_its_share_of_completed_sales_net_of_returns(
    chain: MultiStore,
) -> None:
    add_joint_venture(chain)
    place(chain, "J1", store="JV01", tea=3)
    complete(chain, "J1")
    [share] = rows(sales(chain), revenue_share.name)
    assert (share["completed_cents"], share["hq_share_cents"]) == (3750, 1125)
    chain.return_order(c.ReturnOrder(order_id="J1", lines=[c.OrderLine(sku="TEA-001", quantity=1)]))
    [share] = rows(sales(chain), revenue_share.name)
    assert (share["refunded_cents"], share["hq_share_cents"]) == (1250, 1125 - 375)


def test_a_changed_revenue_share_applies_to_sales_completed_after_it(chain: MultiStore) -> None:
    add_joint_venture(chain)
    chain.update_store(c.UpdateStore(code="JV01", hq_revenue_share=Decimal("0.5")))
    place(chain, "J1", store="JV01", tea=2)
    complete(chain, "J1")
    [share] = rows(sales(chain), revenue_share.name)
    assert share["hq_share_cents"] == 1250


def test_stores_that_share_nothing_owe_hq_nothing(chain: MultiStore) -> None:
    place(chain, "A1")
    complete(chain, "A1")
    [share] = rows(sales(chain), revenue_share.name)
    assert (share["completed_cents"], share["hq_share_cents"]) == (2500, 0)


@pytest.mark.parametrize(
    ("amount", "basis_points", "share"), [(1000, 3000, 300), (5, 1000, 1), (4, 1000, 0)]
)
def test_the_hq_share_is_rounded_half_up_to_the_cent(
    amount: int, basis_points: int, share: int
) -> None:
    assert share_of(amount, basis_points) == share


def test_an_event_for_an_order_the_view_never_saw_placed_is_refused(chain: MultiStore) -> None:
    place(chain, "A1")
    pay(chain, "A1")
    paid = log_events(chain)[-1]
    with pytest.raises(LookupError, match="never placed"):
        Sales().apply(paid)
