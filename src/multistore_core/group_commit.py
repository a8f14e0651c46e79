"""Group commit: commands that arrive together are decided in turn and saved in one transaction."""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from copy import copy, deepcopy
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from queue import Empty, SimpleQueue
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.persistence import IntegrityError

from multistore_core.bulk_events import select_events_of
from multistore_core.domain.base import Entity
from multistore_core.errors import ConcurrencyConflict

Attempt = Callable[[], tuple[Sequence[Entity], Any]]
IDLE_SECONDS = 1.0
IMMUTABLE = frozenset({str, bytes, int, float, bool, type(None), Decimal, UUID, date, datetime})


@dataclass(eq=False)
class _Pending:
    """A caller waiting for its command: the decision to run, then its result or error."""

    command: str
    attempt: Attempt
    reads: Sequence[UUID]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: Exception | None = None
    events: list[Any] = field(default_factory=list)
    saved_before: int = 0


@dataclass(eq=False)
class _Saving:
    """A decided batch whose events are being saved, and the ``(id, version)`` of each event."""

    batch: list[_Pending]
    working: dict[UUID, Entity | None]
    written: set[tuple[UUID, int]]
    recordings: Future[Any]
    settled: bool = False


class GroupCommitter:
    """A thread that decides queued commands first come, first served and saves each batch once.

    Each command runs on the aggregates as the commands before it in the batch left them and
    is checked on its own; a refused command leaves no trace. The events of every accepted
    command go to the event store in one ``save``: one transaction, one table lock, one fsync.
    Aggregates stay cached between batches; before each batch the cache catches up with events
    other writers appended to the log, and a version conflict (or a ``redecide_on`` error from
    a decision that read something another writer had just changed) decides the batch again.
    A second thread saves each batch while the committer decides the next one (``_commit_ahead``).
    """

    def __init__(
        self,
        app: Application[UUID],
        retries: int,
        redecide_on: tuple[type[Exception], ...] = (),
        max_batch: int = 1000,
        cache_size: int = 50_000,
    ) -> None:
        self._app = app
        self._retries = retries
        self._redecide_on: tuple[type[Exception], ...] = (IntegrityError, *redecide_on)
        self._max_batch = max_batch
        self._cache_size = cache_size
        self._cache: OrderedDict[UUID, Entity | None] = OrderedDict()
        self._seen: int | None = None
        self._last_position = 0
        self._queue: SimpleQueue[_Pending] = SimpleQueue()
        self._thread_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._batch: _BatchState | None = None

    # callers

    def execute(self, command: str, attempt: Attempt, reads: Sequence[UUID] = ()) -> Any:
        """Queue ``attempt`` and wait for its result; ``position`` is set from the batch's save.

        ``reads`` names aggregates the decision will look up: those not cached are loaded
        for the whole batch in one query (any others are loaded one by one as it asks).
        """
        if self._batch is not None and threading.current_thread() is self._thread:
            raise RuntimeError(f"{command} was issued from inside another command's decision")
        pending = _Pending(command, attempt, reads)
        with self._thread_lock:
            self._queue.put(pending)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="multistore-group-commit", daemon=True
                )
                self._thread.start()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.result

    def find(self, aggregate_id: UUID) -> Entity | None:
        """The aggregate as the batch has left it; only inside a decision on the committer."""
        assert self._batch is not None
        return self._batch.find(aggregate_id)

    def is_deciding(self) -> bool:
        """True in the committer's thread while it runs a decision."""
        return self._batch is not None and threading.current_thread() is self._thread

    # the committer thread

    def _run(self) -> None:
        saving: _Saving | None = None
        with ThreadPoolExecutor(1, thread_name_prefix="multistore-group-save") as saver:
            while True:
                batch = self._take(wait=saving is None)
                try:
                    if batch:
                        saving = self._commit_ahead(batch, saving, saver)
                    elif saving is not None:
                        self._settle(saving)
                        saving = None
                    else:
                        with self._thread_lock:
                            if self._queue.empty():
                                self._thread = None
                                return
                except Exception as error:  # the database failed: every caller hears of it
                    if saving is not None:
                        self._settle(saving, error)
                        self._fail(saving.batch, error)
                        saving = None
                    self._fail(batch, error)

    def _take(self, wait: bool) -> list[_Pending]:
        """The queued commands, oldest first; waits up to ``IDLE_SECONDS`` for one if ``wait``."""
        batch: list[_Pending] = []
        try:
            batch.append(self._queue.get(timeout=IDLE_SECONDS if wait else 0))
            while len(batch) < self._max_batch:
                batch.append(self._queue.get_nowait())
        except Empty:
            pass
        return batch

    def _commit_ahead(
        self, batch: list[_Pending], saving: _Saving | None, saver: ThreadPoolExecutor
    ) -> _Saving | None:
        """Decide ``batch`` while the batch before it is still being saved, and start its save.

        It decides on the aggregates as the batch before left them. That is only kept if the
        batch before is saved and nobody else wrote meanwhile; otherwise the batch before is
        settled first and ``batch`` goes through ``_commit``, which decides again on conflict.
        """
        if saving is not None and not self._catch_up(saving.written):
            self._settle(saving)
            saving = None
        if saving is None:
            self._catch_up()
        self._load_all(aggregate_id for pending in batch for aggregate_id in pending.reads)
        try:
            decided: tuple[list[Any], dict[UUID, Entity | None]] | None = self._decide_all(batch)
        except self._redecide_on:
            decided = None
        if saving is not None and not self._settle(saving):
            decided = None  # decided on a batch that was not saved as decided
        if decided is None:
            self._commit(batch)
            return None
        events, working = decided
        if not events:
            self._deliver(batch, [])
            return None
        for aggregate_id, aggregate in working.items():
            self._cache[aggregate_id] = aggregate
        written = {(event.originator_id, event.originator_version) for event in events}
        return _Saving(batch, working, written, saver.submit(self._app.save, *events))

    def _settle(self, saving: _Saving, error: Exception | None = None) -> bool:
        """Wait for ``saving`` and answer its callers; True if it was saved as decided.

        Otherwise the cache, which held what was not saved, is dropped and the batch is
        decided again (or, after ``error``, its callers get that error).
        """
        if saving.settled:
            return True
        saving.settled = True
        try:
            recordings = saving.recordings.result()
        except Exception as failure:
            self._cache.clear()
            if error is None and isinstance(failure, self._redecide_on):
                self._commit(saving.batch)
            else:
                self._fail(saving.batch, error or failure)
            return False
        first, last = recordings[0].notification.id, recordings[-1].notification.id
        self._remember(saving.working, first, last)
        self._deliver(saving.batch, recordings)
        return True

    def _commit(self, batch: list[_Pending]) -> None:
        """Decide and save ``batch`` now, deciding again after a conflict (after a jittered
        pause that grows with each attempt, so committers of several processes stop colliding)."""
        for attempt in range(self._retries + 1):
            if attempt > 0:
                time.sleep(random.uniform(0, min(0.1, 0.002 * 2**attempt)))
            if attempt > 1:
                self._cache.clear()
            self._catch_up()
            self._load_all(aggregate_id for pending in batch for aggregate_id in pending.reads)
            try:
                events, working = self._decide_all(batch)
                recordings = self._app.save(*events) if events else []
            except self._redecide_on:
                continue
            if recordings:
                first, last = recordings[0].notification.id, recordings[-1].notification.id
                self._remember(working, first, last)
            self._deliver(batch, recordings)
            return
        for pending in batch:
            pending.error = pending.error or ConcurrencyConflict(pending.command, self._retries + 1)
        self._deliver(batch, [])

    def _deliver(self, batch: list[_Pending], recordings: Sequence[Any]) -> None:
        """Answer every caller of a saved batch, each result at its own last event's position."""
        for pending in batch:
            if pending.error is None:
                pending.result = self._with_position(pending, recordings)
            pending.done.set()
        if recordings:
            self._last_position = recordings[-1].notification.id

    @staticmethod
    def _fail(batch: list[_Pending], error: Exception) -> None:
        for pending in batch:
            if not pending.done.is_set():
                pending.error = error
                pending.done.set()

    def _decide_all(self, batch: list[_Pending]) -> tuple[list[Any], dict[UUID, Entity | None]]:
        """Run every decision in order on the batch's working aggregates; return all events."""
        state = _BatchState(self)
        events: list[Any] = []
        self._batch = state
        try:
            for pending in batch:
                pending.result, pending.error, pending.saved_before = None, None, len(events)
                pending.events = []
                try:
                    aggregates, result = pending.attempt()
                except self._redecide_on:
                    raise
                except Exception as error:
                    pending.error = error
                    state.roll_back()
                    continue
                pending.result = result
                pending.events = state.accept(aggregates)
                events.extend(pending.events)
        finally:
            self._batch = None
        return events, state.working

    def _with_position(self, pending: _Pending, recordings: Sequence[Any]) -> Any:
        result = pending.result
        if pending.events:
            last = pending.saved_before + len(pending.events) - 1
            return replace(result, position=recordings[last].notification.id)
        if result.position is not None:
            # A command that changed nothing, answered from what earlier commands saved.
            earlier = self._last_position
            if pending.saved_before:
                earlier = recordings[pending.saved_before - 1].notification.id
            return replace(result, position=max(result.position, earlier))
        return result

    # the cache

    def _load(self, aggregate_id: UUID) -> Entity | None:
        if aggregate_id in self._cache:
            self._cache.move_to_end(aggregate_id)
            return self._cache[aggregate_id]
        try:
            aggregate: Entity | None = self._app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            aggregate = None
        self._cache[aggregate_id] = aggregate
        return aggregate

    def _load_all(self, aggregate_ids: Iterable[UUID]) -> None:
        """Cache every one of ``aggregate_ids`` not cached yet, reading them in one query."""
        missing = {each for each in aggregate_ids if each not in self._cache}
        stored = select_events_of(self._app.recorder, missing)
        for aggregate_id in missing:
            events = map(self._app.mapper.to_domain_event, stored.get(aggregate_id, ()))
            self._cache[aggregate_id] = project_aggregate(None, events)

    def _remember(self, working: dict[UUID, Entity | None], first: int, last: int) -> None:
        """Keep the saved batch's aggregates; skip our events in the log if none came between."""
        for aggregate_id, aggregate in working.items():
            self._cache[aggregate_id] = aggregate
            self._cache.move_to_end(aggregate_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        if self._seen is not None and first == self._seen + 1:
            self._seen = last

    def _catch_up(self, ours: Collection[tuple[UUID, int]] = ()) -> bool:
        """Apply to cached aggregates what other writers appended since the last look.

        ``ours``: the events of a save still under way, which the cache already holds. Then
        it stops at the first event someone else wrote, before changing anything, and
        returns False.
        """
        latest = self._app.recorder.max_notification_id() or 0
        if self._seen is None or not self._cache or latest - self._seen > self._cache_size:
            if ours:
                return False
            self._cache.clear()
            self._seen = latest
            return True
        while self._seen < latest:
            notifications = self._app.recorder.select_notifications(
                self._seen, 1000, stop=latest, inclusive_of_start=False
            )
            if not notifications:
                break
            for notification in notifications:
                if (
                    ours
                    and (notification.originator_id, notification.originator_version) not in ours
                ):
                    return False
                if notification.originator_id in self._cache:
                    self._fast_forward(self._app.mapper.to_domain_event(notification))
                self._seen = notification.id
        self._seen = latest
        return True

    def _fast_forward(self, event: Any) -> None:
        cached = self._cache[event.originator_id]
        if cached is not None and event.originator_version == cached.version + 1:
            event.mutate(cached)
        elif cached is None or event.originator_version > cached.version:
            del self._cache[event.originator_id]


class _BatchState:
    """The aggregates of one batch: copied from the cache once, changed by accepted commands."""

    def __init__(self, committer: GroupCommitter) -> None:
        self._committer = committer
        self.working: dict[UUID, Entity | None] = {}
        self._accepted: dict[UUID, list[Any]] = {}
        self._touched: dict[UUID, int | None] = {}

    def find(self, aggregate_id: UUID) -> Entity | None:
        if aggregate_id not in self.working:
            self.working[aggregate_id] = copy_of(self._committer._load(aggregate_id))
        aggregate = self.working[aggregate_id]
        self._touched[aggregate_id] = aggregate.version if aggregate is not None else None
        return aggregate

    def accept(self, aggregates: Sequence[Entity]) -> list[Any]:
        """Take the decision's events; its aggregates become the batch's working state."""
        events: list[Any] = []
        for aggregate in aggregates:
            new = aggregate.collect_events()
            if new:
                self.working[aggregate.id] = aggregate
                self._accepted.setdefault(aggregate.id, []).extend(new)
                events.extend(new)
        self._touched.clear()
        return events

    def roll_back(self) -> None:
        """Undo a refused decision: rebuild what it changed from the cache and accepted events."""
        for aggregate_id, version in self._touched.items():
            aggregate = self.working[aggregate_id]
            if aggregate is None or (aggregate.version == version and not aggregate.pending_events):
                continue
            rebuilt = copy_of(self._committer._cache.get(aggregate_id))
            for event in self._accepted.get(aggregate_id, []):
                rebuilt = event.mutate(rebuilt)
            self.working[aggregate_id] = rebuilt
        self._touched.clear()


def copy_of(aggregate: Entity | None) -> Entity | None:
    """A deep copy of ``aggregate``; its flat dicts and lists of immutable values (a hot stock
    item's thousands of reservations) are copied whole, many times faster than ``deepcopy``."""
    if aggregate is None:
        return None
    copied = copy(aggregate)
    memo: dict[int, Any] = {}
    for name, value in vars(aggregate).items():
        kind = type(value)
        if kind in IMMUTABLE:
            continue
        if id(value) not in memo and (
            (kind is list and IMMUTABLE.issuperset(map(type, value)))
            or (
                kind is dict
                and IMMUTABLE.issuperset(map(type, value))
                and IMMUTABLE.issuperset(map(type, value.values()))
            )
        ):
            memo[id(value)] = value.copy()
        setattr(copied, name, memo[id(value)] if id(value) in memo else deepcopy(value, memo))
    return copied
