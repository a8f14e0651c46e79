"""The notification log read fast: stored events as light records, fields decoded on first use."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent, Transcoding
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import resolve_topic
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from multistore_core.application import MultiStore

DecodeValue = Callable[[Any], Any]
Row = tuple[int, Any, int, str, bytes]

_COLUMNS = "originator_id, originator_version, topic, state"
_SCALARS = frozenset((str, int, float, bool, type(None)))


class LoggedEvent:
    """One stored event: its log position, aggregate id (as ``str(UUID)``), version, topic
    and stored payload. The ``log_`` prefix keeps the record's own attributes apart from
    the payload's fields (a store's ``name``, say).

    Payload fields read as attributes (``event.quantity``, ``event.timestamp``) and are decoded
    on first use with the application's transcodings, so they equal the domain event's
    attributes; fields never read (such as the metadata) are never decoded.
    """

    __slots__ = (
        "log_position",
        "originator_id",
        "originator_version",
        "log_topic",
        "log_state",
        "_decode",
    )

    def __init__(
        self,
        log_position: int,
        originator_id: str,
        originator_version: int,
        log_topic: str,
        log_state: dict[str, Any],
        decode: DecodeValue,
    ) -> None:
        self.log_position = log_position
        self.originator_id = originator_id
        self.originator_version = originator_version
        self.log_topic = log_topic
        self.log_state = log_state
        self._decode = decode

    @property
    def log_name(self) -> str:
        """The event's class name within its aggregate: ``StockItem.Reserved``."""
        return self.log_topic.rpartition(":")[2]

    def __getattr__(self, field: str) -> Any:
        if field in LoggedEvent.__slots__:  # a slot not yet set (while unpickling)
            raise AttributeError(field)
        try:
            value = self.log_state[field]
        except KeyError:
            raise AttributeError(f"{self.log_name} has no field {field!r}") from None
        if type(value) is dict or type(value) is list:  # only these hold transcoded objects
            value = self.log_state[field] = self._decode(value)
        return value

    def __repr__(self) -> str:
        return f"LoggedEvent({self.log_position}, {self.log_name}, {self.originator_id})"


class LogReader:
    """Reads an application's notification log as :class:`LoggedEvent` records.

    Rows come straight from the recorder's table on SQLite and PostgreSQL (the recorder's own
    ``select_notifications`` elsewhere). The payload JSON is parsed with orjson; custom values
    (the transcoder's ``{"_type_": ..., "_data_": ...}`` objects: Decimal, UUID, datetime and
    any the application registers) are decoded only when a field is read. Events of classes
    that upcast older versions, and logs stored compressed or encrypted, go through the
    application's mapper instead.
    """

    def __init__(self, app: MultiStore) -> None:
        self.recorder = app.recorder
        self.mapper = app.mapper
        self.transcodings: dict[str, Transcoding] = getattr(app.mapper.transcoder, "names", {})
        self.plain = app.mapper.cipher is None and app.mapper.compressor is None
        self._upcasts: dict[str, bool] = {}

    def read(
        self, after: int, limit: int, topics: Collection[str] | None = None
    ) -> tuple[list[LoggedEvent], int]:
        """Up to ``limit`` notifications after position ``after``: those of ``topics`` (all
        when None) as records, and the position of the last notification read (``after`` when
        there were none)."""
        rows = self._select(after, limit)
        if not rows:
            return [], after
        records = [self._record(*row) for row in rows if topics is None or row[3] in topics]
        return records, rows[-1][0]

    def _select(self, after: int, limit: int) -> list[Row]:
        recorder = self.recorder
        if isinstance(recorder, SQLiteApplicationRecorder):
            with recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(
                    f"SELECT rowid, {_COLUMNS} FROM {recorder.events_table_name} "
                    "WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (after, limit),
                )
                rows: list[Row] = cursor.fetchall()
                return rows
        if isinstance(recorder, PostgresApplicationRecorder):
            statement = SQL(
                "SELECT notification_id, " + _COLUMNS + " FROM {}.{} "
                "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
            ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
            with recorder.datastore.get_connection() as connection:
                with connection.cursor(row_factory=tuple_row) as cursor:
                    cursor.execute(statement, (after, limit), prepare=True)
                    return cursor.fetchall()
        return [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in recorder.select_notifications(after, limit, inclusive_of_start=False)
        ]

    def _record(
        self, position: int, originator_id: Any, version: int, topic: str, data: bytes | memoryview
    ) -> LoggedEvent:
        upcasts = self._upcasts.get(topic)
        if upcasts is None:
            upcasts = self._upcasts[topic] = getattr(resolve_topic(topic), "class_version", 1) > 1
        if upcasts or not self.plain:
            stored = StoredEvent(originator_id, version, topic, bytes(data))
            state = dict(vars(self.mapper.to_domain_event(stored)))
        else:
            state = parse_json(data)
        aggregate_id = canonical_id(originator_id)
        return LoggedEvent(position, aggregate_id, version, topic, state, self.decode)

    def decode(self, value: Any) -> Any:
        """A stored JSON value with every transcoded object in it decoded, as the mapper does."""
        kind = type(value)
        if kind is list:
            return [item if type(item) in _SCALARS else self.decode(item) for item in value]
        if kind is not dict:
            return value
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            return self.transcodings[value["_type_"]].decode(self.decode(value["_data_"]))
        return {k: v if type(v) in _SCALARS else self.decode(v) for k, v in value.items()}


def canonical_id(originator_id: UUID | str) -> str:
    """An aggregate id as ``str(UUID)`` gives it: SQLite stores it as 32 hex digits."""
    if isinstance(originator_id, str):
        if len(originator_id) == 32:
            h = originator_id
            return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
        return originator_id
    return str(originator_id)


def parse_json(data: bytes | memoryview) -> dict[str, Any]:
    """A payload parsed with orjson; the standard library's parser takes what orjson refuses
    (integers beyond 64 bits, NaN)."""
    try:
        parsed: dict[str, Any] = orjson.loads(data)
    except orjson.JSONDecodeError:
        parsed = json.loads(bytes(data))
    return parsed


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a replay builds up millions of small objects.

    The replay makes no reference cycles; left on, the collector rescans every live object
    again and again as the books grow, which more than halves the replay rate.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
