"""Random earning, redeeming, returns and expiry: the points ledger balances, never negative."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from multistore_core import MultiStore, Settings
from multistore_core.commands import (
    CancelOrder,
    CompleteOrder,
    EnrolMember,
    FulfilOrder,
    GrantPoints,
    OrderLine,
    PayOrder,
    PlaceOrder,
    ReturnOrder,
)
from multistore_core.errors import InsufficientPoints, InvalidCommand
from support import FakeClock, build_chain

STORES = ("SH01", "HZ01")
CUP_PRICE = Decimal("30.00")


class PointsLedger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.app = MultiStore(
            Settings(database_url="memory://", tier_gold_growth=100, tier_diamond_growth=300),
            clock=self.clock,
        )
        build_chain(self.app, stock=10_000)
        self.app.enrol_member(EnrolMember(member_id="M-1", home_store="SH01"))
        self.status: dict[str, str] = {}
        self.grants = 0

    def orders(self, *statuses: str) -> list[str]:
        return sorted(ref for ref, status in self.status.items() if status in statuses)

    @rule(store=st.sampled_from(STORES), points=st.integers(1, 500))
    def grant(self, store: str, points: int) -> None:
        self.grants += 1
        self.app.grant_points(
            GrantPoints(
                member_id="M-1",
                store=store,
                points=points,
                reference=f"G-{self.grants}",
                reason="goodwill",
            )
        )

    @rule(store=st.sampled_from(STORES), cups=st.integers(1, 3), points=st.integers(0, 1500))
    def place(self, store: str, cups: int, points: int) -> None:
        ref = f"A-{len(self.status)}"
        usable = self.app.member_summary("M-1").usable
        before = self.app.log_position()
        worth_total = Decimal(points) / 100 >= CUP_PRICE * cups
        try:
            self.app.place_order(
                PlaceOrder(
                    order_id=ref,
                    store=store,
                    fulfilment="pickup",
                    member_id="M-1",
                    points=points or None,
                    lines=[OrderLine(sku="CUP-002", quantity=cups)],
                )
            )
        except InsufficientPoints:
            assert points > usable and not worth_total
            assert self.app.log_position() == before
            return
        except InvalidCommand as refusal:
            assert refusal.field == "points" and worth_total
            assert self.app.log_position() == before
            return
        assert points <= usable and not worth_total
        self.status[ref] = "placed"

    @precondition(lambda self: self.orders("placed"))
    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(self.orders("placed")))
        due = self.app.order_summary(ref).amount_due
        self.app.pay_order(PayOrder(order_id=ref, amount=due, payment_ref=f"p-{ref}"))
        self.app.fulfil_order(FulfilOrder(order_id=ref))
        self.app.complete_order(CompleteOrder(order_id=ref))
        self.status[ref] = "completed"

    @precondition(lambda self: self.orders("placed"))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(self.orders("placed")))
        self.app.cancel_order(CancelOrder(order_id=ref))
        self.status[ref] = "cancelled"

    @precondition(lambda self: self.orders("completed"))
    @rule(data=st.data(), whole=st.booleans())
    def give_back(self, data: st.DataObject, whole: bool) -> None:
        ref = data.draw(st.sampled_from(self.orders("completed")))
        left = self.app.get_order(ref).unreturned().get("CUP-002", 0)
        quantity = left if whole else data.draw(st.integers(1, left))
        self.app.return_order(
            ReturnOrder(order_id=ref, lines=[OrderLine(sku="CUP-002", quantity=quantity)])
        )
        if quantity == left:
            self.status[ref] = "returned"

    @rule(days=st.integers(0, 400))
    def time_passes_and_points_expire(self, days: int) -> None:
        self.clock.advance(days=days)
        self.app.expire_points()
        assert self.app.member_summary("M-1").balance == self.app.member_summary("M-1").usable

    @invariant()
    def balance_is_earned_less_redeemed_expired_and_reversed(self) -> None:
        totals: Counter[str] = Counter()
        earned_per_order: Counter[str] = Counter()
        reversed_per_order: Counter[str] = Counter()
        earned_points: dict[str, int] = {}
        for notification in self.app.recorder.select_notifications(1, 100_000):
            event: Any = self.app.mapper.to_domain_event(notification)
            name = type(event).__qualname__
            if name == "MemberAccount.PointsEarned":
                totals["earned"] += event.points
                earned_per_order[event.order_ref] += 1
                earned_points[event.order_ref] = event.points
            elif name == "MemberAccount.PointsGranted":
                totals["earned"] += event.points
            elif name == "MemberAccount.PointsRedeemed":
                totals["redeemed"] += event.points
            elif name == "MemberAccount.PointsRestored":
                totals["redeemed"] -= event.points
            elif name == "MemberAccount.PointsExpired":
                totals["expired"] += event.points
            elif name == "MemberAccount.PointsReversed":
                totals["reversed"] += sum(part["points"] for part in event.taken)
                reversed_per_order[event.order_ref] += event.points
        balance = self.app.member_summary("M-1").balance
        expected = totals["earned"] - totals["redeemed"] - totals["expired"] - totals["reversed"]
        assert balance == expected >= 0
        assert all(lot["remaining"] >= 0 for lot in self.app.get_member("M-1").lots)
        assert all(count == 1 for count in earned_per_order.values())
        assert all(reversed_per_order[ref] <= earned_points[ref] for ref in reversed_per_order)


PointsLedger.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_points_ledger = PointsLedger.TestCase
