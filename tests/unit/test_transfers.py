"""Transfers between stores: every transition, every refusal, and suggested transfers."""

from collections.abc import Callable

import pytest
from pydantic import ValidationError

from multistore_core import MultiStore
from multistore_core.commands import (
    ApproveTransfer,
    CancelTransfer,
    CloseStore,
    OrderLine,
    PlaceOrder,
    ReceivedLine,
    ReceiveStock,
    ReceiveTransfer,
    RegisterStore,
    RejectTransfer,
    RequestTransfer,
    SetSafetyStock,
    ShipTransfer,
)
from multistore_core.errors import (
    IdempotencyConflict,
    IllegalTransition,
    InsufficientStock,
    InvalidCommand,
    StoreClosed,
    UnknownSku,
    UnknownStore,
    UnknownTransfer,
)
from multistore_core.results import TransferSuggestion, TransferSummary


def request(
    app: MultiStore, *lines: tuple[str, int], transfer_id: str = "T-1", to_store: str = "HZ01"
) -> TransferSummary:
    return app.request_transfer(
        RequestTransfer(
            transfer_id=transfer_id,
            from_store="SH01",
            to_store=to_store,
            lines=[OrderLine(sku=sku, quantity=quantity) for sku, quantity in lines],
        )
    )


def shipped(app: MultiStore, *lines: tuple[str, int], transfer_id: str = "T-1") -> None:
    request(app, *lines, transfer_id=transfer_id)
    app.approve_transfer(ApproveTransfer(transfer_id=transfer_id))
    app.ship_transfer(ShipTransfer(transfer_id=transfer_id))


def level(app: MultiStore, store: str, sku: str = "TEA-001") -> tuple[int, int, int]:
    stock = app.stock_level(store, sku)
    return stock.on_hand, stock.available, stock.incoming


def refused_without_events(
    app: MultiStore, error: type[Exception], action: Callable[[], object]
) -> Exception:
    before = app.log_position()
    with pytest.raises(error) as refusal:
        action()
    assert app.log_position() == before
    return refusal.value


# the happy path


def test_a_requested_transfer_moves_no_stock(chain: MultiStore) -> None:
    summary = request(chain, ("TEA-001", 4))
    assert summary.status == "requested"
    assert summary.position == chain.log_position()
    assert level(chain, "SH01") == (10, 10, 0)
    assert level(chain, "HZ01") == (10, 10, 0)


def test_approving_a_requested_transfer_makes_it_approved(chain: MultiStore) -> None:
    request(chain, ("TEA-001", 4))
    assert chain.approve_transfer(ApproveTransfer(transfer_id="T-1")).status == "approved"


def test_shipping_takes_stock_from_the_source_and_shows_it_incoming_at_the_destination(
    chain: MultiStore,
) -> None:
    shipped(chain, ("TEA-001", 4), ("CUP-002", 3))
    assert chain.transfer_summary("T-1").status == "shipped"
    assert level(chain, "SH01") == (6, 6, 0)
    assert level(chain, "SH01", "CUP-002") == (7, 7, 0)
    assert level(chain, "HZ01") == (10, 10, 4)
    assert level(chain, "HZ01", "CUP-002") == (10, 10, 3)


def test_shipping_saves_the_transfer_and_both_stock_items_in_one_transaction(
    chain: MultiStore,
) -> None:
    request(chain, ("TEA-001", 4))
    chain.approve_transfer(ApproveTransfer(transfer_id="T-1"))
    before = chain.log_position()
    position = chain.ship_transfer(ShipTransfer(transfer_id="T-1")).position
    assert position == before + 3  # Shipped, TransferredOut, IncomingAdded
    events = chain.recorder.select_notifications(before + 1, 10)
    assert [n.topic.rsplit(":", 1)[1] for n in events] == [
        "Transfer.Shipped",
        "StockItem.TransferredOut",
        "StockItem.IncomingAdded",
    ]


def test_shipping_to_a_store_that_never_held_the_sku_opens_its_stock(chain: MultiStore) -> None:
    chain.register_store(
        RegisterStore(
            code="NB01", name="Ningbo", region="east", kind="direct", latitude=29.9, longitude=121.5
        )
    )
    request(chain, ("TEA-001", 2), to_store="NB01")
    chain.approve_transfer(ApproveTransfer(transfer_id="T-1"))
    chain.ship_transfer(ShipTransfer(transfer_id="T-1"))
    assert level(chain, "NB01") == (0, 0, 2)


def test_receiving_in_full_clears_incoming_and_raises_on_hand(chain: MultiStore) -> None:
    shipped(chain, ("TEA-001", 4))
    summary = chain.receive_transfer(ReceiveTransfer(transfer_id="T-1"))
    assert summary.status == "received"
    assert [(line.sku, line.quantity, line.received) for line in summary.lines] == [
        ("TEA-001", 4, 4)
    ]
    assert level(chain, "HZ01") == (14, 14, 0)
    assert chain.get_transfer("T-1").discrepancy() == {"TEA-001": 0}


