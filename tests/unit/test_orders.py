"""Orders: atomic reservation, legal transitions, expiry, returns and idempotent placement."""

from decimal import Decimal

import pytest

from multistore_core import MultiStore
from multistore_core.commands import (
    CancelOrder,
    CompleteOrder,
    FulfilOrder,
    OrderLine,
    PayOrder,
    PlaceOrder,
    ReturnOrder,
)
from multistore_core.domain.base import replay
from multistore_core.errors import (
    IdempotencyConflict,
    IllegalTransition,
    InsufficientStock,
    InvalidCommand,
    UnknownOrder,
    UnknownSku,
)
from multistore_core.results import OrderSummary
from support import FakeClock


def place(
    app: MultiStore,
    *lines: tuple[str, int],
    order_id: str | None = "A-1",
    fulfilment: str = "pickup",
) -> OrderSummary:
    return app.place_order(
        PlaceOrder(
            order_id=order_id,
            store="SH01",
            fulfilment=fulfilment,  # type: ignore[arg-type]
            lines=[OrderLine(sku=sku, quantity=quantity) for sku, quantity in lines],
        )
    )


def pay(app: MultiStore, order_id: str = "A-1") -> None:
    total = app.order_summary(order_id).total
    app.pay_order(PayOrder(order_id=order_id, amount=total, payment_ref="wx-1"))


def complete(app: MultiStore, order_id: str = "A-1") -> None:
    pay(app, order_id)
    app.fulfil_order(FulfilOrder(order_id=order_id))
    app.complete_order(CompleteOrder(order_id=order_id))


def available(app: MultiStore, sku: str = "TEA-001") -> int:
    return app.stock_level("SH01", sku).available


def test_placing_an_order_reserves_every_line(chain: MultiStore) -> None:
    placed = place(chain, ("TEA-001", 2), ("CUP-002", 1))
    assert placed.status == "placed"
    assert placed.total == Decimal("55.00")
    assert (available(chain), available(chain, "CUP-002")) == (8, 9)
    assert chain.stock_level("SH01", "TEA-001").reserved == 2


def test_a_placed_order_is_stored_with_every_field_and_rebuilt_as_it_was(chain: MultiStore) -> None:
    placed = place(chain, ("TEA-001", 2))
    order = chain._order(placed.order_id)
    stored = chain.recorder.select_events(order.id)
    assert [event.topic for event in stored] == ["multistore_core.domain.order:Order.Placed"]
    payload = chain.mapper.transcoder.decode(stored[0].state)
    assert set(payload) == {
        "timestamp", "originator_topic", "meta", "order_ref", "store", "region", "store_kind",
        "fulfilment", "member_id", "lines", "total", "expires_at", "points_used",
        "points_value", "routing", "customer_order",
    }  # fmt: skip
    rebuilt = replay(None, map(chain.mapper.to_domain_event, stored))
    assert vars(rebuilt) == vars(order)
    assert (rebuilt.status, rebuilt.lines[0]["quantity"], rebuilt.returned) == ("placed", 2, {})


def test_reserving_more_than_available_is_refused_and_changes_nothing(chain: MultiStore) -> None:
    before = chain.log_position()
    with pytest.raises(InsufficientStock) as refused:
        place(chain, ("TEA-001", 2), ("CUP-002", 11))
    assert [(s.field, s.sku, s.requested, s.available) for s in refused.value.shortages] == [
        ("lines[1]", "CUP-002", 11, 10)
    ]
    assert chain.log_position() == before
    assert (available(chain), available(chain, "CUP-002")) == (10, 10)


def test_a_refusal_names_every_short_line(chain: MultiStore) -> None:
    with pytest.raises(InsufficientStock) as refused:
        place(chain, ("TEA-001", 11), ("CUP-002", 12))
    assert [s.field for s in refused.value.shortages] == ["lines[0]", "lines[1]"]


def test_an_unknown_sku_in_an_order_names_its_line(chain: MultiStore) -> None:
    with pytest.raises(UnknownSku) as refused:
        place(chain, ("TEA-001", 1), ("NOPE-9", 1))
    assert refused.value.field == "lines[1].sku"
    assert available(chain) == 10


def test_paying_the_wrong_amount_is_refused(chain: MultiStore) -> None:
    place(chain, ("TEA-001", 2))
    with pytest.raises(InvalidCommand) as refused:
        chain.pay_order(PayOrder(order_id="A-1", amount=Decimal("1.00"), payment_ref="wx"))
    assert refused.value.field == "amount"
    assert chain.order_summary("A-1").status == "placed"


@pytest.mark.parametrize(
    ("fulfilment", "status"),
    [("pickup", "ready_for_pickup"), ("delivery", "out_for_delivery"), ("ship", "shipped")],
)
def test_fulfilling_follows_the_fulfilment_mode(
    chain: MultiStore, fulfilment: str, status: str
) -> None:
    place(chain, ("TEA-001", 1), fulfilment=fulfilment)
    pay(chain)
    assert chain.fulfil_order(FulfilOrder(order_id="A-1")).status == status


def test_completing_lets_the_reserved_units_leave_the_store(chain: MultiStore) -> None:
    place(chain, ("TEA-001", 3))
    complete(chain)
    level = chain.stock_level("SH01", "TEA-001")
    assert (level.on_hand, level.reserved, level.available) == (7, 0, 7)
    assert chain.order_summary("A-1").status == "completed"


