"""Helpers the routers share."""

from __future__ import annotations

from typing import Protocol, TypeVar

from fastapi import Response

POSITION_HEADER = "X-Log-Position"


class _Positioned(Protocol):
    @property
    def position(self) -> int | None: ...


P = TypeVar("P", bound=_Positioned)


def positioned(response: Response, result: P) -> P:
    """Tell the client the log position of the command's last event (for ``?after=``)."""
    if result.position is not None:
        response.headers[POSITION_HEADER] = str(result.position)
    return result
