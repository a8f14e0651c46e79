"""Stores: register, change, close and reopen (HQ); read (every role)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from api.auth import Permission
from api.deps import ContextDep, MultiStoreDep, permitted
from api.errors import problem_responses
from api.routes._utils import positioned
from api.schemas import CloseStoreBody, Receipt, StorePublic, UpdateStoreBody
from multistore_core import commands as c

router = APIRouter(prefix="/stores", tags=["stores"], responses=problem_responses(401, 403, 422))
Manage = [Depends(permitted(Permission.MANAGE_CHAIN))]
Refusals = problem_responses(404, 409)


@router.post(
    "",
    status_code=201,
    response_model=Receipt,
    dependencies=Manage,
    responses=problem_responses(409),
)
def register_store(
    body: c.RegisterStore, multistore: MultiStoreDep, context: ContextDep, response: Response
) -> object:
    """Register a store or warehouse."""
    response.headers["Location"] = f"/stores/{body.code}"
    return positioned(response, multistore.register_store(body, context))


@router.get(
    "/{code}",
    response_model=StorePublic,
    dependencies=[Depends(permitted(Permission.READ_CHAIN))],
    responses=problem_responses(404),
)
def get_store(code: str, multistore: MultiStoreDep) -> object:
    """One store's details and whether it is open."""
    return multistore.get_store(code)


@router.patch("/{code}", response_model=Receipt, dependencies=Manage, responses=Refusals)
def update_store(
    code: str,
    body: UpdateStoreBody,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
) -> object:
    """Change a store's name, region, location, revenue share or delivery radius."""
    command = c.UpdateStore(code=code, **dict(body))
    return positioned(response, multistore.update_store(command, context))


@router.post("/{code}/close", response_model=Receipt, dependencies=Manage, responses=Refusals)
def close_store(
    code: str,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
    body: CloseStoreBody | None = None,
) -> object:
    """Close a store: it takes no new orders; open orders carry on."""
    command = c.CloseStore(code=code, **dict(body or {}))
    return positioned(response, multistore.close_store(command, context))


@router.post("/{code}/reopen", response_model=Receipt, dependencies=Manage, responses=Refusals)
def reopen_store(
    code: str, multistore: MultiStoreDep, context: ContextDep, response: Response
) -> object:
    """Open a closed store again."""
    return positioned(response, multistore.reopen_store(c.ReopenStore(code=code), context))
