"""Who issues a command and when: the metadata every event records."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import uuid4


def utc_now() -> datetime:
    return datetime.now(UTC)


Clock = Callable[[], datetime]


@dataclass(frozen=True)
class CommandContext:
    """The caller of a command: actor, role, store scope and tracing ids."""

    actor: str = "system"
    role: str = "integrator"
    store_scope: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None


NO_CONTEXT = CommandContext()


class _Active(NamedTuple):
    meta: dict[str, Any]
    clock: Clock


_active: ContextVar[_Active | None] = ContextVar("multistore_command", default=None)


class issuing:  # noqa: N801 - used as a function: ``with issuing(...) as meta``
    """Make events triggered inside the block carry the command's metadata."""

    __slots__ = ("_active", "_token")

    def __init__(
        self,
        command: str,
        context: CommandContext,
        clock: Clock,
        idempotency_key: str | None = None,
    ) -> None:
        command_id = str(uuid4())
        meta = {
            "command": command,
            "command_id": command_id,
            "actor": context.actor,
            "role": context.role,
            "store_scope": context.store_scope,
            "correlation_id": context.correlation_id or command_id,
            "causation_id": context.causation_id or command_id,
            "idempotency_key": idempotency_key,
        }
        self._active = _Active(meta, clock)

    def __enter__(self) -> dict[str, Any]:
        self._token = _active.set(self._active)
        return self._active.meta

    def __exit__(self, *_: object) -> None:
        _active.reset(self._token)


def current_meta() -> dict[str, Any]:
    active = _active.get()
    return dict(active.meta) if active else {"command": None, "actor": "system"}


def current_time() -> datetime:
    active = _active.get()
    return active.clock() if active else utc_now()
