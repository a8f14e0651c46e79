"""The event feed: public events after a log position, a page at a time, optionally waited for."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from integration.mapping import EventMapper, PublicEvent, topics_of
from multistore_core import MultiStore

_CHUNK = 500


@dataclass(frozen=True)
class Page:
    """Events in log order and ``next``: the position to ask for the following page after."""

    events: list[PublicEvent]
    next: int
    head: int


class EventFeed:
    """Reads public events from the application's notification log."""

    def __init__(self, app: MultiStore, scan_limit: int = 10_000) -> None:
        self.app = app
        self.mapper = EventMapper(app)
        self.scan_limit = scan_limit

    def head(self) -> int:
        return self.app.log_position()

    def page(
        self,
        after: int,
        limit: int,
        types: Collection[str] | None = None,
        store: str | None = None,
    ) -> Page:
        """Up to ``limit`` events after ``after`` of ``types`` concerning ``store``.

        At most ``scan_limit`` stored events are read per call, so a filter that matches
        rarely still answers promptly; ``next`` moves past everything read either way.
        """
        head = self.head()
        topics = topics_of(types)
        events: list[PublicEvent] = []
        position = after
        scanned = 0
        while position < head and len(events) < limit and scanned < self.scan_limit:
            wanted = min(_CHUNK, self.scan_limit - scanned)
            notifications = self.app.recorder.select_notifications(
                position, wanted, stop=head, topics=topics, inclusive_of_start=False
            )
            if not notifications:
                position = head
                break
            for notification in notifications:
                scanned += 1
                event = self.mapper.map(
                    notification.id, self.app.mapper.to_domain_event(notification)
                )
                position = notification.id
                if event is not None and event.concerns(store):
                    events.append(event)
                    if len(events) == limit:
                        break
            else:
                if len(notifications) < wanted:
                    position = head
        return Page(events, max(position, after), head)
