"""The event feed: pages of public events after a log position, long-polled; their schemas."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel
from starlette.concurrency import run_in_threadpool

from api.auth import ApiKey, Permission
from api.deps import permitted
from api.errors import problem_responses
from integration import schemas
from integration.feed import EventFeed, Page
from integration.public import EVENT_TYPES
from multistore_core.errors import NotFound

router = APIRouter(prefix="/events", tags=["events"])
POLL_SECONDS = 0.1
SCHEMA_JSON = "application/schema+json"


class SchemaResponse(JSONResponse):
    media_type = SCHEMA_JSON


def get_feed(request: Request) -> EventFeed:
    feed: EventFeed = request.app.state.feed
    return feed


def event_types(given: list[str] | None) -> list[str] | None:
    """``a,b`` or repeated ``types=``: known public event types, or None for all."""
    if not given:
        return None
    names = [name.strip() for value in given for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"unknown event type(s) {', '.join(unknown)}; see GET /events/types")
    return names


FeedDep = Annotated[EventFeed, Depends(get_feed)]
Reader = Annotated[ApiKey, Depends(permitted(Permission.READ_EVENTS))]
Types = Annotated[
    list[str] | None,
    Query(description="event types, comma-separated or repeated (default: all)"),
    AfterValidator(event_types),
]


class EventPage(BaseModel):
    """Events in log order; ask for the next page with ``?after=<next>``."""

    events: list[dict[str, Any]]
    next: int
    head: int


class EventTypePublic(BaseModel):
    type: str
    version: int
    description: str
    schema_url: str


@router.get("", response_model=EventPage, responses=problem_responses(401, 403, 422))
async def read_events(
    request: Request,
    caller: Reader,
    feed: FeedDep,
    types: Types = None,
    after: Annotated[int, Query(ge=0, description="the last position already seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    store: str | None = None,
    wait: Annotated[float, Query(ge=0, le=30, description="seconds to wait for a first event")] = 0,
) -> EventPage:
    """Public events after ``after``, oldest first, waiting up to ``wait`` seconds for one.

    A store manager's key reads its own store's events only (transfers: from or to it).
    """
    scope = caller.scope(store)
    deadline = time.monotonic() + wait
    page: Page = await run_in_threadpool(feed.page, after, limit, types, scope)
    while not page.events and (left := deadline - time.monotonic()) > 0:
        if await request.is_disconnected():
            break
        await asyncio.sleep(min(POLL_SECONDS, left))
        if await run_in_threadpool(feed.head) > page.next:
            page = await run_in_threadpool(feed.page, page.next, limit, types, scope)
    return EventPage(events=[event.body for event in page.events], next=page.next, head=page.head)


@router.get("/types", response_model=list[EventTypePublic])
def list_event_types() -> list[EventTypePublic]:
    """Every public event type, the version of its shape and where its JSON Schema is."""
    return [
        EventTypePublic(
            type=kind.name,
            version=kind.version,
            description=kind.description,
            schema_url=f"/events/schemas/{kind.name}",
        )
        for kind in EVENT_TYPES.values()
    ]


@router.get(
    "/schemas/{event_type}", response_class=SchemaResponse, responses=problem_responses(404, 422)
)
def event_schema(event_type: str) -> SchemaResponse:
    """The JSON Schema (draft 2020-12) of one event type's current version."""
    kind = EVENT_TYPES.get(event_type)
    if kind is None:
        raise NotFound("event_type", f"no public event type {event_type!r}; see GET /events/types")
    return SchemaResponse(schemas.read(kind))
