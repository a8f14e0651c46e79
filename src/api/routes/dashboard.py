"""The live dashboard: an HTML page and a server-sent event stream of snapshots."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.auth import ApiKey, Permission, Unauthenticated
from api.deps import KeysDep, ViewsDep
from api.errors import problem_responses
from api.schemas import DashboardSnapshot
from multistore_core.commands import StoreKind
from projections.queries import DashboardFilter, ViewQueries

router = APIRouter(prefix="/dashboard", tags=["dashboard"])
COOKIE = "multistore_key"
POLL_SECONDS = 0.25
KEEP_ALIVE_SECONDS = 15.0
_PAGE = files("api").joinpath("dashboard.html").read_text(encoding="utf-8")
# Each server-sent event, described as OpenAPI 3.2 describes the items of an event stream.
_SNAPSHOT_EVENT = {
    "type": "object",
    "required": ["event", "id", "data"],
    "properties": {
        "event": {"const": "snapshot"},
        "id": {"type": "string", "description": "the views' position"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"$ref": "#/components/schemas/DashboardSnapshot"},
        },
    },
}
STREAM_RESPONSES = problem_responses(401, 403, 422) | {
    200: {
        "description": "A `snapshot` event each time the views move; keep-alive comments between",
        "content": {"text/event-stream": {"itemSchema": _SNAPSHOT_EVENT}},
    }
}


def page_caller(request: Request, keys: KeysDep) -> ApiKey:
    """The caller of the page or stream: bearer header, ``?key=`` or the dashboard cookie.

    EventSource cannot send headers, so only these two endpoints accept the other two.
    """
    header = request.headers.get("Authorization", "")
    secret = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
    caller = keys.find(secret or request.query_params.get("key") or request.cookies.get(COOKIE))
    caller.require(Permission.READ_DASHBOARD)
    return caller


PageCallerDep = Annotated[ApiKey, Depends(page_caller)]


def snapshot(views: ViewQueries, caller: ApiKey, filters: DashboardFilter) -> DashboardSnapshot:
    """What the page shows: KPIs, sales by hour, top SKUs, low stock, latest orders, lag."""
    store = caller.scope(filters.store)
    filters = replace(filters, store=store)
    lags = views.lag()
    return DashboardSnapshot.model_validate(
        {
            "scope": store,
            "position": min((lag.position for lag in lags), default=0),
            "behind": max((lag.behind for lag in lags), default=0),
            "dashboard": views.dashboard(filters),
            "low_stock": views.low_stock(store, filters.region),
            "latest_orders": views.orders(store, page_size=12).items,
        }
    )


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, keys: KeysDep) -> Response:
    """The page; ``?key=`` is swapped for an HttpOnly cookie and dropped from the address."""
    secret = request.query_params.get("key")
    if secret is not None:
        keys.find(secret)
        rest = request.url.remove_query_params("key")
        redirect = RedirectResponse(rest.path + (f"?{rest.query}" if rest.query else ""), 303)
        redirect.set_cookie(
            COOKIE, secret, httponly=True, samesite="strict", path="/dashboard", max_age=86400
        )
        return redirect
    try:
        page_caller(request, keys)
    except Unauthenticated:
        return HTMLResponse(
            _PAGE.replace("<body data-signed-in>", "<body data-signed-out>"), status_code=401
        )
    return HTMLResponse(_PAGE)


@router.get("/stream", response_class=StreamingResponse, responses=STREAM_RESPONSES)
async def dashboard_stream(
    request: Request,
    caller: PageCallerDep,
    views: ViewsDep,
    region: str | None = None,
    store_kind: StoreKind | None = None,
    store: str | None = None,
    max_events: Annotated[int | None, Query(ge=1)] = None,
) -> StreamingResponse:
    """Server-sent events: a ``snapshot`` each time the views move, a comment to keep alive."""
    filters = DashboardFilter(region, store_kind, caller.scope(store))

    async def events() -> object:
        last, sent, quiet = -1, 0, 0.0
        while max_events is None or sent < max_events:
            positions = await run_in_threadpool(views.positions)
            position = min(positions.values(), default=0)
            if position != last:
                current = await run_in_threadpool(snapshot, views, caller, filters)
                yield f"event: snapshot\nid: {position}\ndata: {current.model_dump_json()}\n\n"
                last, sent, quiet = position, sent + 1, 0.0
            elif quiet >= KEEP_ALIVE_SECONDS:
                yield ": keep-alive\n\n"
                quiet = 0.0
            if await request.is_disconnected():
                return
            await asyncio.sleep(POLL_SECONDS)
            quiet += POLL_SECONDS

    return StreamingResponse(
        events(),  # type: ignore[arg-type]
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/snapshot", response_model=DashboardSnapshot, responses=problem_responses(401, 403, 422)
)
def dashboard_snapshot(
    caller: PageCallerDep,
    views: ViewsDep,
    region: str | None = None,
    store_kind: StoreKind | None = None,
    store: str | None = None,
) -> DashboardSnapshot:
    """One snapshot of what the stream sends."""
    return snapshot(views, caller, DashboardFilter(region, store_kind, store))
