"""The FastAPI application factory: routers, error handling and request ids."""

from __future__ import annotations

from uuid import uuid4

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import errors
from api.auth import KeyRing
from api.routes import (
    catalog,
    dashboard,
    events,
    health,
    members,
    orders,
    reports,
    stock,
    stores,
    transfers,
    webhooks,
)
from integration.feed import EventFeed
from integration.subscriptions import SubscriptionStore
from multistore_core import MultiStore
from projections.queries import ViewQueries
from projections.stock_source import ViewStockSource

REQUEST_ID_HEADER = "X-Request-ID"


def create_app(multistore: MultiStore, keys: KeyRing, views: ViewQueries) -> FastAPI:
    """The API over ``multistore`` and its ``views``, open to the callers in ``keys``."""
    app = FastAPI(
        title="multistore",
        summary="Inventory and orders for a multi-store retail chain",
        version="0.1.0",
    )
    app.state.multistore = multistore
    # Orders placed without a store are routed from the stock view.
    multistore.stock_source = ViewStockSource(views.views)
    app.state.keys = keys
    app.state.views = views
    app.state.feed = EventFeed(multistore)
    app.state.webhooks = SubscriptionStore(views.views)
    errors.install(app)
    for module in (health, stores, catalog, stock, orders, transfers, members, reports, dashboard):
        app.include_router(module.router)
    for module in (events, webhooks):
        app.include_router(module.router)
    app.add_middleware(RequestIdMiddleware)
    return app


class RequestIdMiddleware:
    """Give each request an id (the caller's ``X-Request-ID`` or a new one) and echo it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode()
        request_id = given[:128] or uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)
