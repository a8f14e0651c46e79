"""The view queries on SQLite and PostgreSQL: stock, alerts, orders, dashboard, shares, members."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from multistore_core import MultiStore, Settings
from multistore_core import commands as c
from projection_support import add_joint_venture
from projections.database import ViewStore
from projections.queries import DashboardFilter, ViewQueries
from projections.runner import Runner
from support import FakeClock, build_chain

NINE = datetime(2026, 11, 1, 9, tzinfo=FakeClock().now.tzinfo)


@dataclass
class Shop:
    app: MultiStore
    clock: FakeClock
    runner: Runner

    def read(self) -> ViewQueries:
        """The queries, once the views have caught up with everything written so far."""
        self.runner.catch_up()
        return ViewQueries(self.runner.views, self.app.log_position)


@pytest.fixture
def shop(database_url: str) -> Iterator[Shop]:
    """The chain with JV01 on each backend, views in the same database."""
    clock = FakeClock()
    app = MultiStore(Settings(database_url=database_url), clock=clock)
    build_chain(app)
    add_joint_venture(app)
    views = ViewStore(database_url)
    yield Shop(app, clock, Runner(app, views))
    views.dispose()
    app.close()


def order(
    app: MultiStore, ref: str, store: str, tea: int, cup: int = 0, done: bool = False
) -> None:
    lines = [c.OrderLine(sku="TEA-001", quantity=tea)]
    if cup:
        lines.append(c.OrderLine(sku="CUP-002", quantity=cup))
    placed = app.place_order(
        c.PlaceOrder(order_id=ref, store=store, fulfilment="pickup", lines=lines)
    )
    if done:
        app.pay_order(c.PayOrder(order_id=ref, amount=placed.total, payment_ref=f"P-{ref}"))
        app.fulfil_order(c.FulfilOrder(order_id=ref))
        app.complete_order(c.CompleteOrder(order_id=ref))


def test_stock_queries_give_one_store_and_one_sku_across_stores(shop: Shop) -> None:
    app = shop.app
    order(app, "A1", "SH01", tea=3)
    row = shop.read().stock_for("SH01", "TEA-001")
    assert row is not None and (row.on_hand, row.reserved, row.available) == (10, 3, 7)
    assert shop.read().stock_for("SH01", "NOPE") is None
    across = shop.read().stock_across_stores("TEA-001")
    assert (across.on_hand, across.reserved, across.available) == (30, 3, 27)
    assert [r.store for r in across.stores] == ["HZ01", "JV01", "SH01"]
    app.close_store(c.CloseStore(code="HZ01"))
    assert [r.store for r in shop.read().stock_across_stores("TEA-001", open_only=True).stores] == [
        "JV01",
        "SH01",
    ]
    assert [r.sku for r in shop.read().stock_at_store("SH01")] == ["CUP-002", "TEA-001"]


def test_low_stock_lists_items_below_safety_stock_with_how_long(shop: Shop) -> None:
    app, clock = shop.app, shop.clock
    app.set_safety_stock(c.SetSafetyStock(store="SH01", sku="TEA-001", quantity=12))
    app.set_safety_stock(c.SetSafetyStock(store="HZ01", sku="CUP-002", quantity=5))
    clock.advance(hours=3)
    [alert] = shop.read().low_stock(now=clock())
    assert (alert.store, alert.sku, alert.available, alert.safety_stock) == (
        "SH01",
        "TEA-001",
        10,
        12,
    )
    assert alert.low_since == NINE and alert.below_for == timedelta(hours=3)
    assert shop.read().low_stock(store="HZ01") == []
    assert len(shop.read().low_stock(region="east")) == 1


def test_orders_page_by_store_status_and_day_with_daily_totals(shop: Shop) -> None:
    app, clock = shop.app, shop.clock
    for index in range(5):
        order(app, f"A{index}", "SH01", tea=1, done=index < 2)
    clock.advance(days=1)
    order(app, "B1", "HZ01", tea=2)
    page = shop.read().orders(store="SH01", page=1, page_size=2)
    assert (page.total, len(page.items)) == (5, 2)
    assert [o.order_id for o in shop.read().orders(store="SH01", status="completed").items] == [
        "A0",
        "A1",
    ]
    assert [o.order_id for o in shop.read().orders(day=date(2026, 11, 2)).items] == ["B1"]
    assert shop.read().orders(store="SH01", page=3, page_size=2).items[0].total == Decimal("12.50")
    totals = {(t.store, t.day, t.status): (t.orders, t.value) for t in shop.read().order_totals()}
    assert totals == {
        ("SH01", date(2026, 11, 1), "completed"): (2, Decimal("25.00")),
        ("SH01", date(2026, 11, 1), "placed"): (3, Decimal("37.50")),
        ("HZ01", date(2026, 11, 2), "placed"): (1, Decimal("25.00")),
    }
    with pytest.raises(ValueError, match="page_size"):
        shop.read().orders(page_size=0)


def test_the_dashboard_sums_kpis_by_hour_and_day_and_filters_them(shop: Shop) -> None:
    app, clock = shop.app, shop.clock
    order(app, "A1", "SH01", tea=2, cup=1, done=True)  # 55.00 at 09:00
    order(app, "A2", "SH01", tea=1)  # 12.50, cancelled below
    app.cancel_order(c.CancelOrder(order_id="A2"))
    clock.advance(hours=1)
    order(app, "B1", "HZ01", tea=4)  # 50.00 at 10:00, franchise
    app.enrol_member(c.EnrolMember(member_id="M1", home_store="HZ01"))
    clock.advance(days=1)
    order(app, "J1", "JV01", cup=1, tea=1)  # 42.50 next day
    board = shop.read().dashboard()
    totals = board.totals
    assert (totals.gmv, totals.orders, totals.cancelled, totals.new_members) == (
        Decimal("160.00"),
        4,
        1,
        1,
    )
    assert totals.average_order_value == Decimal("40.00")
    assert totals.cancellation_rate == 0.25
    assert [b.figures.orders for b in board.by_hour] == [2, 1, 1]
    assert [(b.start.day, b.figures.gmv) for b in board.by_day] == [
        (1, Decimal("117.50")),
        (2, Decimal("42.50")),
    ]
    assert [(r.sku, r.units) for r in board.top_by_units] == [("TEA-001", 7), ("CUP-002", 2)]
    assert [(r.sku, r.revenue) for r in board.top_by_revenue] == [
        ("TEA-001", Decimal("87.50")),
        ("CUP-002", Decimal("60.00")),
    ]
    franchise = shop.read().dashboard(DashboardFilter(store_kind="franchise")).totals
    assert (franchise.gmv, franchise.new_members) == (Decimal("50.00"), 1)
    first_hour = DashboardFilter(start=NINE, end=NINE + timedelta(hours=1))
    assert shop.read().dashboard(first_hour).totals.orders == 2
    assert shop.read().dashboard(DashboardFilter(store="JV01")).totals.gmv == Decimal("42.50")
    assert shop.read().dashboard(DashboardFilter(region="west")).totals.orders == 0


def test_revenue_share_gives_hq_its_part_of_joint_venture_sales_by_day_or_month(
    shop: Shop,
) -> None:
    app, clock = shop.app, shop.clock
    order(app, "J1", "JV01", tea=4, done=True)
    clock.advance(days=1)
    order(app, "J2", "JV01", tea=2, done=True)
    order(app, "A1", "SH01", tea=2, done=True)
    daily = shop.read().revenue_share()
    assert [(s.store, s.period, s.completed, s.hq_share) for s in daily] == [
        ("JV01", "2026-11-01", Decimal("50.00"), Decimal("15.00")),
        ("JV01", "2026-11-02", Decimal("25.00"), Decimal("7.50")),
    ]
    [monthly] = shop.read().revenue_share(by="month")
    assert (monthly.period, monthly.hq_share) == ("2026-11", Decimal("22.50"))
    assert shop.read().revenue_share(start=date(2026, 11, 2))[0].completed == Decimal("25.00")


def test_members_and_transfers_in_flight_are_listed(shop: Shop) -> None:
    app = shop.app
    app.enrol_member(c.EnrolMember(member_id="M1", home_store="SH01"))
    app.grant_points(
        c.GrantPoints(member_id="M1", store="SH01", points=50, reference="G", reason="welcome")
    )
    member = shop.read().member("M1")
    assert member is not None and (member.balance, member.tier) == (50, "silver")
    assert [m.member_id for m in shop.read().members(home_store="SH01")] == ["M1"]
    for ref in ("T1", "T2"):
        app.request_transfer(
            c.RequestTransfer(
                transfer_id=ref,
                from_store="SH01",
                to_store="HZ01",
                lines=[c.OrderLine(sku="TEA-001", quantity=1)],
            )
        )
    app.reject_transfer(c.RejectTransfer(transfer_id="T2", reason="no"))
    assert [t.transfer_id for t in shop.read().transfers_in_flight(store="HZ01")] == ["T1"]
    assert shop.read().transfers_in_flight(store="JV01") == []
