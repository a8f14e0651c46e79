"""Random sequences of stock and order commands against a simple model of the rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from multistore_core import MultiStore, Settings
from multistore_core.commands import (
    AdjustStock,
    CancelOrder,
    CompleteOrder,
    FulfilOrder,
    OrderLine,
    PayOrder,
    PlaceOrder,
    ReceiveStock,
    ReturnOrder,
)
from multistore_core.errors import IllegalTransition, InsufficientStock, StockRuleViolation
from multistore_core.ids import stock_item_id
from support import FakeClock, build_chain

STORES = ("SH01", "HZ01")
SKUS = ("TEA-001", "CUP-002")
KEYS = [(store, sku) for store in STORES for sku in SKUS]


@dataclass
class ModelStock:
    on_hand: int = 10
    reserved: int = 0
    shortage: int = 0


@dataclass
class ModelOrder:
    store: str
    lines: dict[str, int]
    status: str = "placed"
    placed_minute: int = 0
    returned: dict[str, int] = field(default_factory=dict)


class OrdersAndStock(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.minute = 0
        self.app = MultiStore(Settings(database_url="memory://"), clock=self.clock)
        build_chain(self.app)
        self.stock = {key: ModelStock() for key in KEYS}
        self.orders: dict[str, ModelOrder] = {}

    def orders_in(self, *statuses: str) -> list[str]:
        return [ref for ref, order in self.orders.items() if order.status in statuses]

    @rule(key=st.sampled_from(KEYS), quantity=st.integers(1, 8))
    def receive(self, key: tuple[str, str], quantity: int) -> None:
        self.app.receive_stock(ReceiveStock(store=key[0], sku=key[1], quantity=quantity))
        stock = self.stock[key]
        covered = min(quantity, stock.shortage)
        stock.on_hand += quantity - covered
        stock.shortage -= covered

    def short_keys(self) -> list[tuple[str, str]]:
        return [key for key, stock in self.stock.items() if stock.shortage]

    @precondition(lambda self: self.short_keys())
    @rule(data=st.data(), quantity=st.integers(1, 8))
    def receive_where_short(self, data: st.DataObject, quantity: int) -> None:
        self.receive(data.draw(st.sampled_from(self.short_keys())), quantity)

    @precondition(lambda self: self.short_keys() and self.orders_in("placed", "paid"))
    @rule(data=st.data())
    def cancel_where_short(self, data: st.DataObject) -> None:
        short = self.short_keys()
        holding = [
            ref
            for ref in self.orders_in("placed", "paid")
            if any((self.orders[ref].store, sku) in short for sku in self.orders[ref].lines)
        ]
        if holding:
            ref = data.draw(st.sampled_from(holding))
            self.app.cancel_order(CancelOrder(order_id=ref))
            self.release(self.orders[ref], "cancelled")

    @rule(key=st.sampled_from(KEYS), delta=st.integers(-6, 6).filter(bool))
    def correct(self, key: tuple[str, str], delta: int) -> None:
        stock = self.stock[key]
        command = AdjustStock(store=key[0], sku=key[1], reason="correction", delta=delta)
        if stock.on_hand + delta < stock.reserved:
            before = self.app.log_position()
            try:
                self.app.adjust_stock(command)
            except StockRuleViolation:
                assert self.app.log_position() == before
                return
            raise AssertionError("an adjustment below reserved was accepted")
        self.app.adjust_stock(command)
        stock.on_hand += delta

    @rule(key=st.sampled_from(KEYS), offset=st.integers(-4, 6))
    def stocktake(self, key: tuple[str, str], offset: int) -> None:
        """Count near the reserved quantity, so that shortages happen often."""
        counted = max(0, self.stock[key].reserved + offset)
        self.app.adjust_stock(
            AdjustStock(store=key[0], sku=key[1], reason="stocktake", counted=counted)
        )
        stock = self.stock[key]
        stock.on_hand = max(counted, stock.reserved)
        stock.shortage = max(0, stock.reserved - counted)

    @rule(
        store=st.sampled_from(STORES),
        lines=st.dictionaries(st.sampled_from(SKUS), st.integers(1, 6), min_size=1),
    )
    def place(self, store: str, lines: dict[str, int]) -> None:
        ref = f"O-{len(self.orders)}"
        command = PlaceOrder(
            order_id=ref, store=store, fulfilment="pickup",
            lines=[OrderLine(sku=sku, quantity=q) for sku, q in lines.items()],
        )  # fmt: skip
        fits = all(
            q <= self.stock[(store, sku)].on_hand - self.stock[(store, sku)].reserved
            for sku, q in lines.items()
        )
        before = self.app.log_position()
        try:
            self.app.place_order(command)
        except InsufficientStock:
            assert not fits
            assert self.app.log_position() == before
            return
        assert fits
        self.orders[ref] = ModelOrder(store, dict(lines), placed_minute=self.minute)
        for sku, q in lines.items():
            self.stock[(store, sku)].reserved += q

    @precondition(lambda self: self.orders_in("placed"))
    @rule(data=st.data())
    def pay_and_fulfil(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(self.orders_in("placed")))
        total = self.app.order_summary(ref).total
        self.app.pay_order(PayOrder(order_id=ref, amount=total, payment_ref="p"))
        self.app.fulfil_order(FulfilOrder(order_id=ref))
        self.orders[ref].status = "ready_for_pickup"

    @precondition(lambda self: self.orders_in("ready_for_pickup"))
    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(self.orders_in("ready_for_pickup")))
        order = self.orders[ref]
        short = any(
            q > self.stock[(order.store, sku)].on_hand - self.stock[(order.store, sku)].shortage
            for sku, q in order.lines.items()
        )
        try:
            self.app.complete_order(CompleteOrder(order_id=ref))
        except StockRuleViolation:
            assert short
            return
        assert not short
        order.status = "completed"
        for sku, q in order.lines.items():
            stock = self.stock[(order.store, sku)]
            stock.on_hand -= q
            stock.reserved -= q

    @precondition(lambda self: self.orders)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(sorted(self.orders)))
        order = self.orders[ref]
        try:
            self.app.cancel_order(CancelOrder(order_id=ref))
        except IllegalTransition:
            assert order.status not in ("placed", "paid")
            return
        assert order.status in ("placed", "paid")
        self.release(order, "cancelled")

    @rule(minutes=st.integers(1, 40))
    def time_passes_and_unpaid_orders_expire(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        self.minute += minutes
        expired = self.app.expire_unpaid_orders()
        due = [
            r for r in self.orders_in("placed") if self.orders[r].placed_minute + 30 <= self.minute
        ]
        assert sorted(expired) == sorted(due)
        for ref in due:
            self.release(self.orders[ref], "expired")

    @precondition(lambda self: self.orders_in("completed"))
    @rule(data=st.data(), restock=st.booleans())
    def return_one_unit(self, data: st.DataObject, restock: bool) -> None:
        ref = data.draw(st.sampled_from(self.orders_in("completed")))
        order = self.orders[ref]
        sku = data.draw(st.sampled_from(sorted(order.lines)))
        if order.returned.get(sku, 0) >= order.lines[sku]:
            return
        self.app.return_order(
            ReturnOrder(order_id=ref, lines=[OrderLine(sku=sku, quantity=1)], restock=restock)
        )
        order.returned[sku] = order.returned.get(sku, 0) + 1
        if restock:
            self.stock[(order.store, sku)].on_hand += 1

    def release(self, order: ModelOrder, status: str) -> None:
        order.status = status
        for sku, q in order.lines.items():
            stock = self.stock[(order.store, sku)]
            written_off = min(q, stock.shortage)
            stock.reserved -= q
            stock.on_hand -= written_off
            stock.shortage -= written_off

    @invariant()
    def stock_matches_the_model_and_the_rules(self) -> None:
        for (store, sku), expected in self.stock.items():
            level = self.app.stock_level(store, sku)
            assert (level.on_hand, level.reserved, level.shortage) == (
                expected.on_hand, expected.reserved, expected.shortage,
            )  # fmt: skip
            assert 0 <= level.reserved <= level.on_hand
            assert level.available >= 0

    def teardown(self) -> None:
        """Replaying the whole log in order rebuilds every stock item as the repository has it."""
        rebuilt: dict[object, object] = {}
        for notification in self.app.recorder.select_notifications(1, 100_000):
            event = self.app.mapper.to_domain_event(notification)
            rebuilt[event.originator_id] = event.mutate(rebuilt.get(event.originator_id))  # type: ignore[attr-defined]
        for store, sku in KEYS:
            item = self.app.get_stock_item(store, sku)
            assert rebuilt[stock_item_id(store, sku)] == item


OrdersAndStock.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
test_orders_and_stock_follow_the_rules = OrdersAndStock.TestCase
