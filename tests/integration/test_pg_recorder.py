"""The one-round-trip PostgreSQL recorder: same transaction and results as the library's."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from multistore_core import MultiStore, Settings
from multistore_core.pg_recorder import OneTripRecorder


@pytest.mark.postgres
def test_events_are_numbered_in_order_and_a_taken_version_saves_none_of_its_batch(
    postgres_url: str,
) -> None:
    app = MultiStore(Settings(database_url=postgres_url))
    recorder = app.recorder
    assert isinstance(recorder, OneTripRecorder)
    first, second = uuid4(), uuid4()
    saved = [(first, 1, b"a"), (first, 2, b"b"), (second, 1, b"c")]

    numbers = recorder.insert_events([StoredEvent(i, v, "t", state) for i, v, state in saved])
    with pytest.raises(IntegrityError):
        recorder.insert_events([StoredEvent(uuid4(), 1, "t", b""), StoredEvent(second, 1, "", b"")])

    stored = recorder.select_notifications(0, 10)
    assert numbers == [n.id for n in stored] and numbers == sorted(numbers)
    assert [(n.originator_id, n.originator_version, n.state) for n in stored] == saved
    assert recorder.max_notification_id() == numbers[-1]
    app.close()
