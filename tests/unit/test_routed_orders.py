"""Placing orders without a store: the aggregates confirm the route, stale views fall back,
split orders are reserved, paid and cancelled together; with group commit off and on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from multistore_core import MultiStore, Settings
from multistore_core import commands as c
from multistore_core.errors import (
    IdempotencyConflict,
    IllegalTransition,
    InvalidCommand,
    NoStoreCanServe,
    UnknownSku,
)
from routing_support import BUYER, EVERYWHERE_CITY, FrozenSource, build_city, events_since, routed
from support import FakeClock


@pytest.fixture(params=[False, True], ids=["plain", "group-commit"])
def settings(request: pytest.FixtureRequest) -> Settings:
    return Settings(database_url="memory://", group_commit=request.param)


@pytest.fixture
def city(settings: Settings, clock: FakeClock) -> MultiStore:
    app = MultiStore(settings, clock=clock)
    build_city(app, EVERYWHERE_CITY)
    return app


def only_tea_near_only_cup_farther(city: MultiStore) -> None:
    """Leave TEA at NEAR only and CUP at MID and FAR only: TEA with CUP needs a split."""
    city.adjust_stock(c.AdjustStock(store="NEAR", sku="CUP", reason="damage", delta=-10))
    for store in ("MID", "FAR"):
        city.adjust_stock(c.AdjustStock(store=store, sku="TEA", reason="damage", delta=-10))


def test_a_routed_pickup_goes_to_the_nearest_store_and_says_why(city: MultiStore) -> None:
    placed = city.place_order(routed("R1", TEA=2, CUP=1))

    assert (placed.store, placed.stores, placed.status) == ("NEAR", ("NEAR",), "placed")
    assert placed.routing is not None
    assert placed.routing.reason.startswith("the nearest open store with every line, 1.0 km")
    assert [(a.store, a.outcome) for a in placed.routing.tried] == [("NEAR", "reserved")]
    assert city.stock_level("NEAR", "TEA").reserved == 2
    assert city.get_order("R1").routing["latitude"] == BUYER.latitude


def test_a_routed_order_skips_a_store_without_every_line(city: MultiStore) -> None:
    city.adjust_stock(c.AdjustStock(store="NEAR", sku="CUP", reason="damage", delta=-10))
    assert city.place_order(routed(TEA=1, CUP=1)).store == "MID"


def test_a_routed_delivery_skips_stores_whose_radius_does_not_reach_the_buyer(
    city: MultiStore,
) -> None:
    for sku in ("TEA", "CUP"):
        city.adjust_stock(c.AdjustStock(store="NEAR", sku=sku, reason="damage", delta=-10))
        city.adjust_stock(c.AdjustStock(store="MID", sku=sku, reason="damage", delta=-10))
    before = city.log_position()

    with pytest.raises(NoStoreCanServe, match="delivering to the buyer"):
        city.place_order(routed(fulfilment="delivery", TEA=1))  # FAR is 12 km, radius 5
    assert city.log_position() == before
    assert city.place_order(routed(fulfilment="pickup", TEA=1)).store == "FAR"


def test_a_closed_store_is_skipped(city: MultiStore) -> None:
    city.close_store(c.CloseStore(code="NEAR"))
    assert city.place_order(routed(TEA=1)).store == "MID"


def test_a_warehouse_is_never_offered_for_pickup_but_serves_ship_orders(city: MultiStore) -> None:
    for store in ("NEAR", "MID", "FAR"):
        city.close_store(c.CloseStore(code=store))
    before = city.log_position()

    with pytest.raises(NoStoreCanServe, match="no open store has every line"):
        city.place_order(routed(TEA=1))
    assert city.log_position() == before
    shipped = city.place_order(routed(fulfilment="ship", TEA=1))
    assert shipped.store == "WH"
    assert shipped.routing is not None and "warehouse" in shipped.routing.reason


def test_a_stale_view_falls_back_to_the_next_store_and_lists_what_it_tried(
    settings: Settings, clock: FakeClock
) -> None:
    app = MultiStore(settings, clock=clock)
    build_city(app, EVERYWHERE_CITY)
    stale = FrozenSource(app.stock_for(["TEA"]))
    app.stock_source = stale
    app.adjust_stock(c.AdjustStock(store="NEAR", sku="TEA", reason="shrinkage", delta=-9))
    app.close_store(c.CloseStore(code="MID"))

    placed = app.place_order(routed(TEA=3))

    assert placed.store == "FAR"
    assert placed.routing is not None
    assert [a.store for a in placed.routing.tried] == ["NEAR", "MID", "FAR"]
    assert (
        placed.routing.tried[0].outcome
        == "refused: the stock view was behind (TEA 1 of 3 available)"
    )
    assert "closed" in placed.routing.tried[1].outcome
    assert placed.routing.tried[2].outcome == "reserved"
    assert app.stock_level("NEAR", "TEA").reserved == 0
    assert stale.calls == 1


def test_routing_gives_up_after_the_configured_number_of_routes_and_changes_nothing(
    clock: FakeClock,
) -> None:
    app = MultiStore(Settings(database_url="memory://", routing_attempts=2), clock=clock)
    build_city(app, EVERYWHERE_CITY)
    app.stock_source = FrozenSource(app.stock_for(["TEA"]))
    for store in ("NEAR", "MID", "FAR"):
        app.adjust_stock(c.AdjustStock(store=store, sku="TEA", reason="damage", delta=-10))
    before = app.log_position()

    with pytest.raises(NoStoreCanServe) as refused:
        app.place_order(routed(TEA=1))

    assert refused.value.reason == "the stock items refused 2 routes"
    assert [a.store for a in refused.value.tried] == ["NEAR", "MID"]
    assert app.log_position() == before


def test_a_split_order_reserves_every_part_in_one_save(city: MultiStore) -> None:
    only_tea_near_only_cup_farther(city)
    city.receive_stock(c.ReceiveStock(store="MID", sku="POT", quantity=1))
    before = city.log_position()

    placed = city.place_order(routed("S1", split=True, TEA=2, CUP=1, POT=1))

    assert placed.stores == ("NEAR", "MID")
    assert [(p.order_id, p.store, [line.sku for line in p.lines]) for p in placed.parts] == [
        ("S1.1", "NEAR", ["TEA"]),
        ("S1.2", "MID", ["CUP", "POT"]),
    ]
    assert placed.total == Decimal("40.00") and placed.amount_due == Decimal("40.00")
    assert placed.routing is not None and "fewest stores (2)" in placed.routing.reason
    events = events_since(city, before)
    names = sorted(type(e).__qualname__ for e in events)
    assert names == [
        "CustomerOrder.Placed",
        "Order.Placed",
        "Order.Placed",
        *["StockItem.Reserved"] * 3,
    ]
    assert len({e.meta["command_id"] for e in events}) == 1
    assert {city.get_order(p).customer_order for p in ("S1.1", "S1.2")} == {"S1"}


def test_a_split_is_not_made_when_the_caller_does_not_allow_it(city: MultiStore) -> None:
    only_tea_near_only_cup_farther(city)
    before = city.log_position()
    with pytest.raises(NoStoreCanServe):
        city.place_order(routed(TEA=1, CUP=1))
    assert city.log_position() == before


def test_a_split_order_is_paid_whole_and_its_parts_fulfilled_and_completed_by_their_stores(
    city: MultiStore,
) -> None:
    only_tea_near_only_cup_farther(city)
    placed = city.place_order(routed("S2", split=True, TEA=1, CUP=2))
    assert placed.stores == ("NEAR", "MID")
    before = city.log_position()

    with pytest.raises(InvalidCommand, match="part of 'S2'"):
        city.pay_order(c.PayOrder(order_id="S2.1", amount=Decimal("10.00"), payment_ref="p"))
    with pytest.raises(InvalidCommand, match="amount due 30.00"):
        city.pay_order(c.PayOrder(order_id="S2", amount=Decimal("10.00"), payment_ref="p"))
    with pytest.raises(InvalidCommand, match="split into S2.1, S2.2"):
        city.fulfil_order(c.FulfilOrder(order_id="S2"))
    assert city.log_position() == before

    paid = city.pay_order(c.PayOrder(order_id="S2", amount=Decimal("30.00"), payment_ref="p"))
    assert paid.status == "paid" and [p.status for p in paid.parts] == ["paid", "paid"]
    city.fulfil_order(c.FulfilOrder(order_id="S2.2"))
    city.complete_order(c.CompleteOrder(order_id="S2.2"))
    assert city.order_summary("S2").status == "in_progress"
    city.fulfil_order(c.FulfilOrder(order_id="S2.1"))
    city.complete_order(c.CompleteOrder(order_id="S2.1"))

    assert city.order_summary("S2").status == "completed"
    assert city.stock_level("NEAR", "TEA").on_hand == 9
    assert city.stock_level("MID", "CUP").on_hand == 8


def test_cancelling_any_part_cancels_the_whole_split_order(city: MultiStore) -> None:
    only_tea_near_only_cup_farther(city)
    city.place_order(routed("S3", split=True, TEA=1, CUP=2))
    city.pay_order(c.PayOrder(order_id="S3", amount=Decimal("30.00"), payment_ref="p"))

    cancelled = city.cancel_order(c.CancelOrder(order_id="S3.2"))

    assert cancelled.order_id == "S3" and cancelled.status == "cancelled"
    assert [p.refunded for p in cancelled.parts] == [Decimal("10.00"), Decimal("20.00")]
    assert city.stock_level("NEAR", "TEA").reserved == 0
    assert city.stock_level("MID", "CUP").reserved == 0


def test_a_split_order_with_a_fulfilled_part_cannot_be_cancelled_and_nothing_changes(
    city: MultiStore,
) -> None:
    only_tea_near_only_cup_farther(city)
    city.place_order(routed("S4", split=True, TEA=1, CUP=2))
    city.pay_order(c.PayOrder(order_id="S4", amount=Decimal("30.00"), payment_ref="p"))
    city.fulfil_order(c.FulfilOrder(order_id="S4.2"))
    before = city.log_position()

    with pytest.raises(IllegalTransition):
        city.cancel_order(c.CancelOrder(order_id="S4"))

    assert city.log_position() == before
    assert city.order_summary("S4.1").status == "paid"


@pytest.mark.parametrize("split", [False, True])
def test_repeating_a_routed_placement_returns_the_first_order_even_after_stock_moved(
    city: MultiStore, split: bool
) -> None:
    if split:
        only_tea_near_only_cup_farther(city)
    first = city.place_order(routed("R9", split=split, TEA=1, CUP=1))
    city.close_store(c.CloseStore(code="NEAR"))
    before = city.log_position()

    again = city.place_order(routed("R9", split=split, TEA=1, CUP=1))

    assert city.log_position() == before
    assert again.created is False
    assert (again.order_id, again.stores, again.routing) == (
        first.order_id,
        first.stores,
        first.routing,
    )
    with pytest.raises(IdempotencyConflict, match="order_id"):
        city.place_order(routed("R9", split=split, TEA=2, CUP=1))


def test_an_idempotency_key_makes_a_routed_retry_return_the_first_order(city: MultiStore) -> None:
    command = routed(TEA=1).model_copy(update={"idempotency_key": "key-1"})
    first = city.place_order(command)
    again = city.place_order(command)
    assert again.order_id == first.order_id and again.created is False
    assert city.stock_level("NEAR", "TEA").reserved == 1


def test_a_named_store_order_cannot_reuse_the_id_of_a_split_order(city: MultiStore) -> None:
    only_tea_near_only_cup_farther(city)
    city.place_order(routed("S5", split=True, TEA=1, CUP=1))
    named = c.PlaceOrder(
        order_id="S5", store="MID", fulfilment="pickup", lines=[c.OrderLine(sku="TEA", quantity=1)]
    )
    with pytest.raises(IdempotencyConflict, match="split order"):
        city.place_order(named)


def test_an_unknown_sku_in_a_routed_order_is_refused_by_its_field_and_changes_nothing(
    city: MultiStore,
) -> None:
    before = city.log_position()
    with pytest.raises(UnknownSku) as refused:
        city.place_order(routed(TEA=1, NOPE=1))
    assert refused.value.field == "lines[1].sku"
    assert city.log_position() == before


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({}, "buyer_location"),
        ({"store": "NEAR", "buyer_location": BUYER}, "buyer_location"),
        ({"store": "NEAR", "allow_split": True}, "allow_split"),
        ({"buyer_location": BUYER, "allow_split": True, "member_id": "M", "points": 5}, "points"),
        ({"buyer_location": {"latitude": 91, "longitude": 0}}, "latitude"),
    ],
)
def test_a_placement_without_a_clear_destination_is_refused_naming_the_field(
    fields: dict[str, object], named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        c.PlaceOrder(fulfilment="pickup", lines=[c.OrderLine(sku="TEA", quantity=1)], **fields)  # type: ignore[arg-type]


def test_a_split_whose_part_id_is_taken_by_another_order_is_refused_and_changes_nothing(
    city: MultiStore,
) -> None:
    only_tea_near_only_cup_farther(city)
    city.place_order(
        c.PlaceOrder(
            order_id="S6.2",
            store="MID",
            fulfilment="pickup",
            lines=[c.OrderLine(sku="CUP", quantity=1)],
        )
    )
    before = city.log_position()
    with pytest.raises(InvalidCommand, match="'S6.2', the id of a part, is taken") as refused:
        city.place_order(routed("S6", split=True, TEA=1, CUP=1))
    assert refused.value.field == "order_id"
    assert city.log_position() == before
