"""Webhook subscriptions: create, read, change, pause, resume, delete, and their delivery log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from api.auth import Permission
from api.deps import MultiStoreDep, permitted
from api.errors import problem_responses
from api.routes.events import event_types
from integration.subscriptions import Attempt, Subscription, SubscriptionStore
from multistore_core import MultiStore
from multistore_core.commands import Code
from multistore_core.context import utc_now
from multistore_core.errors import InvalidCommand, UnknownStore

router = APIRouter(
    prefix="/webhooks",
    tags=["webhooks"],
    dependencies=[Depends(permitted(Permission.MANAGE_WEBHOOKS))],
    responses=problem_responses(401, 403, 422),
)
Unknown = problem_responses(404)


def get_subscriptions(request: Request) -> SubscriptionStore:
    store: SubscriptionStore = request.app.state.webhooks
    return store


SubscriptionsDep = Annotated[SubscriptionStore, Depends(get_subscriptions)]


def webhook_url(url: str) -> str:
    """An absolute http(s) URL of the integrator's endpoint, without credentials or fragment."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("must name a host")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials; the signature authenticates deliveries")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    return url


def required_types(types: list[str]) -> list[str]:
    names = event_types(types)
    if not names:
        raise ValueError("name at least one event type")
    return list(dict.fromkeys(names))


Url = Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(webhook_url)]
Types = Annotated[list[str], Field(min_length=1, max_length=50), AfterValidator(required_types)]
Secret = Annotated[str, Field(min_length=16, max_length=256)]
Description = Annotated[str, Field(max_length=200)]


class WebhookCreate(BaseModel):
    """A subscription: where to post, which event types, optionally one store's events only."""

    model_config = ConfigDict(extra="forbid")

    url: Url
    types: Types
    store: Code | None = None
    secret: Secret | None = Field(default=None, description="default: a random secret")
    description: Description | None = None
    after: int | None = Field(
        default=None, ge=0, description="deliver events after this position (default: from now)"
    )


class WebhookChange(BaseModel):
    """Fields to change; ``store: null`` removes the store filter."""

    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    types: Types | None = None
    store: Code | None = None
    secret: Secret | None = None
    description: Description | None = None

    @field_validator("url", "types", "secret")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null")
        return value


class WebhookPublic(BaseModel):
    """A subscription and its delivery state; ``position`` is the last log position handled."""

    id: str
    url: str
    types: list[str]
    store: str | None
    description: str | None
    status: str
    position: int
    behind: int
    delivered: int
    failures: int
    next_attempt_at: datetime | None
    last_delivered_at: datetime | None
    last_error: str | None
    paused_at: datetime | None
    created_at: datetime


class WebhookCreated(WebhookPublic):
    """The new subscription with its signing secret (shown only here)."""

    secret: str


class DeliveryPublic(BaseModel):
    event_id: int
    event_type: str
    attempt: int
    attempted_at: datetime
    outcome: str
    status_code: int | None
    error: str | None
    duration_ms: int


def _known_store(multistore: MultiStore, code: str) -> None:
    try:
        multistore.get_store(code)
    except UnknownStore:
        raise UnknownStore(code, "store") from None


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None else None


def public(subscription: Subscription, head: int) -> WebhookPublic:
    return WebhookPublic(
        id=subscription.id,
        url=subscription.url,
        types=list(subscription.types),
        store=subscription.store,
        description=subscription.description,
        status=subscription.status,
        position=subscription.position,
        behind=max(head - subscription.position, 0),
        delivered=subscription.delivered,
        failures=subscription.failures,
        next_attempt_at=_utc(subscription.next_attempt_at),
        last_delivered_at=_utc(subscription.last_delivered_at),
        last_error=subscription.last_error,
        paused_at=_utc(subscription.paused_at),
        created_at=subscription.created_at.replace(tzinfo=UTC),
    )


