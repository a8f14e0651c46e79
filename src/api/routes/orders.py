"""Orders: place (idempotent), pay, cancel, fulfil, complete, return, and read one."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response

from api.auth import Forbidden, Permission
from api.deps import (
    CallerDep,
    ContextDep,
    FreshViewsDep,
    MultiStoreDep,
    VisibleOrderId,
    permitted,
)
from api.errors import problem_responses
from api.routes._utils import positioned
from api.schemas import (
    CancelOrderBody,
    OrderPage,
    OrderPublic,
    PayOrderBody,
    PlaceOrderBody,
    ReturnOrderBody,
)
from multistore_core import commands as c

router = APIRouter(prefix="/orders", tags=["orders"], responses=problem_responses(401, 403, 422))
Place = [Depends(permitted(Permission.PLACE_ORDERS))]
Fulfil = [Depends(permitted(Permission.FULFIL_ORDERS))]
Refusals = problem_responses(404, 409)
REPLAYED_HEADER = "Idempotent-Replayed"
Status = Literal[
    "placed",
    "paid",
    "ready_for_pickup",
    "out_for_delivery",
    "shipped",
    "completed",
    "cancelled",
    "expired",
    "partially_returned",
    "returned",
]


@router.get(
    "",
    response_model=OrderPage,
    dependencies=[Depends(permitted(Permission.READ_ORDERS))],
    responses=problem_responses(503),
)
def list_orders(
    caller: CallerDep,
    views: FreshViewsDep,
    store: str | None = None,
    status: Status | None = None,
    day: date | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> object:
    """Orders newest first, by store, status and day, a page at a time (from the order view).

    A store manager's key lists its own store only.
    """
    return views.orders(caller.scope(store), status, day, page, page_size)


@router.post(
    "", status_code=201, response_model=OrderPublic, dependencies=Place, responses=Refusals
)
def place_order(
    body: PlaceOrderBody,
    caller: CallerDep,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> object:
    """Reserve every line at the store and place the order, or reserve nothing.

    Without ``store``, give ``buyer_location``: the order goes to the best store that can serve
    it (``routing`` says which and why), or is split over several with ``allow_split``.
    Repeating a request with the same ``Idempotency-Key`` (or body ``order_id``) and the same
    content returns the same order without placing another; other content is refused (422).
    """
    command = c.PlaceOrder(**dict(body), idempotency_key=idempotency_key)
    caller.require(Permission.PLACE_ORDERS, command.store)
    if command.store is None and caller.store is not None:
        raise Forbidden(f"the key {caller.name!r} places orders at store {caller.store!r} only")
    placed = multistore.place_order(command, context)
    response.headers["Location"] = f"/orders/{placed.order_id}"
    response.headers[REPLAYED_HEADER] = "false" if placed.created else "true"
    return positioned(response, placed)


@router.get(
    "/{order_id}",
    response_model=OrderPublic,
    dependencies=[Depends(permitted(Permission.READ_ORDERS))],
    responses=problem_responses(404),
)
def get_order(order_id: VisibleOrderId, multistore: MultiStoreDep) -> object:
    """One order as the write side knows it now."""
    return multistore.order_summary(order_id)


@router.post("/{order_id}/pay", response_model=OrderPublic, dependencies=Place, responses=Refusals)
def pay_order(
    order_id: VisibleOrderId,
    body: PayOrderBody,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
) -> object:
    """Record the payment of a placed order; the amount must equal its total."""
    command = c.PayOrder(order_id=order_id, **dict(body))
    return positioned(response, multistore.pay_order(command, context))


@router.post(
    "/{order_id}/cancel", response_model=OrderPublic, dependencies=Place, responses=Refusals
)
def cancel_order(
    order_id: VisibleOrderId,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
    body: CancelOrderBody | None = None,
) -> object:
    """Cancel a placed or paid order, release its stock and refund any payment."""
    command = c.CancelOrder(order_id=order_id, **dict(body or {}))
    return positioned(response, multistore.cancel_order(command, context))


@router.post(
    "/{order_id}/fulfil", response_model=OrderPublic, dependencies=Fulfil, responses=Refusals
)
def fulfil_order(
    order_id: VisibleOrderId, multistore: MultiStoreDep, context: ContextDep, response: Response
) -> object:
    """Mark a paid order ready for pickup, out for delivery or shipped."""
    command = c.FulfilOrder(order_id=order_id)
    return positioned(response, multistore.fulfil_order(command, context))


@router.post(
    "/{order_id}/complete", response_model=OrderPublic, dependencies=Fulfil, responses=Refusals
)
def complete_order(
    order_id: VisibleOrderId, multistore: MultiStoreDep, context: ContextDep, response: Response
) -> object:
    """Complete a fulfilled order: its reserved units leave the store."""
    command = c.CompleteOrder(order_id=order_id)
    return positioned(response, multistore.complete_order(command, context))


@router.post(
    "/{order_id}/return", response_model=OrderPublic, dependencies=Place, responses=Refusals
)
def return_order(
    order_id: VisibleOrderId,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
    body: ReturnOrderBody | None = None,
) -> object:
    """Take back a completed order, whole (no lines) or by line, restocking unless told not to."""
    command = c.ReturnOrder(order_id=order_id, **dict(body or {}))
    return positioned(response, multistore.return_order(command, context))