def test_an_unpaid_order_cannot_be_fulfilled_or_completed(chain: MultiStore) -> None:
    place(chain, ("TEA-001", 1))
    before = chain.log_position()
    with pytest.raises(IllegalTransition, match="is placed: cannot fulfil"):
        chain.fulfil_order(FulfilOrder(order_id="A-1"))
    with pytest.raises(IllegalTransition):
        chain.complete_order(CompleteOrder(order_id="A-1"))
    assert chain.log_position() == before


def test_cancelling_releases_the_reservation_and_refunds_the_payment(chain: MultiStore) -> None:
    place(chain, ("TEA-001", 4))
    pay(chain)
    cancelled = chain.cancel_order(CancelOrder(order_id="A-1"))
    assert (cancelled.status, cancelled.refunded) == ("cancelled", Decimal("50.00"))
    assert available(chain) == 10


def test_a_completed_order_cannot_be_cancelled(chain: MultiStore) -> None:
    place(chain, ("TEA-001", 1))
    complete(chain)
    with pytest.raises(IllegalTransition, match="is completed: cannot cancel"):
        chain.cancel_order(CancelOrder(order_id="A-1"))


def test_an_unknown_order_is_named(chain: MultiStore) -> None:
    with pytest.raises(UnknownOrder) as refused:
        chain.cancel_order(CancelOrder(order_id="Z-404"))
    assert refused.value.field == "order_id"


def test_unpaid_orders_expire_after_their_time_to_live(chain: MultiStore, clock: FakeClock) -> None:
    place(chain, ("TEA-001", 2), order_id="A-1")
    place(chain, ("TEA-001", 3), order_id="A-2")
    pay(chain, "A-2")
    clock.advance(minutes=29)
    assert chain.expire_unpaid_orders() == []
    clock.advance(minutes=2)
    assert chain.expire_unpaid_orders() == ["A-1"]
    assert chain.order_summary("A-1").status == "expired"
    assert chain.order_summary("A-2").status == "paid"
    assert available(chain) == 7
    assert chain.expire_unpaid_orders() == []


def test_expiry_finds_orders_placed_after_an_earlier_sweep(
    chain: MultiStore, clock: FakeClock
) -> None:
    assert chain.expire_unpaid_orders() == []
    place(chain, ("TEA-001", 2), order_id="A-1")
    clock.advance(hours=1)
    assert chain.expire_unpaid_orders() == ["A-1"]


def test_an_expired_order_cannot_be_paid(chain: MultiStore, clock: FakeClock) -> None:
    place(chain, ("TEA-001", 2))
    clock.advance(hours=1)
    chain.expire_unpaid_orders()
    with pytest.raises(IllegalTransition, match="is expired: cannot pay"):
        pay(chain)


def test_a_whole_return_restocks_every_unit(chain: MultiStore) -> None:
    place(chain, ("TEA-001", 2), ("CUP-002", 1))
    complete(chain)
    returned = chain.return_order(ReturnOrder(order_id="A-1"))
    assert (returned.status, returned.refunded) == ("returned", Decimal("55.00"))
    assert (available(chain), available(chain, "CUP-002")) == (10, 10)


def test_a_return_by_line_can_skip_restocking(chain: MultiStore) -> None:
    place(chain, ("TEA-001", 2), ("CUP-002", 1))
    complete(chain)
    partial = chain.return_order(
        ReturnOrder(order_id="A-1", lines=[OrderLine(sku="TEA-001", quantity=1)], restock=False)
    )
    assert (partial.status, partial.refunded) == ("partially_returned", Decimal("12.50"))
    assert available(chain) == 8
    rest = chain.return_order(ReturnOrder(order_id="A-1"))
    assert (rest.status, rest.refunded) == ("returned", Decimal("55.00"))
    assert (available(chain), available(chain, "CUP-002")) == (9, 10)


def test_returning_more_than_was_bought_is_refused(chain: MultiStore) -> None:
    place(chain, ("TEA-001", 2))
    complete(chain)
    before = chain.log_position()
    with pytest.raises(InvalidCommand) as refused:
        chain.return_order(
            ReturnOrder(order_id="A-1", lines=[OrderLine(sku="TEA-001", quantity=3)])
        )
    assert refused.value.field == "lines[0].quantity"
    assert chain.log_position() == before


def test_placing_the_same_order_twice_reserves_once(chain: MultiStore) -> None:
    first = place(chain, ("TEA-001", 2))
    again = place(chain, ("TEA-001", 2))
    assert (first.created, again.created) == (True, False)
    assert again.order_id == first.order_id
    assert available(chain) == 8


def test_an_idempotency_key_without_an_order_id_returns_the_first_order(
    chain: MultiStore,
) -> None:
    command = PlaceOrder(
        idempotency_key="cart-77", store="SH01", fulfilment="pickup",
        lines=[OrderLine(sku="TEA-001", quantity=1)],
    )  # fmt: skip
    first, again = chain.place_order(command), chain.place_order(command)
    assert again.order_id == first.order_id and not again.created
    assert available(chain) == 9


def test_reusing_an_order_id_for_other_lines_is_refused(chain: MultiStore) -> None:
    place(chain, ("TEA-001", 2))
    with pytest.raises(IdempotencyConflict) as refused:
        place(chain, ("TEA-001", 3))
    assert refused.value.field == "order_id"
    assert available(chain) == 8


def test_an_earlier_version_of_an_order_can_be_read(chain: MultiStore) -> None:
    place(chain, ("TEA-001", 1))
    complete(chain)
    assert [chain.get_order("A-1", version=v).status for v in (1, 2, 3, 4)] == [
        "placed", "paid", "ready_for_pickup", "completed",
    ]  # fmt: skip