def test_a_shortfall_is_recorded_as_a_discrepancy_with_its_reason(chain: MultiStore) -> None:
    shipped(chain, ("TEA-001", 4), ("CUP-002", 2))
    chain.receive_transfer(
        ReceiveTransfer(
            transfer_id="T-1",
            lines=[
                ReceivedLine(sku="TEA-001", quantity=3),
                ReceivedLine(sku="CUP-002", quantity=2),
            ],
            reason="one box crushed",
        )
    )
    assert level(chain, "HZ01") == (13, 13, 0)
    assert level(chain, "HZ01", "CUP-002") == (12, 12, 0)
    transfer = chain.get_transfer("T-1")
    assert transfer.discrepancy() == {"TEA-001": 1, "CUP-002": 0}
    assert transfer.reason == "one box crushed"
    recorded = [
        chain.mapper.to_domain_event(n)
        for n in chain.recorder.select_notifications(1, 1000)
        if n.topic.endswith("Transfer.DiscrepancyRecorded")
    ]
    assert [(e.lines, e.reason) for e in recorded] == [  # type: ignore[attr-defined]
        ([{"sku": "TEA-001", "shipped": 4, "received": 3}], "one box crushed")
    ]


def test_a_surplus_is_recorded_and_booked(chain: MultiStore) -> None:
    shipped(chain, ("TEA-001", 4))
    chain.receive_transfer(
        ReceiveTransfer(
            transfer_id="T-1",
            lines=[ReceivedLine(sku="TEA-001", quantity=5)],
            reason="picked one too many",
        )
    )
    assert level(chain, "HZ01") == (15, 15, 0)
    assert chain.get_transfer("T-1").discrepancy() == {"TEA-001": -1}


def test_rejecting_a_requested_transfer_records_the_reason(chain: MultiStore) -> None:
    request(chain, ("TEA-001", 4))
    summary = chain.reject_transfer(RejectTransfer(transfer_id="T-1", reason="not needed"))
    assert (summary.status, summary.reason) == ("rejected", "not needed")


@pytest.mark.parametrize("approved", [False, True])
def test_a_transfer_can_be_cancelled_before_it_ships(chain: MultiStore, approved: bool) -> None:
    request(chain, ("TEA-001", 4))
    if approved:
        chain.approve_transfer(ApproveTransfer(transfer_id="T-1"))
    assert chain.cancel_transfer(CancelTransfer(transfer_id="T-1")).status == "cancelled"
    assert level(chain, "SH01") == (10, 10, 0)


def test_repeating_a_request_with_the_same_id_returns_the_first(chain: MultiStore) -> None:
    request(chain, ("TEA-001", 4))
    before = chain.log_position()
    again = request(chain, ("TEA-001", 4))
    assert (again.created, again.position) == (False, before)
    assert chain.log_position() == before


def test_a_request_without_an_id_gets_one(chain: MultiStore) -> None:
    summary = chain.request_transfer(
        RequestTransfer(
            from_store="SH01", to_store="HZ01", lines=[OrderLine(sku="TEA-001", quantity=1)]
        )
    )
    assert summary.transfer_id.startswith("T-")
    assert chain.transfer_summary(summary.transfer_id).status == "requested"


# refusals


def test_reusing_a_transfer_id_for_other_content_is_refused(chain: MultiStore) -> None:
    request(chain, ("TEA-001", 4))
    refusal = refused_without_events(
        chain, IdempotencyConflict, lambda: request(chain, ("TEA-001", 5))
    )
    assert isinstance(refusal, IdempotencyConflict) and refusal.field == "transfer_id"


def test_shipping_more_than_the_source_has_available_is_refused_naming_every_short_line(
    chain: MultiStore,
) -> None:
    chain.place_order(
        PlaceOrder(store="SH01", fulfilment="pickup", lines=[OrderLine(sku="TEA-001", quantity=8)])
    )
    request(chain, ("TEA-001", 3), ("CUP-002", 11))
    chain.approve_transfer(ApproveTransfer(transfer_id="T-1"))
    refusal = refused_without_events(
        chain, InsufficientStock, lambda: chain.ship_transfer(ShipTransfer(transfer_id="T-1"))
    )
    assert isinstance(refusal, InsufficientStock)
    assert [(s.field, s.sku, s.requested, s.available) for s in refusal.shortages] == [
        ("lines[0].quantity", "TEA-001", 3, 2),
        ("lines[1].quantity", "CUP-002", 11, 10),
    ]
    assert chain.transfer_summary("T-1").status == "approved"
    assert level(chain, "HZ01") == (10, 10, 0)


