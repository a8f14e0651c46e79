"""Members' points accounts: enrol and read (storefront, HQ); grant points (HQ)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from api.auth import Permission
from api.deps import ContextDep, MultiStoreDep, permitted
from api.errors import problem_responses
from api.routes._utils import positioned
from api.schemas import GrantPointsBody, MemberPublic
from multistore_core import commands as c

router = APIRouter(prefix="/members", tags=["members"], responses=problem_responses(401, 403, 422))
Refusals = problem_responses(404, 409)


@router.post(
    "",
    status_code=201,
    response_model=MemberPublic,
    dependencies=[Depends(permitted(Permission.ENROL_MEMBERS))],
    responses=Refusals,
)
def enrol_member(
    body: c.EnrolMember, multistore: MultiStoreDep, context: ContextDep, response: Response
) -> object:
    """Open a member's points account at their home store."""
    response.headers["Location"] = f"/members/{body.member_id}"
    return positioned(response, multistore.enrol_member(body, context))


@router.get(
    "/{member_id}",
    response_model=MemberPublic,
    dependencies=[Depends(permitted(Permission.READ_MEMBERS))],
    responses=problem_responses(404),
)
def get_member(member_id: str, multistore: MultiStoreDep) -> object:
    """A member's tier, growth value and points balance."""
    return multistore.member_summary(member_id)


@router.post(
    "/{member_id}/points",
    response_model=MemberPublic,
    dependencies=[Depends(permitted(Permission.MANAGE_CHAIN))],
    responses=Refusals,
)
def grant_points(
    member_id: str,
    body: GrantPointsBody,
    multistore: MultiStoreDep,
    context: ContextDep,
    response: Response,
) -> object:
    """Credit points outside an order; a repeated ``reference`` credits nothing more."""
    command = c.GrantPoints(member_id=member_id, **dict(body))
    return positioned(response, multistore.grant_points(command, context))
