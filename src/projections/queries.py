"""Typed queries over the views, read-your-writes waits, and the lag of each view."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from multistore_core.context import utc_now
from projections.database import ViewStore
from projections.members import member_signups, members
from projections.projection import naive_utc, tracking
from projections.sales import order_daily, orders, revenue_share, sales_hourly, sku_sales_hourly
from projections.stock import stock_levels
from projections.stores import store_directory
from projections.transfers import IN_FLIGHT, transfers
from projections.views import VIEW_NAMES

T = TypeVar("T")


class ViewsBehind(TimeoutError):
    """The views did not reach a log position in time."""

    def __init__(self, position: int, timeout: float, behind: dict[str, int]) -> None:
        where = ", ".join(f"{name} at {at}" for name, at in sorted(behind.items()))
        super().__init__(f"views did not reach log position {position} within {timeout}s: {where}")
        self.position = position
        self.behind = behind


@dataclass(frozen=True)
class StockRow:
    store: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    incoming: int
    safety_stock: int
    shortage: int
    low_since: datetime | None
    last_change: str
    last_change_at: datetime


@dataclass(frozen=True)
class SkuAvailability:
    """One SKU across every store that has stocked it: totals and the per-store rows."""

    sku: str
    on_hand: int
    reserved: int
    available: int
    incoming: int
    stores: tuple[StockRow, ...]


@dataclass(frozen=True)
class LowStockAlert:
    store: str
    sku: str
    available: int
    safety_stock: int
    low_since: datetime
    below_for: timedelta


@dataclass(frozen=True)
class OrderRow:
    order_id: str
    store: str
    region: str
    store_kind: str
    fulfilment: str
    member_id: str | None
    status: str
    total: Decimal
    points_value: Decimal
    refunded: Decimal
    placed_at: datetime
    updated_at: datetime
    lines: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    page: int
    page_size: int
    total: int


@dataclass(frozen=True)
class OrderTotal:
    """Orders of one store placed on one day that are now in one status."""

    store: str
    day: date
    status: str
    orders: int
    value: Decimal


@dataclass(frozen=True)
class DashboardFilter:
    """Which sales count: by region, store kind, store, and hours in ``[start, end)``."""

    region: str | None = None
    store_kind: str | None = None
    store: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class SalesFigures:
    gmv: Decimal
    orders: int
    average_order_value: Decimal
    cancelled: int
    cancellation_rate: float
    completed_value: Decimal
    new_members: int


@dataclass(frozen=True)
class SalesBucket:
    start: datetime
    figures: SalesFigures


@dataclass(frozen=True)
class SkuRank:
    sku: str
    units: int
    revenue: Decimal


@dataclass(frozen=True)
class Dashboard:
    totals: SalesFigures
    top_by_units: tuple[SkuRank, ...]
    top_by_revenue: tuple[SkuRank, ...]
    by_hour: tuple[SalesBucket, ...]
    by_day: tuple[SalesBucket, ...]


@dataclass(frozen=True)
class RevenueShare:
    """A store's completed sales in a period and the part owed to HQ."""

    store: str
    period: str
    completed: Decimal
    refunded: Decimal
    hq_share: Decimal


@dataclass(frozen=True)
class MemberRow:
    member_id: str
    home_store: str
    tier: str
    growth: int
    balance: int
    joined_at: datetime


@dataclass(frozen=True)
class TransferRow:
    transfer_id: str
    from_store: str
    to_store: str
    status: str
    lines: tuple[dict[str, Any], ...]
    reason: str | None
    requested_at: datetime
    shipped_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class ViewLag:
    """How far a view is behind: in log positions, and in time from an event to the view."""

    name: str
    position: int
    head: int
    behind: int
    last_event_at: datetime | None
    processed_at: datetime | None
    commit_to_view: timedelta | None


