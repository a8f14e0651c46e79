"""The catalog: register SKUs and change prices (HQ); read (every role)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from api.auth import Permission
from api.deps import ContextDep, FreshViewsDep, MultiStoreDep, permitted
from api.errors import problem_responses
from api.routes._utils import positioned
from api.schemas import CatalogItemPublic, ChangePriceBody, Receipt, SkuAvailabilityPublic
from multistore_core import commands as c

router = APIRouter(prefix="/catalog", tags=["catalog"], responses=problem_responses(401, 403, 422))
Manage = [Depends(permitted(Permission.MANAGE_CHAIN))]


@router.post(
    "",
    status_code=201,
    response_model=Receipt,
    dependencies=Manage,
    responses=problem_responses(409),
)
def register_sku(
    body: c.RegisterSku, multistore: MultiStoreDep, context: ContextDep, response: Response
) -> object:
    """Add a SKU to the catalog."""
    response.headers["Location"] = f"/catalog/{body.sku}"
    return positioned(response, multistore.register_sku(body, context))


@router.get(
    "/{sku}",
    response_model=CatalogItemPublic,
    dependencies=[Depends(permitted(Permission.READ_CHAIN))],
    responses=problem_responses(404),
)
def get_catalog_item(sku: str, multistore: MultiStoreDep) -> object:
    """One SKU with its base price and pricing rules."""
    return multistore.get_catalog_item(sku)


@router.put(
    "/{sku}/price",
    response_model=Receipt,
    dependencies=Manage,
    responses=problem_responses(404, 409),
)
def change_price(
    sku: str,
    body: ChangePriceBody,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
) -> object:
    """Set a SKU's base price, region factors and franchise minimum price."""
    command = c.ChangePrice(sku=sku, **dict(body))
    return positioned(response, multistore.change_price(command, context))


@router.get(
    "/{sku}/availability",
    response_model=SkuAvailabilityPublic,
    dependencies=[Depends(permitted(Permission.READ_AVAILABILITY))],
    responses=problem_responses(503),
)
def get_availability(sku: str, views: FreshViewsDep, open_only: bool = False) -> object:
    """The SKU at every store that stocks it, most available first (from the stock view)."""
    return views.stock_across_stores(sku, open_only)