def test_shipping_a_sku_the_source_never_held_is_refused(chain: MultiStore) -> None:
    chain.register_store(
        RegisterStore(
            code="NB01", name="Ningbo", region="east", kind="direct", latitude=29.9, longitude=121.5
        )
    )
    chain.request_transfer(
        RequestTransfer(
            transfer_id="T-2", from_store="NB01", to_store="SH01",
            lines=[OrderLine(sku="TEA-001", quantity=1)],
        )
    )  # fmt: skip
    chain.approve_transfer(ApproveTransfer(transfer_id="T-2"))
    refused_without_events(
        chain, InsufficientStock, lambda: chain.ship_transfer(ShipTransfer(transfer_id="T-2"))
    )


@pytest.mark.parametrize(
    ("prepare", "action"),
    [
        ("requested", lambda app: app.ship_transfer(ShipTransfer(transfer_id="T-1"))),
        ("requested", lambda app: app.receive_transfer(ReceiveTransfer(transfer_id="T-1"))),
        ("approved", lambda app: app.approve_transfer(ApproveTransfer(transfer_id="T-1"))),
        (
            "approved",
            lambda app: app.reject_transfer(RejectTransfer(transfer_id="T-1", reason="x")),
        ),
        ("shipped", lambda app: app.cancel_transfer(CancelTransfer(transfer_id="T-1"))),
        ("shipped", lambda app: app.ship_transfer(ShipTransfer(transfer_id="T-1"))),
        ("received", lambda app: app.receive_transfer(ReceiveTransfer(transfer_id="T-1"))),
        ("received", lambda app: app.cancel_transfer(CancelTransfer(transfer_id="T-1"))),
        ("rejected", lambda app: app.approve_transfer(ApproveTransfer(transfer_id="T-1"))),
        ("cancelled", lambda app: app.ship_transfer(ShipTransfer(transfer_id="T-1"))),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(
    chain: MultiStore, prepare: str, action: Callable[[MultiStore], object]
) -> None:
    steps: dict[str, list[Callable[[], object]]] = {
        "requested": [],
        "approved": [lambda: chain.approve_transfer(ApproveTransfer(transfer_id="T-1"))],
        "rejected": [lambda: chain.reject_transfer(RejectTransfer(transfer_id="T-1", reason="no"))],
        "cancelled": [lambda: chain.cancel_transfer(CancelTransfer(transfer_id="T-1"))],
    }
    steps["shipped"] = [
        *steps["approved"],
        lambda: chain.ship_transfer(ShipTransfer(transfer_id="T-1")),
    ]
    steps["received"] = [
        *steps["shipped"],
        lambda: chain.receive_transfer(ReceiveTransfer(transfer_id="T-1")),
    ]
    request(chain, ("TEA-001", 4))
    for step in steps[prepare]:
        step()
    refusal = refused_without_events(chain, IllegalTransition, lambda: action(chain))
    assert f"transfer 'T-1' is {prepare}" in str(refusal)


def test_a_difference_without_a_reason_is_refused(chain: MultiStore) -> None:
    shipped(chain, ("TEA-001", 4))
    command = ReceiveTransfer(transfer_id="T-1", lines=[ReceivedLine(sku="TEA-001", quantity=3)])
    refusal = refused_without_events(chain, InvalidCommand, lambda: chain.receive_transfer(command))
    assert isinstance(refusal, InvalidCommand) and refusal.field == "reason"


@pytest.mark.parametrize(
    "lines",
    [
        [ReceivedLine(sku="TEA-001", quantity=4)],
        [
            ReceivedLine(sku="TEA-001", quantity=4),
            ReceivedLine(sku="CUP-002", quantity=2),
            ReceivedLine(sku="SPOON", quantity=1),
        ],
    ],
)
def test_receiving_must_name_every_shipped_sku_and_no_other(
    chain: MultiStore, lines: list[ReceivedLine]
) -> None:
    shipped(chain, ("TEA-001", 4), ("CUP-002", 2))
    command = ReceiveTransfer(transfer_id="T-1", lines=lines, reason="count")
    refusal = refused_without_events(chain, InvalidCommand, lambda: chain.receive_transfer(command))
    assert isinstance(refusal, InvalidCommand) and refusal.field == "lines"


def test_requests_naming_unknown_things_are_refused_with_the_field(chain: MultiStore) -> None:
    one = [OrderLine(sku="TEA-001", quantity=1)]
    cases: list[tuple[RequestTransfer, type[Exception], str]] = [
        (RequestTransfer(from_store="XX", to_store="HZ01", lines=one), UnknownStore, "from_store"),
        (RequestTransfer(from_store="SH01", to_store="XX", lines=one), UnknownStore, "to_store"),
        (
            RequestTransfer(
                from_store="SH01", to_store="HZ01", lines=[*one, OrderLine(sku="NOPE", quantity=1)]
            ),
            UnknownSku,
            "lines[1].sku",
        ),
    ]
    for command, error, field in cases:
        refusal = refused_without_events(chain, error, lambda c=command: chain.request_transfer(c))
        assert isinstance(refusal, InvalidCommand) and refusal.field == field


def test_a_transfer_to_a_closed_store_is_refused(chain: MultiStore) -> None:
    chain.close_store(CloseStore(code="HZ01"))
    refused_without_events(chain, StoreClosed, lambda: request(chain, ("TEA-001", 1)))


def test_commands_about_an_unknown_transfer_name_the_transfer_id(chain: MultiStore) -> None:
    refusal = refused_without_events(
        chain, UnknownTransfer, lambda: chain.approve_transfer(ApproveTransfer(transfer_id="NOPE"))
    )
    assert isinstance(refusal, UnknownTransfer) and refusal.field == "transfer_id"


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"to_store": "SH01"}, "to_store"),
        ({"lines": []}, "lines"),
        ({"lines": [OrderLine(sku="TEA-001", quantity=n) for n in (1, 2)]}, "lines[1].sku"),
    ],
)
def test_malformed_transfer_requests_are_refused_naming_the_field(
    fields: dict[str, object], named: str
) -> None:
    values: dict[str, object] = {
        "from_store": "SH01",
        "to_store": "HZ01",
        "lines": [OrderLine(sku="TEA-001", quantity=1)],
    }
    with pytest.raises(ValidationError, match=named.replace("[", r"\[").replace("]", r"\]")):
        RequestTransfer.model_validate(values | fields)


