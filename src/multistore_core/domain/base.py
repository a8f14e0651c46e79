"""The aggregate base class: every event carries the issuing command's metadata and clock."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, CanInitAggregate, CanMutateAggregate
from eventsourcing.utils import get_topic

from multistore_core.context import current_meta, current_time


class Entity(Aggregate):
    """An aggregate whose events record who caused them (``meta``) at the command's time."""

    class Event(Aggregate.Event):
        meta: dict[str, Any]

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _create(
        cls,
        event_class: type[CanInitAggregate[UUID]],
        *,
        id: UUID | None = None,  # noqa: A002
        **kwargs: Any,
    ) -> Self:
        kwargs.setdefault("meta", current_meta())
        kwargs.setdefault("timestamp", current_time())
        if id is None:  # the library asks ``create_id``
            return super()._create(event_class, **kwargs)
        # Given the id, the event is built here: the library's checks of every call cost
        # more than building the event and the aggregate together.
        created = cast(Any, event_class)(
            originator_id=id,
            originator_version=cls.INITIAL_VERSION,
            originator_topic=get_topic(cls),
            **kwargs,
        )
        aggregate = created.mutate(None)
        assert isinstance(aggregate, cls)
        aggregate.pending_events.append(created)
        return aggregate

    def trigger_event(self, event_class: type[CanMutateAggregate[UUID]], **kwargs: Any) -> None:
        kwargs.setdefault("meta", current_meta())
        kwargs.setdefault("timestamp", current_time())
        super().trigger_event(event_class, **kwargs)


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply ``events`` in turn to ``aggregate`` (None before the first): the library's
    ``project_aggregate`` without its runtime protocol check of every event, which on Python
    3.11 costs several times more than applying the event."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate
