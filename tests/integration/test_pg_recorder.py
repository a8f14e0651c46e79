"""The one-round-trip PostgreSQL recorder: same transaction and results as the library's."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from multistore_core import MultiStore, Settings
from multistore_core.pg_recorder import OneTripRecorder

pytestmark = pytest.mark.postgres


@pytest.fixture
def recorder(postgres_url: str) -> Iterator[OneTripRecorder]:
    app = MultiStore(Settings(database_url=postgres_url))
    assert isinstance(app.recorder, OneTripRecorder)
    yield app.recorder
    app.close()


def test_events_are_numbered_in_order_and_a_taken_version_saves_none_of_its_batch(
    recorder: OneTripRecorder,
) -> None:
    first, second = uuid4(), uuid4()
    saved = [(first, 1, b"a"), (first, 2, b"b"), (second, 1, b"c")]

    numbers = recorder.insert_events([StoredEvent(i, v, "t", state) for i, v, state in saved])
    with pytest.raises(IntegrityError):
        recorder.insert_events([StoredEvent(uuid4(), 1, "t", b""), StoredEvent(second, 1, "", b"")])

    stored = recorder.select_notifications(0, 10)
    assert numbers == [n.id for n in stored] and numbers == sorted(numbers)
    assert [(n.originator_id, n.originator_version, n.state) for n in stored] == saved
    assert recorder.max_notification_id() == numbers[-1]


def test_topics_and_states_with_quotes_backslashes_and_any_bytes_are_stored_as_given(
    recorder: OneTripRecorder,
) -> None:
    aggregate = uuid4()
    topics = ['a"b', "c\\d", "e,f{g}", "h i", ""]
    states = [bytes(range(256)), b'{"x": "\\"}', b"", b"\x00\\x00", "€".encode()]
    events = [
        StoredEvent(aggregate, version, topic, state)
        for version, (topic, state) in enumerate(zip(topics, states, strict=True), start=1)
    ]

    recorder.insert_events(events)

    stored = recorder.select_events(aggregate)
    assert [(e.originator_version, e.topic, e.state) for e in stored] == [
        (e.originator_version, e.topic, e.state) for e in events
    ]
