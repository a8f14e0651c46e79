"""Activity by actor: every event a user or API key caused over a period, with its command."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from multistore_core.application import MultiStore
from multistore_core.audit.log import read_pages
from multistore_core.audit.replay import Replay
from multistore_core.log_reader import gc_paused


@dataclass(frozen=True)
class Action:
    """One event caused by the actor."""

    position: int
    time: str
    actor: str
    role: str
    store_scope: str
    command: str
    event: str
    aggregate: str
    correlation_id: str
    idempotency_key: str


def activity(
    app: MultiStore,
    actor: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Action]:
    """Events whose metadata names ``actor``, with time in [since, until), in log order."""
    replay = Replay()
    found = []
    with gc_paused():
        for page in read_pages(app):
            for record in page:
                replay.apply(record)
                meta = record.meta
                if meta.get("actor") != actor:
                    continue
                when = record.timestamp
                if until is not None and when >= until:
                    continue
                if since is not None and when < since:
                    continue
                found.append(
                    Action(
                        position=record.position,
                        time=when.isoformat(),
                        actor=actor,
                        role=str(meta.get("role") or ""),
                        store_scope=str(meta.get("store_scope") or ""),
                        command=str(meta.get("command") or ""),
                        event=record.event,
                        aggregate=replay.label(record.aggregate_id),
                        correlation_id=str(meta.get("correlation_id") or ""),
                        idempotency_key=str(meta.get("idempotency_key") or ""),
                    )
                )
    return found


ACTION_COLUMNS = [f.name for f in fields(Action)]
