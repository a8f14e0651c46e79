"""Transfers between stores: request, approve or reject (HQ), cancel, ship, receive, read one."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from api.auth import Forbidden, Permission
from api.deps import (
    CallerDep,
    ContextDep,
    FreshViewsDep,
    MultiStoreDep,
    VisibleTransferId,
    permitted,
)
from api.errors import problem_responses
from api.routes._utils import positioned
from api.schemas import (
    CancelTransferBody,
    ReceiveTransferBody,
    RejectTransferBody,
    TransferPublic,
    TransferRowPublic,
)
from multistore_core import commands as c

router = APIRouter(
    prefix="/transfers", tags=["transfers"], responses=problem_responses(401, 403, 422)
)
Manage = [Depends(permitted(Permission.MANAGE_TRANSFERS))]
Approve = [Depends(permitted(Permission.APPROVE_TRANSFERS))]
Refusals = problem_responses(404, 409)


@router.get(
    "",
    response_model=list[TransferRowPublic],
    dependencies=[Depends(permitted(Permission.READ_TRANSFERS))],
    responses=problem_responses(503),
)
def list_transfers_in_flight(
    caller: CallerDep, views: FreshViewsDep, store: str | None = None
) -> object:
    """Transfers requested, approved or shipped and not yet received, oldest first."""
    return views.transfers_in_flight(caller.scope(store))


@router.post(
    "", status_code=201, response_model=TransferPublic, dependencies=Manage, responses=Refusals
)
def request_transfer(
    body: c.RequestTransfer,
    caller: CallerDep,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
) -> object:
    """Ask to move stock between two stores; a store manager's store must be one of them."""
    if not (caller.sees_store(body.from_store) or caller.sees_store(body.to_store)):
        raise Forbidden(f"the key {caller.name!r} is limited to store {caller.store!r}")
    requested = multistore.request_transfer(body, context)
    response.headers["Location"] = f"/transfers/{requested.transfer_id}"
    return positioned(response, requested)


@router.get(
    "/{transfer_id}",
    response_model=TransferPublic,
    dependencies=[Depends(permitted(Permission.READ_TRANSFERS))],
    responses=problem_responses(404),
)
def get_transfer(transfer_id: VisibleTransferId, multistore: MultiStoreDep) -> object:
    """One transfer with its lines and what has been received."""
    return multistore.transfer_summary(transfer_id)


@router.post(
    "/{transfer_id}/approve",
    response_model=TransferPublic,
    dependencies=Approve,
    responses=Refusals,
)
def approve_transfer(
    transfer_id: str, multistore: MultiStoreDep, context: ContextDep, response: Response
) -> object:
    """Approve a requested transfer so that it may ship."""
    command = c.ApproveTransfer(transfer_id=transfer_id)
    return positioned(response, multistore.approve_transfer(command, context))


@router.post(
    "/{transfer_id}/reject", response_model=TransferPublic, dependencies=Approve, responses=Refusals
)
def reject_transfer(
    transfer_id: str,
    body: RejectTransferBody,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
) -> object:
    """Turn down a requested transfer."""
    command = c.RejectTransfer(transfer_id=transfer_id, **dict(body))
    return positioned(response, multistore.reject_transfer(command, context))


@router.post(
    "/{transfer_id}/cancel", response_model=TransferPublic, dependencies=Manage, responses=Refusals
)
def cancel_transfer(
    transfer_id: VisibleTransferId,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
    body: CancelTransferBody | None = None,
) -> object:
    """Call off a transfer that has not shipped."""
    command = c.CancelTransfer(transfer_id=transfer_id, **dict(body or {}))
    return positioned(response, multistore.cancel_transfer(command, context))


@router.post(
    "/{transfer_id}/ship", response_model=TransferPublic, dependencies=Manage, responses=Refusals
)
def ship_transfer(
    transfer_id: VisibleTransferId,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
) -> object:
    """Send an approved transfer: every line leaves the source, or nothing does."""
    command = c.ShipTransfer(transfer_id=transfer_id)
    return positioned(response, multistore.ship_transfer(command, context))


@router.post(
    "/{transfer_id}/receive",
    response_model=TransferPublic,
    dependencies=Manage,
    responses=Refusals,
)
def receive_transfer(
    transfer_id: VisibleTransferId,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
    body: ReceiveTransferBody | None = None,
) -> object:
    """Book what arrived: no lines when all arrived as shipped, else every shipped SKU once."""
    command = c.ReceiveTransfer(transfer_id=transfer_id, **dict(body or {}))
    return positioned(response, multistore.receive_transfer(command, context))
