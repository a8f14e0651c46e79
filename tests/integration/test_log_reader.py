"""The fast log reader gives every event's fields exactly as the application's mapper does."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

from multistore_core import MultiStore, Settings
from multistore_core.log_reader import LoggedEvent, LogReader
from projection_support import add_joint_venture, random_history
from support import FakeClock, build_chain

EVENT_KINDS = {
    "Store.Registered",
    "CatalogItem.Registered",
    "StockItem.Opened",
    "StockItem.Reserved",
    "StockItem.Sold",
    "Order.Placed",
    "Order.Paid",
    "Order.Completed",
    "Order.Returned",
    "Order.Cancelled",
    "MemberAccount.Enrolled",
    "Transfer.Requested",
    "Transfer.Received",
}


def shape(value: Any) -> Any:
    """The types in a value, nested as the value is, so Decimal("1") and 1 differ."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [shape(item) for item in value]
    return type(value)


def history(url: str) -> MultiStore:
    clock = FakeClock()
    app = MultiStore(Settings(database_url=url), clock=clock)
    build_chain(app)
    add_joint_venture(app)
    random_history(app, clock, random.Random(11), 400)
    return app


def assert_reads_as_the_mapper(app: MultiStore, reader: LogReader) -> None:
    notifications = app.recorder.select_notifications(1, 100_000)
    logged, last = reader.read(0, 100_000)
    assert last == notifications[-1].id
    assert [event.log_position for event in logged] == [n.id for n in notifications]
    for notification, event in zip(notifications, logged, strict=True):
        domain = app.mapper.to_domain_event(notification)
        assert event.log_topic == notification.topic
        assert event.log_name == type(domain).__qualname__
        assert event.originator_id == str(domain.originator_id)
        fields = vars(domain)
        assert set(event.log_state) | {"originator_id", "originator_version"} == set(fields)
        for field, value in fields.items():
            if field != "originator_id":
                decoded = getattr(event, field)
                assert decoded == value, (event, field)
                assert shape(decoded) == shape(value), (event, field)
    assert EVENT_KINDS <= {event.log_name for event in logged}


@pytest.fixture
def logged_app(database_url: str) -> Iterator[MultiStore]:
    app = history(database_url)
    yield app
    app.close()


def test_every_event_of_a_random_history_reads_as_the_mapper_decodes_it(
    logged_app: MultiStore,
) -> None:
    assert_reads_as_the_mapper(logged_app, LogReader(logged_app))


def test_events_read_through_the_mapper_path_equal_those_parsed_directly(
    logged_app: MultiStore,
) -> None:
    reader = LogReader(logged_app)
    reader.plain = False  # as for a compressed or encrypted log
    assert_reads_as_the_mapper(logged_app, reader)


def test_the_in_memory_log_reads_as_the_mapper_decodes_it() -> None:
    app = history("memory://")
    assert_reads_as_the_mapper(app, LogReader(app))


def test_pages_of_chosen_topics_skip_the_others_and_end_where_the_log_ends(
    logged_app: MultiStore,
) -> None:
    reader = LogReader(logged_app)
    everything, head = reader.read(0, 100_000)
    topics = {event.log_topic for event in everything if event.log_name.startswith("Order.")}
    paged: list[LoggedEvent] = []
    after = 0
    while True:
        page, last = reader.read(after, 7, topics)
        if last == after:
            break
        paged += page
        after = last
    assert after == head
    wanted = [event.log_position for event in everything if event.log_topic in topics]
    assert [event.log_position for event in paged] == wanted
    assert reader.read(head, 10) == ([], head)


def test_a_missing_field_is_an_attribute_error_naming_the_event(logged_app: MultiStore) -> None:
    event = LogReader(logged_app).read(0, 1)[0][0]
    with pytest.raises(AttributeError, match="Store.Registered has no field 'quantity'"):
        _ = event.quantity
    assert getattr(event, "points_value", 0) == 0
