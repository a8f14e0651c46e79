"""The runner: follows the notification log and applies each batch to every view exactly once."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Connection, DateTime, bindparam, func

from multistore_core import MultiStore
from multistore_core.context import utc_now
from multistore_core.log_reader import LoggedEvent, LogReader
from projections.database import ViewStore
from projections.projection import Projection, naive_utc, tracking
from projections.settings import libpq_url
from projections.views import build_views

log = logging.getLogger(__name__)

BatchListener = Callable[[Sequence[LoggedEvent], datetime], None]


# Moves the views that stood at ``expected`` to ``position``; matching fewer rows than views
# means another runner or a rebuild moved one of them meanwhile.
_MOVE_POSITIONS = (
    tracking.update()
    .where(
        tracking.c.name.in_(bindparam("names", expanding=True)),
        tracking.c.position == bindparam("expected"),
    )
    .values(
        position=bindparam("position"),
        processed_at=bindparam("processed_at", type_=DateTime()),
        last_event_at=func.coalesce(
            bindparam("last_event_at", type_=DateTime()), tracking.c.last_event_at
        ),
    )
)


class _Overtaken(Exception):
    """Another writer moved a view's position since this runner last read it."""


class Runner:
    """Applies the log to ``projections``; each batch and the new positions commit together.

    A view's position is the id of the last notification it has taken into account. Every
    batch updates each view's tracking row only if it still holds the position this runner
    expects, so two runners (or a rebuild) on one view never apply an event twice.
    """

    def __init__(
        self,
        app: MultiStore,
        views: ViewStore,
        projections: Sequence[Projection] | None = None,
        batch_size: int = 1000,
        poll_seconds: float = 0.01,
        on_batch: BatchListener | None = None,
    ) -> None:
        self.app = app
        self.views = views
        self.projections = list(projections) if projections is not None else build_views()
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.on_batch = on_batch
        self.last_error: BaseException | None = None
        self.reader = LogReader(app)
        self._topics: set[str] = set().union(*(p.topics() for p in self.projections))
        views.create(self.projections)
        self._positions = self._load_positions()

    def _load_positions(self) -> dict[str, int]:
        stored = self.views.positions()
        return {p.name: stored[p.name] for p in self.projections}

    @property
    def position(self) -> int:
        """The position every view of this runner has reached."""
        return min(self._positions.values(), default=0)

    def head(self) -> int:
        return self.app.log_position()

    def step(self) -> int:
        """Apply the next batch of the log; return how far it moved (0: nothing new)."""
        start = self.position
        events, last = self.reader.read(start, self.batch_size, self._topics)
        if last == start:
            return 0
        try:
            with self.views.transaction() as connection:
                self._apply(connection, events, last)
        except BaseException as error:
            for projection in self.projections:
                projection.forget()
            self._positions = self._load_positions()
            if isinstance(error, _Overtaken):
                log.info("a view moved under this runner; continuing from its new position")
                return last - start
            raise
        for name, position in self._positions.items():
            self._positions[name] = max(position, last)
        if self.on_batch is not None:
            self.on_batch(events, utc_now())
        return last - start

    def _apply(self, connection: Connection, events: list[LoggedEvent], last: int) -> None:
        behind = [p for p in self.projections if self._positions[p.name] < last]
        starts: dict[int, list[str]] = {}
        for projection in behind:
            starts.setdefault(self._positions[projection.name], []).append(projection.name)
        for before, names in starts.items():
            moved = connection.execute(
                _MOVE_POSITIONS,
                {
                    "names": names,
                    "expected": before,
                    "position": last,
                    "processed_at": naive_utc(utc_now()),
                    "last_event_at": naive_utc(events[-1].timestamp) if events else None,
                },
            )
            if moved.rowcount != len(names):
                raise _Overtaken(", ".join(names))
        for projection in behind:
            before = self._positions[projection.name]
            if before == 0:
                projection.starts_empty()
            projection.bind(connection)
            try:
                handlers = projection.handlers
                for event in events:
                    handler = handlers.get(event.log_topic)
                    if handler is not None and event.log_position > before:
                        handler(projection, event)
                projection.flush()
            finally:
                projection.bind(None)

    def catch_up(self, until: int | None = None) -> int:
        """Apply batches until the views reach ``until`` (default: the head now)."""
        target = self.head() if until is None else until
        applied = 0
        while self.position < target:
            read = self.step()
            if read == 0:
                break
            applied += read
        return applied

    def run(self, stop: threading.Event) -> None:
        """Follow the log until ``stop`` is set, waking on NOTIFY (PostgreSQL) or by polling."""
        with log_wakeups(self.app, stop) as wait:
            while not stop.is_set():
                try:
                    read = self.step()
                    self.last_error = None
                except Exception as error:  # keep following: the next step starts afresh
                    log.exception("projection batch failed; retrying")
                    self.last_error = error
                    stop.wait(self.poll_seconds)
                    continue
                if read < self.batch_size:
                    wait(self.poll_seconds)

    def start(self) -> RunnerThread:
        """Follow the log in a background thread of this process."""
        thread = RunnerThread(self)
        thread.start()
        return thread


@contextmanager
def log_wakeups(app: MultiStore, stop: threading.Event) -> Iterator[Callable[[float], Any]]:
    """A wait that returns early when ``app``'s event store announces new events (PostgreSQL
    NOTIFY) or ``stop`` is set; elsewhere it simply waits."""
    channel = getattr(app.recorder, "channel_name", None)
    if channel is None:
        yield stop.wait
        return
    with psycopg.connect(libpq_url(app.settings.database_url), autocommit=True) as conn:
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

        def wait(timeout: float) -> None:
            deadline = time.monotonic() + timeout
            while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
                for _ in conn.notifies(timeout=min(left, 0.25), stop_after=1):
                    return

        yield wait


class RunnerThread(threading.Thread):
    """A runner following the log in the background; ``stop()`` ends it."""

    def __init__(self, runner: Runner) -> None:
        super().__init__(name="projections-runner", daemon=True)
        self.runner = runner
        self._stop_requested = threading.Event()

    def run(self) -> None:
        self.runner.run(self._stop_requested)

    def stop(self, timeout: float = 10) -> None:
        self._stop_requested.set()
        self.join(timeout)