def money(amount_cents: int | None) -> Decimal:
    return (Decimal(amount_cents or 0) / 100).quantize(Decimal("0.01"))


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None else None


class ViewQueries:
    """What storefronts and dashboards read. ``log_head`` gives the newest log position."""

    def __init__(self, views: ViewStore, log_head: Callable[[], int]) -> None:
        self.views = views
        self.log_head = log_head

    def _all(self, statement: Select[Any]) -> list[Any]:
        with self.views.reading() as connection:
            return list(connection.execute(statement).mappings())

    # stock

    def stock_for(self, store: str, sku: str) -> StockRow | None:
        """One SKU at one store, or None if it has never been stocked there."""
        found = self._all(
            select(stock_levels).where(stock_levels.c.store == store, stock_levels.c.sku == sku)
        )
        return _stock_row(found[0]) if found else None

    def stock_at_store(self, store: str) -> list[StockRow]:
        statement = select(stock_levels).where(stock_levels.c.store == store)
        return [_stock_row(row) for row in self._all(statement.order_by(stock_levels.c.sku))]

    def stock_across_stores(self, sku: str, open_only: bool = False) -> SkuAvailability:
        """A SKU at every store, most available first; ``open_only`` leaves closed stores out."""
        statement = select(stock_levels).where(stock_levels.c.sku == sku)
        if open_only:
            statement = statement.join(
                store_directory, store_directory.c.code == stock_levels.c.store
            ).where(store_directory.c.is_open.is_(True))
        statement = statement.order_by(stock_levels.c.available.desc(), stock_levels.c.store)
        rows = [_stock_row(row) for row in self._all(statement)]
        return SkuAvailability(
            sku=sku,
            on_hand=sum(row.on_hand for row in rows),
            reserved=sum(row.reserved for row in rows),
            available=sum(row.available for row in rows),
            incoming=sum(row.incoming for row in rows),
            stores=tuple(rows),
        )

    def low_stock(
        self, store: str | None = None, region: str | None = None, now: datetime | None = None
    ) -> list[LowStockAlert]:
        """Every (store, SKU) with less available than its safety stock, longest first."""
        statement = select(stock_levels).where(stock_levels.c.low_since.is_not(None))
        if store is not None:
            statement = statement.where(stock_levels.c.store == store)
        if region is not None:
            statement = statement.join(
                store_directory, store_directory.c.code == stock_levels.c.store
            ).where(store_directory.c.region == region)
        statement = statement.order_by(stock_levels.c.low_since, stock_levels.c.store)
        moment = naive_utc(now or utc_now())
        return [
            LowStockAlert(
                store=row["store"],
                sku=row["sku"],
                available=row["available"],
                safety_stock=row["safety_stock"],
                low_since=row["low_since"].replace(tzinfo=UTC),
                below_for=max(moment - row["low_since"], timedelta(0)),
            )
            for row in self._all(statement)
        ]

    # orders

    def orders(
        self,
        store: str | None = None,
        status: str | None = None,
        day: date | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> Page[OrderRow]:
        """Orders newest first, a page at a time (pages count from 1)."""
        if page < 1:
            raise ValueError("page: pages count from 1")
        if not 1 <= page_size <= 500:
            raise ValueError("page_size: between 1 and 500")
        conditions = []
        if store is not None:
            conditions.append(orders.c.store == store)
        if status is not None:
            conditions.append(orders.c.status == status)
        if day is not None:
            conditions.append(orders.c.placed_day == day)
        listing = (
            select(orders)
            .where(*conditions)
            .order_by(orders.c.placed_at.desc(), orders.c.order_ref)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        with self.views.reading() as connection:
            total = connection.scalar(select(func.count()).select_from(orders).where(*conditions))
            rows = list(connection.execute(listing).mappings())
        return Page(tuple(_order_row(row) for row in rows), page, page_size, int(total or 0))

    def order(self, order_id: str) -> OrderRow | None:
        found = self._all(select(orders).where(orders.c.order_ref == order_id))
        return _order_row(found[0]) if found else None

    def order_totals(
        self, store: str | None = None, start: date | None = None, end: date | None = None
    ) -> list[OrderTotal]:
        """Per store, placement day in ``[start, end]`` and current status: orders and value."""
        statement = select(order_daily).where(order_daily.c.orders > 0)
        if store is not None:
            statement = statement.where(order_daily.c.store == store)
        if start is not None:
            statement = statement.where(order_daily.c.day >= start)
        if end is not None:
            statement = statement.where(order_daily.c.day <= end)
        statement = statement.order_by(order_daily.c.day, order_daily.c.store, order_daily.c.status)
        return [
            OrderTotal(
                row["store"], row["day"], row["status"], row["orders"], money(row["value_cents"])
            )
            for row in self._all(statement)
        ]

    # the dashboard

    def dashboard(self, filters: DashboardFilter | None = None, top: int = 10) -> Dashboard:
        """KPIs of the orders placed in the filtered hours, by hour and by day, and top SKUs."""
        filters = filters or DashboardFilter()
        sums = [
            func.sum(sales_hourly.c[name]).label(name)
            for name in ("gmv_cents", "orders_placed", "orders_cancelled", "completed_cents")
        ]
        where = _sales_filter(sales_hourly, filters)
        signups = self._signups(filters)
        with self.views.reading() as connection:
            total = connection.execute(select(*sums).where(*where)).mappings().one()
            by_hour = connection.execute(
                select(sales_hourly.c.hour.label("start"), *sums)
                .where(*where)
                .group_by(sales_hourly.c.hour)
                .order_by(sales_hourly.c.hour)
            ).mappings()
            hourly = [dict(row) for row in by_hour]
            by_day = connection.execute(
                select(sales_hourly.c.day.label("start"), *sums)
                .where(*where)
                .group_by(sales_hourly.c.day)
                .order_by(sales_hourly.c.day)
            ).mappings()
            daily = [dict(row) for row in by_day]
            members_by_hour: dict[datetime, int] = {
                hour: int(count)
                for hour, count in connection.execute(
                    select(signups.c.hour, func.sum(signups.c.members)).group_by(signups.c.hour)
                )
            }
            top_units = self._top(connection, filters, "units", top)
            top_revenue = self._top(connection, filters, "revenue", top)
        members_by_day: dict[date, int] = {}
        for hour, count in members_by_hour.items():
            members_by_day[hour.date()] = members_by_day.get(hour.date(), 0) + count
        return Dashboard(
            totals=_figures(total, sum(members_by_hour.values())),
            top_by_units=top_units,
            top_by_revenue=top_revenue,
            by_hour=tuple(
                SalesBucket(
                    row["start"].replace(tzinfo=UTC),
                    _figures(row, members_by_hour.get(row["start"], 0)),
                )
                for row in hourly
            ),
            by_day=tuple(
                SalesBucket(
                    datetime.combine(row["start"], datetime.min.time(), UTC),
                    _figures(row, members_by_day.get(row["start"], 0)),
                )
                for row in daily
            ),
        )

    def _signups(self, filters: DashboardFilter) -> Any:
        """New members of the filtered stores and hours (a store's region and kind as now)."""
        statement = select(member_signups.c.hour, member_signups.c.members)
        if filters.region is not None or filters.store_kind is not None:
            statement = statement.join(
                store_directory, store_directory.c.code == member_signups.c.store
            )
            if filters.region is not None:
                statement = statement.where(store_directory.c.region == filters.region)
            if filters.store_kind is not None:
                statement = statement.where(store_directory.c.kind == filters.store_kind)
        if filters.store is not None:
            statement = statement.where(member_signups.c.store == filters.store)
        if filters.start is not None:
            statement = statement.where(member_signups.c.hour >= naive_utc(filters.start))
        if filters.end is not None:
            statement = statement.where(member_signups.c.hour < naive_utc(filters.end))
        return statement.subquery()

    def _top(
        self, connection: Any, filters: DashboardFilter, by: str, top: int
    ) -> tuple[SkuRank, ...]:
        """The ``top`` SKUs by units or by revenue, net of cancellations and returns."""
        units = func.sum(sku_sales_hourly.c.units)
        revenue = func.sum(sku_sales_hourly.c.revenue_cents)
        ranked = units if by == "units" else revenue
        rows = connection.execute(
            select(sku_sales_hourly.c.sku, units, revenue)
            .where(*_sales_filter(sku_sales_hourly, filters))
            .group_by(sku_sales_hourly.c.sku)
            .having(ranked > 0)
            .order_by(ranked.desc(), sku_sales_hourly.c.sku)
            .limit(top)
        ).all()
        return tuple(SkuRank(sku, int(u), money(r)) for sku, u, r in rows)

    # joint ventures

    def revenue_share(
        self,
        store: str | None = None,
        start: date | None = None,
        end: date | None = None,
        by: str = "day",
    ) -> list[RevenueShare]:
        """Per joint-venture store and day (or month) in ``[start, end]``: sales and HQ share."""
        if by not in ("day", "month"):
            raise ValueError("by: 'day' or 'month'")
        statement = select(revenue_share)
        if store is not None:
            statement = statement.where(revenue_share.c.store == store)
        if start is not None:
            statement = statement.where(revenue_share.c.day >= start)
        if end is not None:
            statement = statement.where(revenue_share.c.day <= end)
        totals: dict[tuple[str, str], list[int]] = {}
        for row in self._all(statement.order_by(revenue_share.c.store, revenue_share.c.day)):
            if row["hq_share_cents"] == 0 and row["completed_cents"] == 0:
                continue
            period = row["day"].isoformat() if by == "day" else row["day"].strftime("%Y-%m")
            sums = totals.setdefault((row["store"], period), [0, 0, 0])
            sums[0] += row["completed_cents"]
            sums[1] += row["refunded_cents"]
            sums[2] += row["hq_share_cents"]
        return [
            RevenueShare(store, period, money(c), money(r), money(h))
            for (store, period), (c, r, h) in totals.items()
            if h != 0
        ]

    # members and transfers

    def member(self, member_id: str) -> MemberRow | None:
        found = self._all(select(members).where(members.c.member == member_id))
        return _member_row(found[0]) if found else None

    def members(self, home_store: str | None = None, tier: str | None = None) -> list[MemberRow]:
        statement = select(members)
        if home_store is not None:
            statement = statement.where(members.c.home_store == home_store)
        if tier is not None:
            statement = statement.where(members.c.tier == tier)
        return [_member_row(row) for row in self._all(statement.order_by(members.c.member))]

    def transfers_in_flight(self, store: str | None = None) -> list[TransferRow]:
        """Transfers requested, approved or shipped and not yet received, oldest first."""
        statement = select(transfers).where(transfers.c.status.in_(IN_FLIGHT))
        if store is not None:
            statement = statement.where(
                (transfers.c.from_store == store) | (transfers.c.to_store == store)
            )
        statement = statement.order_by(transfers.c.requested_at, transfers.c.transfer_ref)
        return [_transfer_row(row) for row in self._all(statement)]

    # freshness

    def positions(self) -> dict[str, int]:
        """Each view's position; a view never started counts as 0."""
        stored = self.views.positions()
        return {name: stored.get(name, 0) for name in VIEW_NAMES}

    def wait_until(self, position: int | None, timeout: float = 5.0) -> None:
        """Return once every view has reached ``position``; raise ViewsBehind after ``timeout``."""
        if position is None:
            return
        deadline = time.monotonic() + timeout
        delay = 0.002
        while True:
            behind = {name: at for name, at in self.positions().items() if at < position}
            if not behind:
                return
            if time.monotonic() >= deadline:
                raise ViewsBehind(position, timeout, behind)
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def lag(self) -> list[ViewLag]:
        """Per view: its position, the log head, and the time from its last event to the view."""
        head = self.log_head()
        rows = {row["name"]: row for row in self._all(select(tracking))}
        lags = []
        for name in VIEW_NAMES:
            row = rows.get(name, {})
            position = int(row.get("position") or 0)
            event_at, processed_at = _utc(row.get("last_event_at")), _utc(row.get("processed_at"))
            lags.append(
                ViewLag(
                    name=name,
                    position=position,
                    head=head,
                    behind=max(head - position, 0),
                    last_event_at=event_at,
                    processed_at=processed_at,
                    commit_to_view=processed_at - event_at if event_at and processed_at else None,
                )
            )
        return lags


def _sales_filter(table: Any, filters: DashboardFilter) -> list[Any]:
    conditions = []
    if filters.region is not None:
        conditions.append(table.c.region == filters.region)
    if filters.store_kind is not None:
        conditions.append(table.c.store_kind == filters.store_kind)
    if filters.store is not None:
        conditions.append(table.c.store == filters.store)
    if filters.start is not None:
        conditions.append(table.c.hour >= naive_utc(filters.start))
    if filters.end is not None:
        conditions.append(table.c.hour < naive_utc(filters.end))
    return conditions


def _figures(sums: Any, new_members: int) -> SalesFigures:
    placed = int(sums["orders_placed"] or 0)
    cancelled = int(sums["orders_cancelled"] or 0)
    gmv = money(sums["gmv_cents"])
    return SalesFigures(
        gmv=gmv,
        orders=placed,
        average_order_value=(gmv / placed).quantize(Decimal("0.01")) if placed else Decimal("0.00"),
        cancelled=cancelled,
        cancellation_rate=cancelled / placed if placed else 0.0,
        completed_value=money(sums["completed_cents"]),
        new_members=new_members,
    )


def _stock_row(row: Any) -> StockRow:
    return StockRow(
        store=row["store"],
        sku=row["sku"],
        on_hand=row["on_hand"],
        reserved=row["reserved"],
        available=row["available"],
        incoming=row["incoming"],
        safety_stock=row["safety_stock"],
        shortage=row["shortage"],
        low_since=_utc(row["low_since"]),
        last_change=row["last_change"],
        last_change_at=row["last_change_at"].replace(tzinfo=UTC),
    )


def _order_row(row: Any) -> OrderRow:
    return OrderRow(
        order_id=row["order_ref"],
        store=row["store"],
        region=row["region"],
        store_kind=row["store_kind"],
        fulfilment=row["fulfilment"],
        member_id=row["member_id"],
        status=row["status"],
        total=money(row["total_cents"]),
        points_value=money(row["points_value_cents"]),
        refunded=money(row["refunded_cents"]),
        placed_at=row["placed_at"].replace(tzinfo=UTC),
        updated_at=row["updated_at"].replace(tzinfo=UTC),
        lines=tuple(row["lines"]),
    )


def _member_row(row: Any) -> MemberRow:
    return MemberRow(
        member_id=row["member"],
        home_store=row["home_store"],
        tier=row["tier"],
        growth=row["growth"],
        balance=row["balance"],
        joined_at=row["joined_at"].replace(tzinfo=UTC),
    )


def _transfer_row(row: Any) -> TransferRow:
    return TransferRow(
        transfer_id=row["transfer_ref"],
        from_store=row["from_store"],
        to_store=row["to_store"],
        status=row["status"],
        lines=tuple(row["lines"]),
        reason=row["reason"],
        requested_at=row["requested_at"].replace(tzinfo=UTC),
        shipped_at=_utc(row["shipped_at"]),
        updated_at=row["updated_at"].replace(tzinfo=UTC),
    )
