"""Dependencies shared by the routers, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import ApiKey, KeyRing, Permission, Role
from multistore_core import CommandContext, MultiStore
from multistore_core.errors import UnknownOrder, UnknownTransfer
from projections.queries import ViewQueries

_bearer = HTTPBearer(auto_error=False, description="an API key from MULTISTORE_API_KEYS")


def get_multistore(request: Request) -> MultiStore:
    multistore: MultiStore = request.app.state.multistore
    return multistore


def get_keys(request: Request) -> KeyRing:
    keys: KeyRing = request.app.state.keys
    return keys


def get_views(request: Request) -> ViewQueries:
    views: ViewQueries = request.app.state.views
    return views


def get_caller(
    keys: Annotated[KeyRing, Depends(get_keys)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    return keys.find(credentials.credentials if credentials else None)


MultiStoreDep = Annotated[MultiStore, Depends(get_multistore)]
KeysDep = Annotated[KeyRing, Depends(get_keys)]
CallerDep = Annotated[ApiKey, Depends(get_caller)]
ViewsDep = Annotated[ViewQueries, Depends(get_views)]


def permitted(permission: Permission) -> Callable[[Request, ApiKey], ApiKey]:
    """A dependency: the caller, if it holds ``permission`` in the path's ``store`` (if any)."""

    def check(request: Request, caller: CallerDep) -> ApiKey:
        caller.require(permission, request.path_params.get("store"))
        return caller

    return check


def get_context(request: Request, caller: CallerDep) -> CommandContext:
    """Who is calling, for the metadata of every event the request causes."""
    return CommandContext(
        actor=caller.name,
        role=caller.role.value,
        store_scope=caller.store,
        correlation_id=request.state.request_id,
    )


ContextDep = Annotated[CommandContext, Depends(get_context)]


def visible_order(order_id: str, caller: CallerDep, multistore: MultiStoreDep) -> str:
    """The path's order id, if the caller may see it; another store's order is 'not found'."""
    if caller.role is Role.STORE_MANAGER:
        if not any(caller.sees_store(s) for s in multistore.order_summary(order_id).stores):
            raise UnknownOrder(order_id)
    return order_id


VisibleOrderId = Annotated[str, Depends(visible_order)]


def visible_transfer(transfer_id: str, caller: CallerDep, multistore: MultiStoreDep) -> str:
    """The path's transfer id, if it leaves or reaches the caller's store (else 'not found')."""
    if caller.role is Role.STORE_MANAGER:
        transfer = multistore.transfer_summary(transfer_id)
        if not (caller.sees_store(transfer.from_store) or caller.sees_store(transfer.to_store)):
            raise UnknownTransfer(transfer_id)
    return transfer_id


VisibleTransferId = Annotated[str, Depends(visible_transfer)]


def read_after(
    views: ViewsDep,
    after: Annotated[int | None, Query(ge=0, description="a command's X-Log-Position")] = None,
    wait: Annotated[float, Query(ge=0, le=30, description="seconds to wait for it")] = 5.0,
) -> ViewQueries:
    """The views, once they have caught up with log position ``after`` (read-your-writes).

    A position beyond the log head was never a command's, so it is refused at once.
    """
    if after is not None and after > (head := views.log_head()):
        message = f"beyond the log head {head}"
        raise RequestValidationError(
            [{"type": "value_error", "loc": ("query", "after"), "msg": message, "input": after}]
        )
    views.wait_until(after, wait)
    return views


FreshViewsDep = Annotated[ViewQueries, Depends(read_after)]
