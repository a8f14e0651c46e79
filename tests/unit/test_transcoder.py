"""Event payloads written by orjson are the bytes the library's own JSON encoder writes."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError

from integration_support import full_history
from multistore_core import MultiStore
from multistore_core.transcoder import OrjsonTranscoder
from support import FakeClock


def library_transcoder(app: MultiStore) -> JSONTranscoder:
    transcoder = JSONTranscoder()
    app.register_transcodings(transcoder)
    return transcoder


def test_every_stored_payload_of_a_full_history_is_what_the_library_would_write(
    chain: MultiStore, clock: FakeClock
) -> None:
    full_history(chain, clock)
    library = library_transcoder(chain)
    stored = chain.recorder.select_notifications(1, 100_000)
    topics = {notification.topic for notification in stored}
    assert isinstance(chain.mapper.transcoder, OrjsonTranscoder)
    assert len(topics) > 20, "the history was meant to hold many kinds of event"
    for notification in stored:
        state = library.decode(notification.state)
        assert notification.state == library.encode(state), notification.topic
        event = chain.mapper.to_domain_event(notification)
        assert chain.mapper.to_stored_event(event).state == notification.state


def test_what_orjson_cannot_write_goes_to_the_library_encoder(chain: MultiStore) -> None:
    ours, library = chain.mapper.transcoder, library_transcoder(chain)
    huge = {"quantity": 10**30, "price": Decimal("9.90")}
    assert ours.encode(huge) == library.encode(huge)
    assert ours.decode(ours.encode(huge)) == huge
    with pytest.raises(TranscodingNotRegisteredError):
        ours.encode({"unknown": object()})


def test_a_uuid_in_a_payload_would_lose_its_type(chain: MultiStore) -> None:
    """Why payloads hold codes, not ids: orjson writes a UUID as a plain string."""
    value = uuid4()
    assert chain.mapper.transcoder.decode(chain.mapper.transcoder.encode({"id": value})) == {
        "id": str(value)
    }