def test_a_received_line_cannot_be_negative() -> None:
    with pytest.raises(ValidationError, match="quantity"):
        ReceivedLine(sku="TEA-001", quantity=-1)


# suggested transfers


def test_a_store_below_safety_stock_is_offered_stock_from_one_above_safety_plus_margin(
    chain: MultiStore,
) -> None:
    chain.set_safety_stock(SetSafetyStock(store="HZ01", sku="TEA-001", quantity=15))
    chain.receive_stock(ReceiveStock(store="SH01", sku="TEA-001", quantity=10))
    chain.set_safety_stock(SetSafetyStock(store="SH01", sku="TEA-001", quantity=8))
    before = chain.log_position()
    suggestions = chain.suggest_transfers()
    # HZ01 needs 15 - 10 = 5; SH01 can give 20 - 8 - 5 (margin) = 7
    assert suggestions == [TransferSuggestion("TEA-001", "SH01", "HZ01", "east", 5)]
    assert chain.log_position() == before


def test_a_suggestion_never_takes_a_store_below_safety_stock_plus_margin(chain: MultiStore) -> None:
    chain.set_safety_stock(SetSafetyStock(store="HZ01", sku="TEA-001", quantity=30))
    chain.set_safety_stock(SetSafetyStock(store="SH01", sku="TEA-001", quantity=3))
    assert chain.suggest_transfers("TEA-001") == [
        TransferSuggestion("TEA-001", "SH01", "HZ01", "east", 2)
    ]


def test_incoming_stock_counts_towards_a_stores_need(chain: MultiStore) -> None:
    chain.set_safety_stock(SetSafetyStock(store="HZ01", sku="TEA-001", quantity=12))
    assert chain.suggest_transfers() == [TransferSuggestion("TEA-001", "SH01", "HZ01", "east", 2)]
    shipped(chain, ("TEA-001", 2))
    assert chain.suggest_transfers() == []


def test_no_transfer_is_suggested_across_regions_or_to_a_closed_store(chain: MultiStore) -> None:
    chain.register_store(
        RegisterStore(
            code="BJ01",
            name="Beijing",
            region="north",
            kind="direct",
            latitude=39.9,
            longitude=116.4,
        )
    )
    chain.receive_stock(ReceiveStock(store="BJ01", sku="TEA-001", quantity=1))
    chain.set_safety_stock(SetSafetyStock(store="BJ01", sku="TEA-001", quantity=5))
    chain.set_safety_stock(SetSafetyStock(store="HZ01", sku="CUP-002", quantity=12))
    chain.close_store(CloseStore(code="HZ01"))
    assert chain.suggest_transfers() == []


def test_suggestions_for_an_unknown_sku_are_refused_with_the_field(chain: MultiStore) -> None:
    refusal = refused_without_events(chain, UnknownSku, lambda: chain.suggest_transfers("NOPE"))
    assert isinstance(refusal, UnknownSku) and refusal.field == "sku"
