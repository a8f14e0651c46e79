"""Liveness and readiness probes (no key needed)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import MultiStoreDep
from api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness)
def readyz(multistore: MultiStoreDep, response: Response) -> Readiness:
    """The event store answers; 503 when it does not."""
    try:
        position = multistore.log_position()
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        response.status_code = 503
        return Readiness(
            status="unavailable",
            event_store=f"unreachable: {type(error).__name__}",
            log_position=0,
            views="unknown",
            view_position=None,
            view_lag_events=None,
        )
    return Readiness(
        status="ok",
        event_store="ok",
        log_position=position,
        views="not configured",
        view_position=None,
        view_lag_events=None,
    )
