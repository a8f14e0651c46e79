"""Liveness and readiness probes (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import MultiStoreDep, ViewsDep
from api.schemas import Health, Readiness, ViewLagPublic

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={
        503: {"model": Readiness, "description": "The event store or the views do not answer"}
    },
)
def readyz(multistore: MultiStoreDep, views: ViewsDep, response: Response) -> Readiness:
    """The event store and the views answer, with each view's lag; 503 when one does not."""
    try:
        position = multistore.log_position()
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        response.status_code = 503
        return Readiness(
            status="unavailable",
            event_store=f"unreachable: {type(error).__name__}",
            log_position=0,
            views=[],
        )
    try:
        lags = [ViewLagPublic.model_validate(lag) for lag in views.lag()]
    except Exception as error:  # noqa: BLE001
        response.status_code = 503
        return Readiness(
            status=f"views unreachable: {type(error).__name__}",
            event_store="ok",
            log_position=position,
            views=[],
        )
    return Readiness(status="ok", event_store="ok", log_position=position, views=lags)
