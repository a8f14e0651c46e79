"""The public event schema: every mapped event matches its shipped JSON Schema; the feed pages."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from integration import schemas
from integration.feed import EventFeed
from integration.mapping import TYPE_OF, PublicEvent
from integration.public import EVENT_TYPES
from integration_support import full_history
from multistore_core import MultiStore, Settings
from projection_support import add_joint_venture, random_history
from support import FakeClock, build_chain


@pytest.fixture
def history(chain: MultiStore, clock: FakeClock) -> MultiStore:
    full_history(chain, clock)
    return chain


def everything(app: MultiStore) -> list[PublicEvent]:
    return EventFeed(app).page(0, 100_000).events


def test_a_history_of_every_command_yields_every_public_event_type(history: MultiStore) -> None:
    assert {event.type for event in everything(history)} == set(EVENT_TYPES)
    assert set(TYPE_OF.values()) == set(EVENT_TYPES)


def test_every_mapped_event_validates_against_its_shipped_json_schema(
    history: MultiStore,
) -> None:
    validators = {
        name: Draft202012Validator(schemas.read(kind)) for name, kind in EVENT_TYPES.items()
    }
    for event in everything(history):
        errors = [error.message for error in validators[event.type].iter_errors(event.body)]
        assert errors == [], (event.body, errors)
        schema = schemas.read(EVENT_TYPES[event.type])
        data = schema["$defs"][schema["properties"]["data"]["$ref"].split("/")[-1]]
        assert set(event.body["data"]) == set(data["properties"]), event.type


def test_a_schema_rejects_an_event_of_another_shape(history: MultiStore) -> None:
    reserved = next(e for e in everything(history) if e.type == "stock.reserved").body
    validator = Draft202012Validator(schemas.read(EVENT_TYPES["stock.reserved"]))
    assert not validator.is_valid({**reserved, "type": "stock.sold"})
    assert not validator.is_valid({**reserved, "data": {**reserved["data"], "quantity": "2"}})
    assert not validator.is_valid({k: v for k, v in reserved.items() if k != "store"})


def test_the_shipped_schema_files_are_the_ones_the_public_models_generate() -> None:
    for kind in EVENT_TYPES.values():
        assert schemas.read(kind) == schemas.generate(kind), (
            f"{schemas.file_name(kind)} is stale: run `python -m integration.schemas`"
        )


def test_public_events_carry_position_store_time_and_who_caused_them(
    history: MultiStore,
) -> None:
    events = everything(history)
    ids = [event.id for event in events]
    assert ids == sorted(set(ids))
    damage = next(e.body for e in events if e.type == "stock.adjusted")
    assert damage["store"] == "SH01"
    assert damage["data"] == {
        "sku": "TEA-001",
        "reason": "damage",
        "counted": None,
        "note": None,
        "on_hand_change": -1,
        "reserved_change": 0,
        "incoming_change": 0,
    }
    assert damage["meta"] == {
        "actor": "hq-key",
        "role": "hq_admin",
        "correlation_id": "req-1",
        "causation_id": damage["meta"]["causation_id"],
    }
    assert damage["occurred_at"].endswith("Z")
    paid = next(e.body for e in events if e.type == "order.paid")
    assert paid["store"] == "SH01" and paid["data"]["order_id"] == "A1"
    placed = next(e.body for e in events if e.type == "order.placed")
    assert placed["data"]["amount_due"] == paid["data"]["amount"]


def test_a_transfer_concerns_both_its_stores_and_stock_events_only_their_own(
    history: MultiStore,
) -> None:
    events = everything(history)
    shipped = next(e for e in events if e.type == "transfer.shipped")
    assert shipped.body["store"] == "HZ01" and shipped.stores == {"HZ01", "SH01"}
    received = next(e for e in events if e.type == "transfer.received")
    assert received.body["store"] == "SH01"
    assert received.body["data"]["lines"] == [{"sku": "CUP-002", "shipped": 3, "received": 2}]
    movements = [
        (e.body["store"], e.body["data"]["movement"])
        for e in events
        if e.type == "stock.transferred"
    ]
    assert movements == [("HZ01", "out"), ("SH01", "in_transit"), ("SH01", "in")]


def test_pages_of_any_size_read_the_same_events_in_order(history: MultiStore) -> None:
    feed = EventFeed(history)
    whole = [event.body for event in feed.page(0, 100_000).events]
    for size in (1, 3, 7):
        after, read = 0, []
        while True:
            page = feed.page(after, size)
            read.extend(event.body for event in page.events)
            if page.next == page.head and not page.events:
                break
            after = page.next
        assert read == whole


def test_a_filtered_page_moves_past_the_events_it_leaves_out(history: MultiStore) -> None:
    feed = EventFeed(history)
    page = feed.page(0, 100, types=["order.paid", "points.earned"], store="SH01")
    assert [event.type for event in page.events] == ["order.paid", "points.earned"]
    assert page.next == page.head == history.log_position()
    assert feed.page(page.next, 100, types=["order.paid"]).events == []


def test_a_scan_limit_bounds_the_work_of_a_page_that_finds_nothing(history: MultiStore) -> None:
    feed = EventFeed(history, scan_limit=5)
    page = feed.page(0, 10, store="NOWHERE")
    assert page.events == [] and 0 < page.next < page.head


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_the_stock_changes_in_the_feed_sum_to_the_write_sides_levels(seed: int) -> None:
    clock = FakeClock()
    app = MultiStore(Settings(database_url="memory://"), clock=clock)
    build_chain(app)
    add_joint_venture(app)
    random_history(app, clock, random.Random(seed), steps=80)
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for event in everything(app):
        if event.type.startswith("stock."):
            data: dict[str, Any] = event.body["data"]
            for field in ("on_hand", "reserved", "incoming"):
                totals[event.body["store"], data["sku"]][field] += data[f"{field}_change"]
    assert totals
    for (store, sku), total in totals.items():
        level = app.stock_level(store, sku)
        assert (total["on_hand"], total["reserved"], total["incoming"]) == (
            level.on_hand,
            level.reserved,
            level.incoming,
        ), (store, sku)