def delivery(attempt: Attempt) -> DeliveryPublic:
    return DeliveryPublic(
        event_id=attempt.event_id,
        event_type=attempt.event_type,
        attempt=attempt.attempt,
        attempted_at=attempt.attempted_at.replace(tzinfo=UTC),
        outcome=attempt.outcome,
        status_code=attempt.status_code,
        error=attempt.error,
        duration_ms=attempt.duration_ms,
    )


@router.post("", status_code=201, response_model=WebhookCreated, responses=Unknown)
def create_webhook(
    body: WebhookCreate,
    subscriptions: SubscriptionsDep,
    multistore: MultiStoreDep,
    response: Response,
) -> WebhookCreated:
    """Subscribe an endpoint of yours to event types, from now on or after a log position."""
    head = multistore.log_position()
    if body.after is not None and body.after > head:
        raise InvalidCommand("after", f"beyond the log head {head}")
    if body.store is not None:
        _known_store(multistore, body.store)
    created = subscriptions.create(
        body.url,
        body.types,
        head if body.after is None else body.after,
        utc_now(),
        store=body.store,
        secret=body.secret,
        description=body.description,
    )
    response.headers["Location"] = f"/webhooks/{created.id}"
    return WebhookCreated(**public(created, head).model_dump(), secret=created.secret)


@router.get("", response_model=list[WebhookPublic])
def list_webhooks(
    subscriptions: SubscriptionsDep, multistore: MultiStoreDep
) -> list[WebhookPublic]:
    """Every subscription, oldest first."""
    head = multistore.log_position()
    return [public(subscription, head) for subscription in subscriptions.all()]


@router.get("/{subscription_id}", response_model=WebhookPublic, responses=Unknown)
def get_webhook(
    subscription_id: str, subscriptions: SubscriptionsDep, multistore: MultiStoreDep
) -> WebhookPublic:
    """One subscription and how far delivery has got."""
    return public(subscriptions.get(subscription_id), multistore.log_position())


@router.patch("/{subscription_id}", response_model=WebhookPublic, responses=Unknown)
def change_webhook(
    subscription_id: str,
    body: WebhookChange,
    subscriptions: SubscriptionsDep,
    multistore: MultiStoreDep,
) -> WebhookPublic:
    """Change the URL, types, store filter, secret or description; delivery goes on from where
    it is."""
    changes = body.model_dump(exclude_unset=True)
    if changes.get("store") is not None:
        _known_store(multistore, changes["store"])
    if changes:
        changed = subscriptions.change(subscription_id, **changes)
    else:
        changed = subscriptions.get(subscription_id)
    return public(changed, multistore.log_position())


@router.post("/{subscription_id}/pause", response_model=WebhookPublic, responses=Unknown)
def pause_webhook(
    subscription_id: str, subscriptions: SubscriptionsDep, multistore: MultiStoreDep
) -> WebhookPublic:
    """Stop delivering (after the event in flight) until resumed."""
    paused = subscriptions.pause(subscription_id, utc_now())
    return public(paused, multistore.log_position())


@router.post("/{subscription_id}/resume", response_model=WebhookPublic, responses=Unknown)
def resume_webhook(
    subscription_id: str, subscriptions: SubscriptionsDep, multistore: MultiStoreDep
) -> WebhookPublic:
    """Deliver again at once, starting with the first event not yet delivered."""
    return public(subscriptions.resume(subscription_id), multistore.log_position())


@router.delete("/{subscription_id}", status_code=204, responses=Unknown)
def delete_webhook(subscription_id: str, subscriptions: SubscriptionsDep) -> Response:
    """Remove a subscription and its delivery log."""
    subscriptions.delete(subscription_id)
    return Response(status_code=204)


@router.get("/{subscription_id}/deliveries", response_model=list[DeliveryPublic], responses=Unknown)
def list_deliveries(
    subscription_id: str,
    subscriptions: SubscriptionsDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[DeliveryPublic]:
    """Delivery attempts, newest first: event, attempt number, outcome, status, error."""
    return [delivery(attempt) for attempt in subscriptions.attempts(subscription_id, limit)]
