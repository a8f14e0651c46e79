"""Stateful: after every stock command, the replayed stock (now and at any earlier position)
equals a simple model of the shortage rules, and verify finds nothing wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from multistore_core import MultiStore, Settings
from multistore_core import commands as c
from multistore_core.audit.asof import stock_as_of
from multistore_core.audit.verify import verify
from multistore_core.errors import MultiStoreError
from support import FakeClock, build_chain


@dataclass
class Model:
    """The stock rules of one store's SKU, as plainly as they can be written."""

    on_hand: int = 10
    reserved: int = 0
    shortage: int = 0
    orders: dict[str, int] = field(default_factory=dict)
    fulfilled: set[str] = field(default_factory=set)  # paid and ready: no longer cancellable

    def levels(self) -> tuple[int, int, int]:
        return self.on_hand, self.reserved, self.shortage


class StockReplay(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.clock = FakeClock()
        self.app = MultiStore(Settings(database_url="memory://"), clock=self.clock)
        build_chain(self.app)
        self.model = Model()
        self.history: list[tuple[int, tuple[int, int, int]]] = []
        self.placed = 0
        self.place(5)

    @rule(quantity=st.integers(1, 8))
    def receive(self, quantity: int) -> None:
        self.app.receive_stock(c.ReceiveStock(store="SH01", sku="TEA-001", quantity=quantity))
        covered = min(quantity, self.model.shortage)
        self.model.on_hand += quantity - covered
        self.model.shortage -= covered

    @rule(quantity=st.integers(1, 6))
    def place(self, quantity: int) -> None:
        self.placed += 1
        ref = f"A-{self.placed}"
        command = c.PlaceOrder(
            order_id=ref,
            store="SH01",
            fulfilment="pickup",
            lines=[c.OrderLine(sku="TEA-001", quantity=quantity)],
        )
        if quantity > self.model.on_hand - self.model.reserved:
            try:
                self.app.place_order(command)
            except MultiStoreError:
                return
            raise AssertionError("an order beyond available was accepted")
        self.app.place_order(command)
        self.model.orders[ref] = quantity
        self.model.reserved += quantity

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        open_orders = sorted(set(self.model.orders) - self.model.fulfilled)
        if not open_orders:
            return
        ref = data.draw(st.sampled_from(open_orders))
        self.app.cancel_order(c.CancelOrder(order_id=ref))
        quantity = self.model.orders.pop(ref)
        written_off = min(quantity, self.model.shortage)
        self.model.reserved -= quantity
        self.model.on_hand -= written_off
        self.model.shortage -= written_off

    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        if not self.model.orders:
            return
        ref = data.draw(st.sampled_from(sorted(self.model.orders)))
        quantity = self.model.orders[ref]
        if ref not in self.model.fulfilled:
            total = Decimal("12.50") * quantity
            self.app.pay_order(c.PayOrder(order_id=ref, amount=total, payment_ref="p"))
            self.app.fulfil_order(c.FulfilOrder(order_id=ref))
            self.model.fulfilled.add(ref)
        try:
            self.app.complete_order(c.CompleteOrder(order_id=ref))
        except MultiStoreError:
            # the last stocktake found fewer units than this sale: it waits for a receipt
            assert quantity > self.model.on_hand - self.model.shortage
            event("sale refused for a shortage")
            return
        del self.model.orders[ref]
        self.model.reserved -= quantity
        self.model.on_hand -= quantity

    @rule(counted=st.integers(0, 6))
    def count(self, counted: int) -> None:
        self.stocktake(counted)

    def stocktake(self, counted: int) -> None:
        self.app.adjust_stock(
            c.AdjustStock(store="SH01", sku="TEA-001", reason="stocktake", counted=counted)
        )
        self.model.on_hand = max(counted, self.model.reserved)
        self.model.shortage = max(self.model.reserved - counted, 0)
        event("stocktake below the reservations" if self.model.shortage else "stocktake")

    @rule(missing=st.integers(1, 4))
    def stocktake_short_of_the_reservations(self, missing: int) -> None:
        self.stocktake(max(self.model.reserved - missing, 0))

    @invariant()
    def replay_equals_the_model_now_and_before(self) -> None:
        position = self.app.log_position()
        self.history.append((position, self.model.levels()))
        level = stock_as_of(self.app, "SH01", "TEA-001")[0]
        assert (level.on_hand, level.reserved, level.shortage) == self.model.levels()
        written = self.app.stock_level("SH01", "TEA-001")
        assert (written.on_hand, written.reserved, written.shortage) == self.model.levels()
        earlier, levels = self.history[len(self.history) // 2]
        then = stock_as_of(self.app, "SH01", "TEA-001", position=earlier)[0]
        assert (then.on_hand, then.reserved, then.shortage) == levels

    def teardown(self) -> None:
        if hasattr(self, "app"):
            assert verify(self.app).violations == []


StockReplay.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
test_replayed_stock_follows_the_shortage_rules = StockReplay.TestCase
