"""Every error as an application/problem+json response (RFC 9457) naming what was wrong."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from api.auth import Forbidden, Unauthenticated
from api.schemas import Problem
from multistore_core.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    IllegalTransition,
    InsufficientPoints,
    InsufficientStock,
    InvalidCommand,
    MultiStoreError,
    NoStoreCanServe,
    NotFound,
    StockRuleViolation,
    StoreClosed,
)
from projections.queries import ViewsBehind

PROBLEM_JSON = "application/problem+json"
_FIELD_PREFIX = re.compile(r"^(?:Value error, )?([A-Za-z_][\w.\[\]]*): (.*)$", re.DOTALL)
# Command fields that the API takes from a request header.
_HEADER_FIELDS = {"idempotency_key": "Idempotency-Key"}
log = logging.getLogger(__name__)
_COMPONENTS = "#/components/schemas/{model}"
_MEANINGS = {
    401: "No API key, or one that is not configured",
    403: "The key's role or store does not allow this",
    404: "An id in the path or body is not known",
    409: "Refused by the current state: stock, status, an existing id or a write conflict",
    422: "Invalid input; `errors` names each wrong field",
    503: "The views have not caught up with `after` within `wait` seconds",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry of routes that answer with these problem statuses."""
    content = {PROBLEM_JSON: {"schema": {"$ref": _COMPONENTS.format(model="Problem")}}}
    return {status: {"description": _MEANINGS[status], "content": content} for status in statuses}


def problem(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem document; ``slug`` names its type under /problems/."""
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extensions,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def field_name(loc: Sequence[int | str]) -> str:
    """``("lines", 0, "sku")`` -> ``"lines[0].sku"``."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


def field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic errors as ``{"field", "in", "message"}``; model-level rules name their field."""
    found = []
    for error in errors:
        loc = list(error["loc"])
        where = "body"
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            where = str(loc.pop(0))
        message = str(error["msg"])
        field = field_name(loc)
        match = _FIELD_PREFIX.match(message)
        if match and error["type"] == "value_error":
            prefix, message = match.groups()
            field = f"{field}.{prefix}" if field else prefix
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        found.append(_located(field, where, message))
    return found


def _located(field: str, where: str, message: str) -> dict[str, str]:
    if field in _HEADER_FIELDS:
        return {"field": _HEADER_FIELDS[field], "in": "header", "message": message}
    return {"field": field, "in": where, "message": message}


def _invalid_input(request: Request, errors: list[dict[str, str]]) -> JSONResponse:
    detail = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors)
    return problem(request, 422, "invalid-input", "Invalid input", detail, errors=errors)


def describe_problems(app: FastAPI) -> None:
    """Add the Problem schema that ``problem_responses`` refers to to the app's OpenAPI."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()  # FastAPI keeps it as app.openapi_schema
        schema = Problem.model_json_schema(mode="serialization", ref_template=_COMPONENTS)
        components = document.setdefault("components", {}).setdefault("schemas", {})
        components.update(schema.pop("$defs", {}), Problem=schema)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into problem documents, and describe them."""
    describe_problems(app)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return _invalid_input(request, field_errors(error.errors()))

    @app.exception_handler(ValidationError)
    async def command_invalid(request: Request, error: ValidationError) -> JSONResponse:
        return _invalid_input(request, field_errors(error.errors()))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> JSONResponse:
        return problem(request, 404, "not-found", "Not found", error.message, field=error.field)

    @app.exception_handler(AlreadyExists)
    async def already_exists(request: Request, error: AlreadyExists) -> JSONResponse:
        return problem(
            request, 409, "already-exists", "Already exists", error.message, field=error.field
        )

    @app.exception_handler(InvalidCommand)
    async def invalid_command(request: Request, error: InvalidCommand) -> JSONResponse:
        return _invalid_input(request, [_located(error.field, "body", error.message)])

    @app.exception_handler(InsufficientStock)
    async def insufficient_stock(request: Request, error: InsufficientStock) -> JSONResponse:
        shortages = [asdict(s) for s in error.shortages]
        return problem(
            request,
            409,
            "insufficient-stock",
            "Insufficient stock",
            str(error),
            store=error.store,
            shortages=shortages,
        )

    @app.exception_handler(NoStoreCanServe)
    async def no_store(request: Request, error: NoStoreCanServe) -> JSONResponse:
        tried = [asdict(attempt) for attempt in error.tried]
        return problem(
            request,
            409,
            "no-store-can-serve",
            "No store can serve the order",
            str(error),
            reason=error.reason,
            tried=tried,
        )

    @app.exception_handler(InsufficientPoints)
    async def insufficient_points(request: Request, error: InsufficientPoints) -> JSONResponse:
        return problem(
            request,
            409,
            "insufficient-points",
            "Insufficient points",
            str(error),
            field=error.field,
            requested=error.requested,
            balance=error.balance,
        )

    @app.exception_handler(IllegalTransition)
    async def illegal_transition(request: Request, error: IllegalTransition) -> JSONResponse:
        subject: dict[str, Any] = {
            f"{error.subject}_id": error.order_id,
            f"{error.subject}_status": error.status,
        }
        return problem(
            request,
            409,
            "illegal-transition",
            f"Illegal {error.subject} transition",
            str(error),
            **subject,
            action=error.action,
        )

    @app.exception_handler(StoreClosed)
    async def store_closed(request: Request, error: StoreClosed) -> JSONResponse:
        return problem(request, 409, "store-closed", "Store closed", str(error), store=error.code)

    @app.exception_handler(StockRuleViolation)
    async def stock_rule(request: Request, error: StockRuleViolation) -> JSONResponse:
        return problem(request, 409, "stock-rule", "Stock rule violated", str(error))

    @app.exception_handler(ConcurrencyConflict)
    async def conflict(request: Request, error: ConcurrencyConflict) -> JSONResponse:
        return problem(
            request,
            409,
            "concurrency-conflict",
            "Concurrent writes conflicted",
            f"{error}; retry the request",
            attempts=error.attempts,
        )

    @app.exception_handler(MultiStoreError)
    async def refused(request: Request, error: MultiStoreError) -> JSONResponse:
        return problem(request, 409, "refused", "Refused", str(error))

    @app.exception_handler(ViewsBehind)
    async def views_behind(request: Request, error: ViewsBehind) -> JSONResponse:
        return problem(
            request,
            503,
            "views-behind",
            "Views behind",
            str(error),
            headers={"Retry-After": "1"},
            position=error.position,
        )

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, error: Unauthenticated) -> JSONResponse:
        return problem(
            request,
            401,
            "unauthenticated",
            "Unauthenticated",
            str(error),
            headers={"WWW-Authenticate": "Bearer"},
        )

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden) -> JSONResponse:
        return problem(request, 403, "forbidden", "Forbidden", str(error))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400:  # a body that cannot be parsed at all
            return _invalid_input(request, [_located("", "body", str(error.detail))])
        title = {404: "Not found", 405: "Method not allowed"}.get(error.status_code, "Error")
        slug = title.lower().replace(" ", "-")
        return problem(
            request, error.status_code, slug, title, str(error.detail), headers=error.headers
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            request, 500, "internal", "Internal error", "the server failed; it has been logged"
        )
