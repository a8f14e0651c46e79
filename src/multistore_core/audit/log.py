"""Reading the notification log as plain records: position, aggregate, event name, payload."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from multistore_core.application import MultiStore
from multistore_core.domain.base import Entity

PAGE_SIZE = 2000

Decode = Callable[[bytes], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Record:
    """One stored event. ``state`` is its payload as stored: custom types (money, moments)
    stay in the transcoder's ``{"_type_": ..., "_data_": ...}`` form; read them with
    :func:`money` and :func:`moment`."""

    position: int
    aggregate_id: UUID
    version: int
    event: str
    state: dict[str, Any]

    @property
    def timestamp(self) -> datetime:
        return moment(self.state["timestamp"])

    @property
    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = self.state.get("meta") or {}
        return meta


def money(value: Any) -> Decimal:
    """A stored Decimal (or a number) as a Decimal."""
    if isinstance(value, dict):
        return Decimal(value["_data_"])
    return Decimal(value)


def moment(value: Any) -> datetime:
    """A stored datetime (or one already decoded) as a datetime."""
    if isinstance(value, dict):
        return datetime.fromisoformat(value["_data_"])
    assert isinstance(value, datetime)
    return value


_event_names: dict[str, str] = {}


def event_name(topic: str) -> str:
    """The short name of an event topic: ``StockItem.Reserved``."""
    name = _event_names.get(topic)
    if name is None:
        name = _event_names[topic] = topic.rpartition(":")[2]
    return name


def topics_of(*aggregates: type[Entity]) -> list[str]:
    """The stored topics of every event class nested in the given aggregate classes."""
    return [
        get_topic(value)
        for aggregate in aggregates
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, Entity.Event)
    ]


_scan = json.JSONDecoder().raw_decode


def _plain_json(data: bytes) -> dict[str, Any]:
    """A stored payload (UTF-8 JSON, as the transcoder writes it) as a dict."""
    state: dict[str, Any] = _scan(data.decode())[0]
    return state


def state_decoder(app: MultiStore) -> Decode:
    """Payload decoding: plain JSON when the events are stored as plain JSON, else the mapper's."""
    mapper = app.mapper
    if mapper.cipher is None and mapper.compressor is None:
        return _plain_json

    def decode(data: bytes) -> dict[str, Any]:
        if mapper.cipher:
            data = mapper.cipher.decrypt(data)
        if mapper.compressor:
            data = mapper.compressor.decompress(data)
        return _plain_json(data)

    return decode


def to_record(stored: StoredEvent, position: int, decode: Decode) -> Record:
    originator = stored.originator_id
    return Record(
        position,
        originator if isinstance(originator, UUID) else UUID(originator),
        stored.originator_version,
        event_name(stored.topic),
        decode(stored.state),
    )


def read_pages(
    app: MultiStore,
    after: int = 0,
    upto: int | None = None,
    topics: Iterable[str] = (),
    page_size: int = PAGE_SIZE,
) -> Iterator[list[Record]]:
    """The log after position ``after`` up to ``upto`` (inclusive), a page at a time."""
    decode = state_decoder(app)
    wanted = list(topics)
    while upto is None or after < upto:
        notifications = app.recorder.select_notifications(
            after, page_size, stop=upto, topics=wanted, inclusive_of_start=False
        )
        if not notifications:
            return
        yield [to_record(n, n.id, decode) for n in notifications]
        after = notifications[-1].id


def read_log(
    app: MultiStore, after: int = 0, upto: int | None = None, topics: Iterable[str] = ()
) -> Iterator[Record]:
    """Every record after ``after`` up to ``upto``, oldest first."""
    for page in read_pages(app, after, upto, topics):
        yield from page
