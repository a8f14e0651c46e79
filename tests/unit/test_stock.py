"""Stock items: receiving, adjusting, stocktakes and shortages, never below what is reserved."""

import pytest

from multistore_core import CommandContext, MultiStore
from multistore_core.commands import (
    AdjustStock,
    CancelOrder,
    CompleteOrder,
    FulfilOrder,
    OrderLine,
    PayOrder,
    PlaceOrder,
    ReceiveStock,
    SetSafetyStock,
)
from multistore_core.errors import StockRuleViolation, UnknownSku, UnknownStore


def reserve(app: MultiStore, quantity: int, order_id: str = "A-1") -> None:
    app.place_order(
        PlaceOrder(
            order_id=order_id, store="SH01", fulfilment="pickup",
            lines=[OrderLine(sku="TEA-001", quantity=quantity)],
        )
    )  # fmt: skip


def level(app: MultiStore) -> tuple[int, int, int, int]:
    stock = app.stock_level("SH01", "TEA-001")
    return stock.on_hand, stock.reserved, stock.available, stock.shortage


def test_receiving_adds_to_on_hand_and_available(chain: MultiStore) -> None:
    result = chain.receive_stock(ReceiveStock(store="SH01", sku="TEA-001", quantity=5))
    assert (result.on_hand, result.available) == (15, 15)
    assert result.position == chain.log_position()


def test_receiving_at_an_unknown_store_names_the_store_and_writes_nothing(
    chain: MultiStore,
) -> None:
    before = chain.log_position()
    with pytest.raises(UnknownStore) as refused:
        chain.receive_stock(ReceiveStock(store="BJ99", sku="TEA-001", quantity=5))
    assert refused.value.field == "store"
    with pytest.raises(UnknownSku) as refused_sku:
        chain.receive_stock(ReceiveStock(store="SH01", sku="NOPE-1", quantity=5))
    assert refused_sku.value.field == "sku"
    assert chain.log_position() == before


def test_damage_reduces_on_hand(chain: MultiStore) -> None:
    chain.adjust_stock(AdjustStock(store="SH01", sku="TEA-001", reason="damage", delta=-3))
    assert level(chain) == (7, 0, 7, 0)


def test_an_adjustment_below_reserved_is_refused_and_changes_nothing(chain: MultiStore) -> None:
    reserve(chain, 8)
    before = chain.log_position()
    with pytest.raises(StockRuleViolation, match="below reserved 8"):
        chain.adjust_stock(AdjustStock(store="SH01", sku="TEA-001", reason="shrinkage", delta=-3))
    assert level(chain) == (10, 8, 2, 0)
    assert chain.log_position() == before


def test_a_stocktake_sets_on_hand_to_the_count(chain: MultiStore) -> None:
    chain.adjust_stock(AdjustStock(store="SH01", sku="TEA-001", reason="stocktake", counted=13))
    assert level(chain) == (13, 0, 13, 0)


def test_a_stocktake_below_reserved_records_the_shortage_as_its_own_event(
    chain: MultiStore,
) -> None:
    reserve(chain, 8)
    chain.adjust_stock(AdjustStock(store="SH01", sku="TEA-001", reason="stocktake", counted=5))
    assert level(chain) == (8, 8, 0, 3)
    item = chain.get_stock_item("SH01", "TEA-001")
    kinds = [type(e).__name__ for e in chain.events.get(item.id)][-2:]
    assert kinds == ["Counted", "ShortageRecorded"]


def test_releasing_a_reservation_writes_off_the_shortage_first(chain: MultiStore) -> None:
    reserve(chain, 8)
    chain.adjust_stock(AdjustStock(store="SH01", sku="TEA-001", reason="stocktake", counted=5))
    chain.cancel_order(CancelOrder(order_id="A-1"))
    assert level(chain) == (5, 0, 5, 0)


def test_a_receipt_covers_the_shortage_before_it_becomes_available(chain: MultiStore) -> None:
    reserve(chain, 8)
    chain.adjust_stock(AdjustStock(store="SH01", sku="TEA-001", reason="stocktake", counted=5))
    chain.receive_stock(ReceiveStock(store="SH01", sku="TEA-001", quantity=4))
    assert level(chain) == (9, 8, 1, 0)


def test_an_order_cannot_be_completed_with_units_the_stocktake_did_not_find(
    chain: MultiStore,
) -> None:
    reserve(chain, 8)
    chain.adjust_stock(AdjustStock(store="SH01", sku="TEA-001", reason="stocktake", counted=5))
    chain.pay_order(
        PayOrder(order_id="A-1", amount=chain.order_summary("A-1").total, payment_ref="p")
    )
    chain.fulfil_order(FulfilOrder(order_id="A-1"))
    before = chain.log_position()
    with pytest.raises(StockRuleViolation, match="stocktake found 5"):
        chain.complete_order(CompleteOrder(order_id="A-1"))
    assert chain.log_position() == before
    assert chain.order_summary("A-1").status == "ready_for_pickup"


def test_safety_stock_is_recorded_per_store_and_sku(chain: MultiStore) -> None:
    chain.set_safety_stock(SetSafetyStock(store="SH01", sku="TEA-001", quantity=4))
    assert chain.stock_level("SH01", "TEA-001").safety_stock == 4
    assert chain.stock_level("HZ01", "TEA-001").safety_stock == 0


def test_an_earlier_version_of_a_stock_item_can_be_read(chain: MultiStore) -> None:
    chain.receive_stock(ReceiveStock(store="SH01", sku="TEA-001", quantity=5))
    assert chain.stock_level("SH01", "TEA-001", version=2).on_hand == 10
    assert chain.stock_level("SH01", "TEA-001").on_hand == 15


def test_every_event_records_the_command_and_its_caller(chain: MultiStore) -> None:
    caller = CommandContext(actor="li.wei", role="store_manager", store_scope="SH01")
    chain.receive_stock(ReceiveStock(store="SH01", sku="TEA-001", quantity=5), caller)
    item = chain.get_stock_item("SH01", "TEA-001")
    received = list(chain.events.get(item.id))[-1]
    meta = received.meta  # type: ignore[attr-defined]
    assert meta["actor"] == "li.wei"
    assert meta["role"] == "store_manager"
    assert meta["store_scope"] == "SH01"
    assert meta["command"] == "ReceiveStock"
    assert meta["correlation_id"] == meta["causation_id"] == meta["command_id"]
