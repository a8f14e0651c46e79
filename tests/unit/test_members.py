"""Member points: enrol, earn, redeem at any store, give back, reverse, expire, tiers, settle."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

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
from multistore_core.errors import (
    AlreadyExists,
    IllegalTransition,
    InsufficientPoints,
    InvalidCommand,
    UnknownMember,
    UnknownStore,
)
from multistore_core.results import OrderSummary, SettlementLine
from support import FakeClock, build_chain


def refused_without_events(
    app: MultiStore, error: type[Exception], action: Callable[[], object]
) -> Exception:
    before = app.log_position()
    with pytest.raises(error) as refusal:
        action()
    assert app.log_position() == before
    return refusal.value


def enrol(app: MultiStore, member: str = "M-1", home: str = "SH01") -> None:
    app.enrol_member(EnrolMember(member_id=member, home_store=home))


def grant(app: MultiStore, points: int, store: str = "SH01", reference: str = "G-1") -> None:
    app.grant_points(
        GrantPoints(
            member_id="M-1", store=store, points=points, reference=reference, reason="opening"
        )
    )


def place(
    app: MultiStore,
    order_id: str,
    store: str = "SH01",
    points: int | None = None,
    cups: int = 2,
) -> OrderSummary:
    return app.place_order(
        PlaceOrder(
            order_id=order_id,
            store=store,
            fulfilment="pickup",
            member_id="M-1",
            points=points,
            lines=[OrderLine(sku="CUP-002", quantity=cups)],
        )
    )


def complete(app: MultiStore, order_id: str) -> None:
    due = app.order_summary(order_id).amount_due
    app.pay_order(PayOrder(order_id=order_id, amount=due, payment_ref=f"pay-{order_id}"))
    app.fulfil_order(FulfilOrder(order_id=order_id))
    app.complete_order(CompleteOrder(order_id=order_id))


def balance(app: MultiStore, member: str = "M-1") -> int:
    return app.member_summary(member).balance


def topics_since(app: MultiStore, position: int) -> list[str]:
    notifications = app.recorder.select_notifications(position + 1, 100)
    return [n.topic.rsplit(":", 1)[1] for n in notifications]


@pytest.fixture
def member(chain: MultiStore) -> MultiStore:
    enrol(chain)
    return chain


# enrolment


def test_enrolling_opens_an_empty_silver_account_at_the_home_store(chain: MultiStore) -> None:
    summary = chain.enrol_member(EnrolMember(member_id="M-1", home_store="HZ01"))
    assert (summary.home_store, summary.tier, summary.balance, summary.growth) == (
        "HZ01",
        "silver",
        0,
        0,
    )
    assert summary.position == chain.log_position()
    assert chain.get_member("M-1").joined_at == FakeClock().now


def test_enrolling_twice_is_refused(member: MultiStore) -> None:
    refusal = refused_without_events(member, AlreadyExists, lambda: enrol(member))
    assert isinstance(refusal, AlreadyExists) and refusal.field == "member_id"


def test_enrolling_at_an_unknown_store_is_refused_naming_home_store(chain: MultiStore) -> None:
    refusal = refused_without_events(chain, UnknownStore, lambda: enrol(chain, home="XX"))
    assert isinstance(refusal, UnknownStore) and refusal.field == "home_store"


def test_a_malformed_member_id_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="member_id"):
        EnrolMember(member_id="no spaces", home_store="SH01")


def test_asking_about_an_unknown_member_names_member_id(chain: MultiStore) -> None:
    with pytest.raises(UnknownMember, match="member_id"):
        chain.member_summary("NOBODY")


# earning


def test_completing_an_order_earns_a_point_per_whole_unit_paid(member: MultiStore) -> None:
    place(member, "A-1", cups=1)
    complete(member, "A-1")
    assert balance(member) == 30
    assert member.member_summary("M-1").growth == 30


def test_points_are_earned_in_the_same_save_as_the_completion(member: MultiStore) -> None:
    place(member, "A-1")
    member.pay_order(PayOrder(order_id="A-1", amount=Decimal("60.00"), payment_ref="p"))
    member.fulfil_order(FulfilOrder(order_id="A-1"))
    before = member.log_position()
    member.complete_order(CompleteOrder(order_id="A-1"))
    assert topics_since(member, before) == [
        "Order.Completed",
        "StockItem.Sold",
        "MemberAccount.PointsEarned",
    ]


def test_an_order_earns_once(member: MultiStore) -> None:
    place(member, "A-1")
    complete(member, "A-1")
    refused_without_events(
        member, IllegalTransition, lambda: member.complete_order(CompleteOrder(order_id="A-1"))
    )
    account = member.get_member("M-1")
    account.earn("A-1", "SH01", Decimal("60.00"), FakeClock().now, member.settings.points_rules())
    assert not account.pending_events
    assert balance(member) == 60


def test_an_order_of_someone_not_enrolled_completes_without_points(chain: MultiStore) -> None:
    place(chain, "A-1")
    complete(chain, "A-1")
    assert chain.order_summary("A-1").status == "completed"


def test_the_tier_multiplier_applies_and_growth_moves_the_tier(clock: FakeClock) -> None:
    app = MultiStore(
        Settings(database_url="memory://", tier_gold_growth=50, tier_diamond_growth=100),
        clock=clock,
    )
    build_chain(app)
    enrol(app)
    place(app, "A-1")
    complete(app, "A-1")  # silver: 60 points, growth 60 reaches gold
    assert app.member_summary("M-1").tier == "gold"
    place(app, "A-2")
    complete(app, "A-2")  # gold: 60 x 1.5 = 90 points, growth 120 reaches diamond
    summary = app.member_summary("M-1")
    assert (summary.balance, summary.growth, summary.tier) == (150, 120, "diamond")


def test_the_earning_rate_is_a_setting(clock: FakeClock) -> None:
    app = MultiStore(
        Settings(database_url="memory://", points_per_currency_unit=Decimal("0.5")), clock=clock
    )
    build_chain(app)
    enrol(app)
    place(app, "A-1", cups=1)
    complete(app, "A-1")
    assert balance(app) == 15


def test_granting_credits_points_once_per_reference(member: MultiStore) -> None:
    grant(member, 500)
    before = member.log_position()
    grant(member, 500)
    assert member.log_position() == before
    assert balance(member) == 500


def test_granting_to_an_unknown_member_or_store_is_refused(member: MultiStore) -> None:
    refused_without_events(
        member,
        UnknownMember,
        lambda: member.grant_points(
            GrantPoints(member_id="X", store="SH01", points=1, reference="r", reason="x")
        ),
    )
    refused_without_events(member, UnknownStore, lambda: grant(member, 1, store="XX"))


def test_granting_zero_points_is_refused_naming_points() -> None:
    with pytest.raises(ValidationError, match="points"):
        GrantPoints(member_id="M-1", store="SH01", points=0, reference="r", reason="x")


# redeeming


def test_redeeming_at_any_store_lowers_the_amount_due_and_the_balance(member: MultiStore) -> None:
    grant(member, 1000)
    placed = place(member, "A-1", store="HZ01", points=500)
    assert (placed.total, placed.points_used, placed.points_value, placed.amount_due) == (
        Decimal("60.00"),
        500,
        Decimal("5.00"),
        Decimal("55.00"),
    )
    assert balance(member) == 500


def test_points_are_taken_in_the_same_save_as_the_order_and_its_stock(member: MultiStore) -> None:
    grant(member, 1000)
    before = member.log_position()
    position = place(member, "A-1", points=500).position
    assert position == before + 3
    assert topics_since(member, before) == [
        "Order.Placed",
        "StockItem.Reserved",
        "MemberAccount.PointsRedeemed",
    ]


def test_payment_must_equal_the_amount_due_after_points(member: MultiStore) -> None:
    grant(member, 1000)
    place(member, "A-1", points=500)
    refusal = refused_without_events(
        member,
        InvalidCommand,
        lambda: member.pay_order(
            PayOrder(order_id="A-1", amount=Decimal("60.00"), payment_ref="p")
        ),
    )
    assert isinstance(refusal, InvalidCommand) and refusal.field == "amount"
    member.pay_order(PayOrder(order_id="A-1", amount=Decimal("55.00"), payment_ref="p"))


def test_earning_counts_only_what_was_paid_not_the_points(member: MultiStore) -> None:
    grant(member, 1000)
    place(member, "A-1", points=550)
    complete(member, "A-1")  # paid 54.50: 54 points
    assert balance(member) == 1000 - 550 + 54


def test_redeeming_more_than_the_balance_is_refused_and_reserves_nothing(
    member: MultiStore,
) -> None:
    grant(member, 100)
    refusal = refused_without_events(
        member, InsufficientPoints, lambda: place(member, "A-1", points=101)
    )
    assert isinstance(refusal, InsufficientPoints)
    assert (refusal.field, refusal.requested, refusal.balance) == ("points", 101, 100)
    assert member.stock_level("SH01", "CUP-002").reserved == 0


def test_points_worth_the_whole_total_are_refused(member: MultiStore) -> None:
    grant(member, 10000)
    refusal = refused_without_events(
        member, InvalidCommand, lambda: place(member, "A-1", points=6000)
    )
    assert isinstance(refusal, InvalidCommand) and refusal.field == "points"


def test_redeeming_for_someone_not_enrolled_is_refused_naming_member_id(chain: MultiStore) -> None:
    refusal = refused_without_events(chain, UnknownMember, lambda: place(chain, "A-1", points=1))
    assert isinstance(refusal, UnknownMember) and refusal.field == "member_id"


def test_points_without_a_member_are_refused_naming_points() -> None:
    with pytest.raises(ValidationError, match="points"):
        PlaceOrder(
            store="SH01", fulfilment="pickup", points=10, lines=[OrderLine(sku="T", quantity=1)]
        )


def test_repeating_a_placement_with_other_points_is_an_idempotency_conflict(
    member: MultiStore,
) -> None:
    grant(member, 1000)
    place(member, "A-1", points=100)
    assert not place(member, "A-1", points=100).created
    refused_without_events(member, InvalidCommand, lambda: place(member, "A-1", points=200))
    assert balance(member) == 900


def test_the_lots_that_expire_first_are_redeemed_first(
    member: MultiStore, clock: FakeClock
) -> None:
    grant(member, 100, store="SH01", reference="old")
    clock.advance(days=10)
    grant(member, 100, store="HZ01", reference="new")
    place(member, "A-1", points=150)
    lots = {lot["key"]: lot["remaining"] for lot in member.get_member("M-1").lots}
    assert lots == {"grant:old": 0, "grant:new": 50}


@pytest.mark.parametrize("how", ["cancelled", "expired"])
def test_points_come_back_when_the_order_is_cancelled_or_expires(
    member: MultiStore, clock: FakeClock, how: str
) -> None:
    grant(member, 1000)
    place(member, "A-1", points=400)
    if how == "cancelled":
        member.cancel_order(CancelOrder(order_id="A-1"))
    else:
        clock.advance(hours=1)
        assert member.expire_unpaid_orders() == ["A-1"]
    assert balance(member) == 1000
    assert member.order_summary("A-1").status == how


# returns


def test_a_whole_return_reverses_the_earned_points_and_gives_back_the_redeemed(
    member: MultiStore,
) -> None:
    grant(member, 1000)
    place(member, "A-1", points=500)
    complete(member, "A-1")  # paid 55.00: 55 points earned
    assert balance(member) == 555
    summary = member.return_order(ReturnOrder(order_id="A-1"))
    assert summary.refunded == Decimal("55.00")
    account = member.member_summary("M-1")
    assert (account.balance, account.growth) == (1000, 0)


def test_a_partial_return_reverses_a_proportional_share(member: MultiStore) -> None:
    grant(member, 1000)
    place(member, "A-1", points=600)
    complete(member, "A-1")  # total 60, paid 54.00, 54 points earned
    member.return_order(ReturnOrder(order_id="A-1", lines=[OrderLine(sku="CUP-002", quantity=1)]))
    assert member.order_summary("A-1").refunded == Decimal("27.00")
    # half of 54 earned reversed, half of 600 redeemed given back
    assert balance(member) == 1000 - 600 + 54 - 27 + 300
    member.return_order(ReturnOrder(order_id="A-1"))
    assert balance(member) == 1000
    assert member.order_summary("A-1").refunded == Decimal("54.00")


def test_a_reversal_of_spent_points_stops_at_zero_and_records_the_rest(
    member: MultiStore,
) -> None:
    place(member, "A-1")
    complete(member, "A-1")  # 60 points
    place(member, "A-2", cups=1, points=60)
    member.return_order(ReturnOrder(order_id="A-1"))
    assert balance(member) == 0
    reversed_events = [
        member.mapper.to_domain_event(n)
        for n in member.recorder.select_notifications(1, 1000)
        if n.topic.endswith("PointsReversed")
    ]
    assert [(e.points, e.unrecovered) for e in reversed_events] == [(60, 60)]  # type: ignore[attr-defined]


def test_a_return_drops_the_tier_when_growth_falls_below_it(clock: FakeClock) -> None:
    app = MultiStore(
        Settings(database_url="memory://", tier_gold_growth=50, tier_diamond_growth=100),
        clock=clock,
    )
    build_chain(app)
    enrol(app)
    place(app, "A-1")
    complete(app, "A-1")
    assert app.member_summary("M-1").tier == "gold"
    app.return_order(ReturnOrder(order_id="A-1", lines=[OrderLine(sku="CUP-002", quantity=1)]))
    assert (app.member_summary("M-1").tier, app.member_summary("M-1").growth) == ("silver", 30)


# expiry


def test_expired_lots_cannot_be_redeemed(member: MultiStore, clock: FakeClock) -> None:
    grant(member, 100)
    clock.advance(days=366)
    refused_without_events(member, InsufficientPoints, lambda: place(member, "A-1", points=1))
    assert member.member_summary("M-1").usable == 0


def test_expiring_points_removes_lots_past_their_date_only(
    member: MultiStore, clock: FakeClock
) -> None:
    grant(member, 100, reference="old")
    clock.advance(days=200)
    grant(member, 40, reference="new")
    enrol(member, "M-2")
    clock.advance(days=200)
    result = member.expire_points()
    assert result.expired == {"M-1": 100}
    assert result.position == member.log_position()
    assert balance(member) == 40
    before = member.log_position()
    assert member.expire_points().expired == {}
    assert member.log_position() == before


def test_points_given_back_to_an_expired_lot_expire_on_the_next_run(
    member: MultiStore, clock: FakeClock
) -> None:
    grant(member, 100)
    clock.advance(days=364, hours=23, minutes=50)
    place(member, "A-1", points=100)
    clock.advance(minutes=20)
    member.cancel_order(CancelOrder(order_id="A-1"))
    assert member.member_summary("M-1").usable == 0
    assert member.expire_points().expired == {"M-1": 100}


def test_the_validity_period_is_a_setting(clock: FakeClock) -> None:
    app = MultiStore(Settings(database_url="memory://", points_validity_days=30), clock=clock)
    build_chain(app)
    enrol(app)
    grant(app, 10)
    clock.advance(days=30)
    assert app.expire_points().expired == {"M-1": 10}


# settlement


def test_settlement_reports_points_by_issuing_and_redeeming_store(
    member: MultiStore, clock: FakeClock
) -> None:
    start = clock.now
    grant(member, 300, store="SH01", reference="a")
    clock.advance(days=1)
    grant(member, 300, store="HZ01", reference="b")
    place(member, "A-1", store="HZ01", points=400)  # 300 from SH01's lot, 100 from HZ01's
    place(member, "A-2", store="SH01", points=100, cups=1)
    member.cancel_order(CancelOrder(order_id="A-2"))  # given back: nets to nothing
    assert member.points_settlement(start, clock.now + timedelta(seconds=1)) == [
        SettlementLine("HZ01", "HZ01", 100, Decimal("1.00")),
        SettlementLine("SH01", "HZ01", 300, Decimal("3.00")),
    ]
    assert member.points_settlement(start, clock.now) == []


def test_a_settlement_period_must_end_after_it_starts(member: MultiStore, clock: FakeClock) -> None:
    with pytest.raises(InvalidCommand, match="end"):
        member.points_settlement(clock.now, clock.now)
