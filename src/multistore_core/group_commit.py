"""Group commit: commands that arrive together are decided in turn and saved in one transaction."""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError

from multistore_core.bulk_events import read_aggregates
from multistore_core.domain.base import Entity, replay
from multistore_core.errors import ConcurrencyConflict, MultiStoreError
from multistore_core.results import at_position

Attempt = Callable[[], tuple[Sequence[Entity], Any]]
IDLE_SECONDS = 1.0


@dataclass(eq=False)
class _Pending:
    """A caller waiting for its command: the decision to run, then its result or error."""

    command: str
    attempt: Attempt
    reads: Sequence[UUID]
    result: Any = None
    error: Exception | None = None
    events: list[Any] = field(default_factory=list)
    saved_before: int = 0
    answered: bool = False
    _signal: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._signal.acquire()  # held until answered: a lock is the cheapest one-shot signal

    def answer(self) -> None:
        self.answered = True
        self._signal.release()

    def wait(self) -> None:
        self._signal.acquire()


class GroupCommitter:
    """A thread that decides queued commands first come, first served and saves each batch once.

    Each command runs on the aggregates as the commands before it in the batch left them and
    is checked on its own; a refused command leaves no trace. The events of every accepted
    command go to the event store in one ``save``: one transaction, one table lock, one fsync.
    Aggregates stay cached between batches; before each batch the cache catches up with events
    other writers appended to the log, and a version conflict (or a ``redecide_on`` error from
    a decision that read something another writer had just changed) decides the batch again.
    While a batch is being saved its callers' threads take the next commands to the queue: a
    second thread deciding ahead would only compete with them for the interpreter.
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
        pending.wait()
        if pending.error is None:
            return pending.result
        try:
            raise pending.error
        finally:
            del pending  # the traceback holds this frame: no cycle back to the error

    def find(self, aggregate_id: UUID) -> Entity | None:
        """The aggregate as the batch has left it; only inside a decision on the committer."""
        assert self._batch is not None
        return self._batch.find(aggregate_id)

    def is_deciding(self) -> bool:
        """True in the committer's thread while it runs a decision."""
        return self._batch is not None and threading.current_thread() is self._thread

    # the committer thread

    def _run(self) -> None:
        while True:
            batch = self._take()
            if not batch:
                with self._thread_lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            try:
                self._commit(batch)
            except Exception as error:  # the database failed: every caller hears of it
                self._fail(batch, error)

    def _take(self) -> list[_Pending]:
        """The queued commands, oldest first; waits up to ``IDLE_SECONDS`` for the first."""
        batch: list[_Pending] = []
        try:
            batch.append(self._queue.get(timeout=IDLE_SECONDS))
            while len(batch) < self._max_batch:
                batch.append(self._queue.get_nowait())
        except Empty:
            pass
        return batch

    def _commit(self, batch: list[_Pending]) -> None:
        """Decide and save ``batch`` now, deciding again after a conflict (after a jittered
        pause that grows with each attempt, so committers of several processes stop colliding)."""
        for attempt in range(self._retries + 1):
            if attempt > 0:
                time.sleep(random.uniform(0, min(0.1, 0.002 * 2**attempt)))
            if attempt > 1:
                self._cache.clear()
            self._refresh(aggregate_id for pending in batch for aggregate_id in pending.reads)
            state = _BatchState(self)
            try:
                events = self._decide_all(batch, state)
                recordings = self._app.save(*events) if events else []
            except Exception as error:  # changed in place and not saved: read again
                self._forget(state.working)
                if isinstance(error, self._redecide_on):
                    continue
                raise
            if recordings:
                first, last = recordings[0].notification.id, recordings[-1].notification.id
                self._remember(state, first, last)
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
            pending.answer()
        if recordings:
            self._last_position = recordings[-1].notification.id

    @staticmethod
    def _fail(batch: list[_Pending], error: Exception) -> None:
        for pending in batch:
            if not pending.answered:
                pending.error = error
                pending.answer()

    def _decide_all(self, batch: list[_Pending], state: _BatchState) -> list[Any]:
        """Run every decision in order on the batch's working aggregates; return all events."""
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
                    # A refusal's traceback would hold this frame, so the batch, so the
                    # refusal: a cycle per refusal for the garbage collector, whose pauses
                    # showed in a sell-out's p99. An unexpected error keeps its traceback.
                    refused = isinstance(error, MultiStoreError)
                    pending.error = error.with_traceback(None) if refused else error
                    state.roll_back()
                    continue
                pending.result = result
                pending.events = state.accept(aggregates)
                events.extend(pending.events)
        finally:
            self._batch = None
        return events

    def _with_position(self, pending: _Pending, recordings: Sequence[Any]) -> Any:
        result = pending.result
        if pending.events:
            last = pending.saved_before + len(pending.events) - 1
            return at_position(result, recordings[last].notification.id)
        if result.position is not None:
            # A command that changed nothing, answered from what earlier commands saved.
            earlier = self._last_position
            if pending.saved_before:
                earlier = recordings[pending.saved_before - 1].notification.id
            return at_position(result, max(result.position, earlier))
        return result

    # the cache

    def _load(self, aggregate_id: UUID) -> Entity | None:
        if aggregate_id in self._cache:
            self._cache.move_to_end(aggregate_id)
            return self._cache[aggregate_id]
        try:
            aggregate: Entity | None = self._app.repository.get(aggregate_id, projector_func=replay)
        except AggregateNotFoundError:
            aggregate = None
        self._cache[aggregate_id] = aggregate
        return aggregate

    def _forget(self, working: dict[UUID, Entity | None]) -> None:
        """Drop what an unsaved batch changed in place; it is read again when next needed."""
        for aggregate_id in working:
            self._cache.pop(aggregate_id, None)

    def _remember(self, state: _BatchState, first: int, last: int) -> None:
        """Keep the saved batch's aggregates that existed before it; skip our events in the
        log if none came between.

        Aggregates the batch created, mostly orders, are read again when next asked for:
        keeping thousands of them alive would only lengthen the garbage collector's passes.
        """
        for aggregate_id, aggregate in state.working.items():
            if not state.existed(aggregate_id):
                self._cache.pop(aggregate_id, None)
                continue
            self._cache[aggregate_id] = aggregate
            self._cache.move_to_end(aggregate_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        if self._seen is not None and first == self._seen + 1:
            self._seen = last

    def _refresh(self, reads: Iterable[UUID]) -> None:
        """Bring the cache up to date for a batch in one round trip: read the log's last
        position together with every aggregate of ``reads`` not cached yet, then apply to
        the cached ones what other writers appended since the last look."""
        missing = {aggregate_id for aggregate_id in reads if aggregate_id not in self._cache}
        latest, stored = read_aggregates(self._app.recorder, missing)
        if self._seen is None or not self._cache or latest - self._seen > self._cache_size:
            self._cache.clear()  # anything else the batch reads is loaded when asked for
            self._seen = latest
        while self._seen < latest:
            notifications = self._app.recorder.select_notifications(
                self._seen, 1000, stop=latest, inclusive_of_start=False
            )
            if not notifications:
                break
            for notification in notifications:
                if notification.originator_id in self._cache:
                    self._fast_forward(self._app.mapper.to_domain_event(notification))
                self._seen = notification.id
        self._seen = latest
        for aggregate_id in missing:  # read as of ``latest``: nothing to fast-forward
            events = map(self._app.mapper.to_domain_event, stored.get(aggregate_id, ()))
            self._cache[aggregate_id] = replay(None, events)

    def _fast_forward(self, event: Any) -> None:
        cached = self._cache[event.originator_id]
        if cached is not None and event.originator_version == cached.version + 1:
            event.mutate(cached)
        elif cached is None or event.originator_version > cached.version:
            del self._cache[event.originator_id]


class _BatchState:
    """The aggregates of one batch: the cached ones, changed in place by accepted commands.

    A refused command's changes are undone by reading the aggregate back from the log as it
    was before the batch and applying the batch's accepted events; an unsaved batch's
    aggregates are dropped from the cache (``GroupCommitter._forget``). So nothing is copied
    on the way, which matters for a hot stock item with thousands of reservations.
    """

    def __init__(self, committer: GroupCommitter) -> None:
        self._committer = committer
        self.working: dict[UUID, Entity | None] = {}
        self._before: dict[UUID, int | None] = {}
        self._accepted: dict[UUID, list[Any]] = {}
        self._touched: dict[UUID, int | None] = {}

    def find(self, aggregate_id: UUID) -> Entity | None:
        if aggregate_id not in self.working:
            cached = self._committer._load(aggregate_id)
            self.working[aggregate_id] = cached
            self._before[aggregate_id] = cached.version if cached is not None else None
        aggregate = self.working[aggregate_id]
        self._touched[aggregate_id] = aggregate.version if aggregate is not None else None
        return aggregate

    def existed(self, aggregate_id: UUID) -> bool:
        """True if the aggregate was in the log before this batch."""
        return self._before.get(aggregate_id) is not None

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
        """Undo a refused decision: rebuild what it changed from the log and accepted events."""
        for aggregate_id, version in self._touched.items():
            aggregate = self.working[aggregate_id]
            if aggregate is None or (aggregate.version == version and not aggregate.pending_events):
                continue
            before = self._before.get(aggregate_id)
            rebuilt: Entity | None = None
            if before is not None:
                rebuilt = self._committer._app.repository.get(
                    aggregate_id, version=before, projector_func=replay
                )
            for event in self._accepted.get(aggregate_id, []):
                rebuilt = event.mutate(rebuilt)
            self.working[aggregate_id] = self._committer._cache[aggregate_id] = rebuilt
        self._touched.clear()
