"""Stock of one store: exact levels, receipts, adjustments and safety stock."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from api.auth import Permission
from api.deps import ContextDep, FreshViewsDep, MultiStoreDep, permitted
from api.errors import problem_responses
from api.routes._utils import positioned
from api.schemas import (
    AdjustStockBody,
    ReceiveStockBody,
    SetSafetyStockBody,
    StockLevelPublic,
    StockRowPublic,
)
from multistore_core import commands as c

router = APIRouter(
    prefix="/stores/{store}/stock", tags=["stock"], responses=problem_responses(401, 403, 422)
)
Manage = [Depends(permitted(Permission.MANAGE_STOCK))]
Read = [Depends(permitted(Permission.READ_STOCK))]
Refusals = problem_responses(404, 409)


@router.get(
    "", response_model=list[StockRowPublic], dependencies=Read, responses=problem_responses(503)
)
def list_stock(store: str, views: FreshViewsDep) -> object:
    """Every SKU stocked at the store, from the stock view."""
    return views.stock_at_store(store)


@router.get(
    "/{sku}", response_model=StockLevelPublic, dependencies=Read, responses=problem_responses(404)
)
def get_stock_level(store: str, sku: str, multistore: MultiStoreDep) -> object:
    """Exact stock of one SKU at the store, from the write side."""
    return multistore.stock_level(store, sku)


@router.post(
    "/{sku}/receipts", response_model=StockLevelPublic, dependencies=Manage, responses=Refusals
)
def receive_stock(
    store: str,
    sku: str,
    body: ReceiveStockBody,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
) -> object:
    """Book units delivered to the store."""
    command = c.ReceiveStock(store=store, sku=sku, **dict(body))
    return positioned(response, multistore.receive_stock(command, context))


@router.post(
    "/{sku}/adjustments", response_model=StockLevelPublic, dependencies=Manage, responses=Refusals
)
def adjust_stock(
    store: str,
    sku: str,
    body: AdjustStockBody,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
) -> object:
    """Book a stocktake count (``counted``) or damage, shrinkage or a correction (``delta``)."""
    command = c.AdjustStock(store=store, sku=sku, **dict(body))
    return positioned(response, multistore.adjust_stock(command, context))


@router.put(
    "/{sku}/safety-stock", response_model=StockLevelPublic, dependencies=Manage, responses=Refusals
)
def set_safety_stock(
    store: str,
    sku: str,
    body: SetSafetyStockBody,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
) -> object:
    """Set the level below which the SKU counts as low on stock at the store."""
    command = c.SetSafetyStock(store=store, sku=sku, **dict(body))
    return positioned(response, multistore.set_safety_stock(command, context))
