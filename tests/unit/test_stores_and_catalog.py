"""Stores and catalog items: registration, changes, closing, and the prices orders get."""

from decimal import Decimal

import pytest

from multistore_core import MultiStore
from multistore_core.commands import (
    ChangePrice,
    CloseStore,
    OrderLine,
    PlaceOrder,
    ReceiveStock,
    RegisterSku,
    RegisterStore,
    ReopenStore,
    UpdateStore,
)
from multistore_core.errors import AlreadyExists, InvalidCommand, StoreClosed, UnknownStore

SH01 = RegisterStore(
    code="SH01", name="Shanghai Xuhui", region="east", kind="direct", latitude=31.19,
    longitude=121.44,
)  # fmt: skip


def order(store: str = "SH01", sku: str = "TEA-001", quantity: int = 1) -> PlaceOrder:
    lines = [OrderLine(sku=sku, quantity=quantity)]
    return PlaceOrder(store=store, fulfilment="pickup", lines=lines)


def test_registering_a_store_twice_is_refused_and_changes_nothing(app: MultiStore) -> None:
    app.register_store(SH01)
    before = app.log_position()
    with pytest.raises(AlreadyExists) as refused:
        app.register_store(SH01)
    assert refused.value.field == "code"
    assert app.log_position() == before


def test_updating_a_store_changes_only_the_given_fields(app: MultiStore) -> None:
    app.register_store(SH01)
    app.update_store(UpdateStore(code="SH01", name="Shanghai Xujiahui", delivery_radius_km=8))
    store = app.get_store("SH01")
    assert (store.name, store.delivery_radius_km, store.region) == ("Shanghai Xujiahui", 8, "east")
    assert app.get_store("SH01", version=1).name == "Shanghai Xuhui"


def test_updating_an_unknown_store_names_the_code(app: MultiStore) -> None:
    with pytest.raises(UnknownStore) as refused:
        app.update_store(UpdateStore(code="NOPE", name="x"))
    assert refused.value.field == "code"
    assert app.log_position() == 0


def test_a_direct_store_cannot_be_given_a_revenue_share(app: MultiStore) -> None:
    app.register_store(SH01)
    with pytest.raises(InvalidCommand) as refused:
        app.update_store(UpdateStore(code="SH01", hq_revenue_share=Decimal("0.3")))
    assert refused.value.field == "hq_revenue_share"


def test_a_closed_store_takes_no_orders_until_reopened(chain: MultiStore) -> None:
    chain.close_store(CloseStore(code="SH01", reason="renovation"))
    before = chain.log_position()
    with pytest.raises(StoreClosed):
        chain.place_order(order())
    assert chain.log_position() == before
    chain.reopen_store(ReopenStore(code="SH01"))
    assert chain.place_order(order()).status == "placed"


def test_closing_a_closed_store_is_refused(chain: MultiStore) -> None:
    chain.close_store(CloseStore(code="SH01"))
    with pytest.raises(InvalidCommand, match="already closed"):
        chain.close_store(CloseStore(code="SH01"))


def test_order_prices_come_from_the_catalog_times_the_region_factor(app: MultiStore) -> None:
    app.register_store(SH01)
    app.register_sku(
        RegisterSku(
            sku="TEA-001", name="Tea", base_price=Decimal("12.50"),
            region_price_factors={"east": Decimal("1.1")},
        )
    )  # fmt: skip
    app.receive_stock(ReceiveStock(store="SH01", sku="TEA-001", quantity=5))
    placed = app.place_order(order(quantity=3))
    assert placed.lines[0].unit_price == Decimal("13.75")
    assert placed.total == Decimal("41.25")


def test_franchise_stores_never_sell_below_the_minimum_price(chain: MultiStore) -> None:
    chain.change_price(
        ChangePrice(
            sku="TEA-001", base_price=Decimal("10.00"),
            region_price_factors={"east": Decimal("0.5")}, franchise_min_price=Decimal("8.00"),
        )
    )  # fmt: skip
    assert chain.place_order(order("HZ01")).lines[0].unit_price == Decimal("8.00")
    assert chain.place_order(order("SH01")).lines[0].unit_price == Decimal("5.00")


def test_a_price_change_applies_to_later_orders_only(chain: MultiStore) -> None:
    first = chain.place_order(order())
    chain.change_price(ChangePrice(sku="TEA-001", base_price=Decimal("20.00")))
    second = chain.place_order(order())
    assert (first.total, second.total) == (Decimal("12.50"), Decimal("20.00"))
    assert chain.order_summary(first.order_id).total == Decimal("12.50")


def test_registering_a_sku_twice_is_refused(chain: MultiStore) -> None:
    with pytest.raises(AlreadyExists) as refused:
        chain.register_sku(RegisterSku(sku="TEA-001", name="Tea", base_price=Decimal("1.00")))
    assert refused.value.field == "sku"
