"""Random transfers, orders and receipts: stock is conserved across stores, checked from the log."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from multistore_core import MultiStore, Settings
from multistore_core.commands import (
    ApproveTransfer,
    CancelOrder,
    CancelTransfer,
    OrderLine,
    PlaceOrder,
    ReceivedLine,
    ReceiveStock,
    ReceiveTransfer,
    RejectTransfer,
    RequestTransfer,
    ShipTransfer,
)
from multistore_core.errors import InsufficientStock
from support import FakeClock, build_chain

STORES = ("SH01", "HZ01")
SKUS = ("TEA-001", "CUP-002")
KEYS = [(store, sku) for store in STORES for sku in SKUS]
LINES = st.dictionaries(st.sampled_from(SKUS), st.integers(1, 8), min_size=1)


@dataclass
class ModelTransfer:
    from_store: str
    to_store: str
    lines: dict[str, int]
    status: str = "requested"


class TransfersConserveStock(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = MultiStore(Settings(database_url="memory://"), clock=FakeClock())
        build_chain(self.app)
        self.on_hand = {key: 10 for key in KEYS}
        self.reserved = dict.fromkeys(KEYS, 0)
        self.incoming = dict.fromkeys(KEYS, 0)
        self.transfers: dict[str, ModelTransfer] = {}
        self.orders: dict[str, tuple[str, dict[str, int]]] = {}
        self.placed = 0

    def in_status(self, status: str) -> list[str]:
        return sorted(ref for ref, t in self.transfers.items() if t.status == status)

    @rule(source=st.sampled_from(STORES), lines=LINES)
    def request(self, source: str, lines: dict[str, int]) -> None:
        ref = f"T-{len(self.transfers)}"
        target = next(store for store in STORES if store != source)
        self.app.request_transfer(
            RequestTransfer(
                transfer_id=ref,
                from_store=source,
                to_store=target,
                lines=[OrderLine(sku=sku, quantity=q) for sku, q in lines.items()],
            )
        )
        self.transfers[ref] = ModelTransfer(source, target, lines)

    @precondition(lambda self: self.in_status("requested"))
    @rule(data=st.data(), approve=st.booleans())
    def decide(self, data: st.DataObject, approve: bool) -> None:
        ref = data.draw(st.sampled_from(self.in_status("requested")))
        if approve:
            self.app.approve_transfer(ApproveTransfer(transfer_id=ref))
            self.transfers[ref].status = "approved"
        else:
            self.app.reject_transfer(RejectTransfer(transfer_id=ref, reason="not now"))
            self.transfers[ref].status = "rejected"

    @precondition(lambda self: self.in_status("approved"))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(self.in_status("approved")))
        self.app.cancel_transfer(CancelTransfer(transfer_id=ref))
        self.transfers[ref].status = "cancelled"

    @precondition(lambda self: self.in_status("approved"))
    @rule(data=st.data())
    def ship(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(self.in_status("approved")))
        transfer = self.transfers[ref]
        covered = all(
            q
            <= self.on_hand[(transfer.from_store, sku)] - self.reserved[(transfer.from_store, sku)]
            for sku, q in transfer.lines.items()
        )
        before = self.app.log_position()
        try:
            self.app.ship_transfer(ShipTransfer(transfer_id=ref))
        except InsufficientStock:
            assert not covered, "a shipment the source could cover was refused"
            assert self.app.log_position() == before
            return
        assert covered, "a shipment the source could not cover was accepted"
        for sku, q in transfer.lines.items():
            self.on_hand[(transfer.from_store, sku)] -= q
            self.incoming[(transfer.to_store, sku)] += q
        transfer.status = "shipped"

    @precondition(lambda self: self.in_status("shipped"))
    @rule(data=st.data())
    def receive(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(self.in_status("shipped")))
        transfer = self.transfers[ref]
        received = {
            sku: data.draw(st.integers(max(0, q - 3), q + 2)) for sku, q in transfer.lines.items()
        }
        self.app.receive_transfer(
            ReceiveTransfer(
                transfer_id=ref,
                lines=[ReceivedLine(sku=sku, quantity=q) for sku, q in received.items()],
                reason="counted on arrival",
            )
        )
        for sku, q in transfer.lines.items():
            self.incoming[(transfer.to_store, sku)] -= q
            self.on_hand[(transfer.to_store, sku)] += received[sku]
        transfer.status = "received"

    @rule(key=st.sampled_from(KEYS), quantity=st.integers(1, 6))
    def receive_stock(self, key: tuple[str, str], quantity: int) -> None:
        self.app.receive_stock(ReceiveStock(store=key[0], sku=key[1], quantity=quantity))
        self.on_hand[key] += quantity

    @rule(store=st.sampled_from(STORES), lines=LINES)
    def place_order(self, store: str, lines: dict[str, int]) -> None:
        self.placed += 1
        ref = f"O-{self.placed}"
        try:
            self.app.place_order(
                PlaceOrder(
                    order_id=ref,
                    store=store,
                    fulfilment="pickup",
                    lines=[OrderLine(sku=sku, quantity=q) for sku, q in lines.items()],
                )
            )
        except InsufficientStock:
            return
        for sku, q in lines.items():
            self.reserved[(store, sku)] += q
            assert self.reserved[(store, sku)] <= self.on_hand[(store, sku)]
        self.orders[ref] = (store, lines)

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def cancel_order(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(sorted(self.orders)))
        store, lines = self.orders.pop(ref)
        self.app.cancel_order(CancelOrder(order_id=ref))
        for sku, q in lines.items():
            self.reserved[(store, sku)] -= q

    @invariant()
    def stock_matches_the_model(self) -> None:
        for store, sku in KEYS:
            level = self.app.stock_level(store, sku)
            expected = (self.on_hand[(store, sku)], self.reserved[(store, sku)])
            assert (level.on_hand, level.reserved) == expected
            assert level.incoming == self.incoming[(store, sku)]
            assert level.on_hand >= level.reserved >= 0

    @invariant()
    def what_left_equals_what_arrived_plus_discrepancy_plus_in_transit(self) -> None:
        left: Counter[str] = Counter()
        arrived: Counter[str] = Counter()
        discrepancy: Counter[str] = Counter()
        skus = {self.app.get_stock_item(store, sku).id: sku for store, sku in KEYS}
        for notification in self.app.recorder.select_notifications(1, 100_000):
            event: Any = self.app.mapper.to_domain_event(notification)
            name = type(event).__qualname__
            if name == "StockItem.TransferredOut":
                left[skus[event.originator_id]] += event.quantity
            elif name == "StockItem.TransferredIn":
                arrived[skus[event.originator_id]] += event.quantity
            elif name == "Transfer.DiscrepancyRecorded":
                for line in event.lines:
                    discrepancy[line["sku"]] += line["shipped"] - line["received"]
        for sku in SKUS:
            in_transit = sum(self.incoming[(store, sku)] for store in STORES)
            assert left[sku] == arrived[sku] + discrepancy[sku] + in_transit


TransfersConserveStock.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_transfers_conserve_stock = TransfersConserveStock.TestCase
