"""Commands refuse malformed input on construction, naming the field."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from multistore_core.commands import (
    AdjustStock,
    OrderLine,
    PlaceOrder,
    ReceiveStock,
    RegisterSku,
    RegisterStore,
    UpdateStore,
)


def error_fields(error: ValidationError) -> list[str]:
    return [".".join(str(part) for part in item["loc"]) for item in error.errors()]


@pytest.mark.parametrize("quantity", [0, -3, 1_000_001, 2.5, "7", True])
def test_quantity_must_be_a_positive_whole_number_up_to_a_million(quantity: object) -> None:
    with pytest.raises(ValidationError) as refused:
        ReceiveStock(store="SH01", sku="TEA-001", quantity=quantity)  # type: ignore[arg-type]
    assert error_fields(refused.value) == ["quantity"]


@pytest.mark.parametrize("code", ["", " ", "SH 01", "SH/01", "-SH", "x" * 65, "店铺"])
def test_malformed_store_codes_are_refused(code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ReceiveStock(store=code, sku="TEA-001", quantity=1)
    assert error_fields(refused.value) == ["store"]


def test_negative_price_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as refused:
        RegisterSku(sku="TEA-001", name="Tea", base_price=Decimal("-1"))
    assert error_fields(refused.value) == ["base_price"]


def test_prices_keep_at_most_two_decimal_places() -> None:
    with pytest.raises(ValidationError) as refused:
        RegisterSku(sku="TEA-001", name="Tea", base_price=Decimal("1.005"))
    assert error_fields(refused.value) == ["base_price"]


def test_order_lines_name_their_index_when_wrong() -> None:
    with pytest.raises(ValidationError) as refused:
        PlaceOrder(
            store="SH01",
            fulfilment="pickup",
            lines=[{"sku": "TEA-001", "quantity": 1}, {"sku": "CUP-002", "quantity": 0}],  # type: ignore[list-item]
        )
    assert error_fields(refused.value) == ["lines.1.quantity"]


def test_an_order_needs_at_least_one_line() -> None:
    with pytest.raises(ValidationError) as refused:
        PlaceOrder(store="SH01", fulfilment="pickup", lines=[])
    assert error_fields(refused.value) == ["lines"]


def test_the_same_sku_twice_in_one_order_is_refused() -> None:
    line = OrderLine(sku="TEA-001", quantity=1)
    with pytest.raises(ValidationError, match=r"lines\[1\]\.sku"):
        PlaceOrder(store="SH01", fulfilment="pickup", lines=[line, line])


def test_unknown_fulfilment_mode_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        PlaceOrder(store="SH01", fulfilment="drone", lines=[OrderLine(sku="T", quantity=1)])  # type: ignore[arg-type]
    assert error_fields(refused.value) == ["fulfilment"]


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        ReceiveStock(store="SH01", sku="T", quantity=1, price=3)  # type: ignore[call-arg]
    assert error_fields(refused.value) == ["price"]


def test_commands_are_frozen() -> None:
    command = ReceiveStock(store="SH01", sku="T", quantity=1)
    with pytest.raises(ValidationError):
        command.quantity = 5  # type: ignore[misc]


def test_only_joint_ventures_share_revenue_with_hq() -> None:
    with pytest.raises(ValidationError, match="hq_revenue_share"):
        RegisterStore(
            code="SH02", name="Pudong", region="east", kind="joint_venture",
            latitude=31.2, longitude=121.5,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="hq_revenue_share"):
        RegisterStore(
            code="SH03", name="Minhang", region="east", kind="direct",
            latitude=31.1, longitude=121.4, hq_revenue_share=Decimal("0.2"),
        )  # fmt: skip


def test_latitude_outside_the_globe_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        RegisterStore(code="X1", name="X", region="east", kind="direct", latitude=91, longitude=0)
    assert error_fields(refused.value) == ["latitude"]


def test_a_stocktake_gives_a_count_and_damage_a_negative_delta() -> None:
    with pytest.raises(ValidationError, match="counted"):
        AdjustStock(store="SH01", sku="T", reason="stocktake", delta=-2)
    with pytest.raises(ValidationError, match="delta"):
        AdjustStock(store="SH01", sku="T", reason="damage", delta=2)
    with pytest.raises(ValidationError, match="delta"):
        AdjustStock(store="SH01", sku="T", reason="correction", counted=2)
    assert AdjustStock(store="SH01", sku="T", reason="stocktake", counted=0).counted == 0


def test_an_update_must_change_something() -> None:
    with pytest.raises(ValidationError, match="at least one field"):
        UpdateStore(code="SH01")
