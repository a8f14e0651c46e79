"""Dashboard figures, low-stock alerts and joint-venture revenue share, as JSON."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from api.auth import Permission
from api.deps import CallerDep, FreshViewsDep, permitted
from api.errors import problem_responses
from api.schemas import DashboardPublic, LowStockAlertPublic, RevenueSharePublic
from multistore_core.commands import StoreKind
from projections.queries import DashboardFilter

router = APIRouter(
    tags=["reports"],
    dependencies=[Depends(permitted(Permission.READ_DASHBOARD))],
    responses=problem_responses(401, 403, 422, 503),
)


@router.get("/reports/dashboard", response_model=DashboardPublic)
def get_dashboard(
    caller: CallerDep,
    views: FreshViewsDep,
    region: str | None = None,
    store_kind: StoreKind | None = None,
    store: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
) -> object:
    """GMV, orders, average order value, new members and top SKUs, by hour and by day.

    A store manager's key sees its own store only.
    """
    filters = DashboardFilter(region, store_kind, caller.scope(store), start, end)
    return views.dashboard(filters, top)


@router.get("/alerts/low-stock", response_model=list[LowStockAlertPublic])
def list_low_stock(
    caller: CallerDep, views: FreshViewsDep, store: str | None = None, region: str | None = None
) -> object:
    """Every store and SKU with less available than its safety stock, longest first."""
    return views.low_stock(caller.scope(store), region)


@router.get("/reports/revenue-share", response_model=list[RevenueSharePublic])
def list_revenue_share(
    caller: CallerDep,
    views: FreshViewsDep,
    store: str | None = None,
    start: date | None = None,
    end: date | None = None,
    by: Literal["day", "month"] = "day",
) -> object:
    """Completed sales of joint-venture stores and the part owed to HQ, per day or month."""
    return views.revenue_share(caller.scope(store), start, end, by)
