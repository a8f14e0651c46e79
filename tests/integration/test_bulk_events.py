"""Many aggregates' events in one query, and group commit loading a batch's reads that way."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from multistore_core import MultiStore, Settings
from multistore_core.bulk_events import read_aggregates
from multistore_core.commands import OrderLine, PlaceOrder
from multistore_core.ids import catalog_item_id, order_id, stock_item_id, store_id
from multistore_core.results import OrderSummary
from support import build_chain
from support_group_commit import run_as_one_batch


def test_events_of_many_aggregates_come_back_in_version_order_with_the_log_position(
    database_url: str,
) -> None:
    app = MultiStore(Settings(database_url=database_url))
    build_chain(app, stock=5)
    tea, cup, unknown = stock_item_id("SH01", "TEA-001"), store_id("HZ01"), uuid4()

    latest, found = read_aggregates(app.recorder, [tea, cup, unknown])

    assert latest == app.log_position() > 0
    assert read_aggregates(app.recorder, [unknown]) == (latest, {})
    assert set(found) == {tea, cup}
    for aggregate_id, events in found.items():
        one_by_one = app.recorder.select_events(aggregate_id)
        assert [(e.originator_version, e.topic, e.state) for e in events] == [
            (e.originator_version, e.topic, e.state) for e in one_by_one
        ]
    app.close()


def _counting_single_reads(app: MultiStore) -> list[Any]:
    reads: list[Any] = []
    select = app.recorder.select_events

    def counted(originator_id: Any, **kwargs: Any) -> Any:
        reads.append(originator_id)
        return select(originator_id, **kwargs)

    app.recorder.select_events = counted  # type: ignore[method-assign]
    return reads


def test_a_batch_loads_what_its_orders_read_together_not_one_aggregate_at_a_time(
    database_url: str,
) -> None:
    writer = MultiStore(Settings(database_url=database_url))
    build_chain(writer, stock=5)
    grouped = MultiStore(Settings(database_url=database_url, group_commit=True))
    single_reads = _counting_single_reads(grouped)

    outcomes = run_as_one_batch(
        grouped,
        [
            lambda store=store, sku=sku, n=n: grouped.place_order(
                PlaceOrder(
                    order_id=f"O-{n}",
                    store=store,
                    fulfilment="pickup",
                    lines=[OrderLine(sku=sku, quantity=2)],
                )
            )
            for n, (store, sku) in enumerate(
                [("SH01", "TEA-001"), ("HZ01", "CUP-002"), ("SH01", "CUP-002"), ("SH01", "TEA-001")]
            )
        ],
    )

    assert all(isinstance(outcome, OrderSummary) for outcome in outcomes)
    assert single_reads == [], "every aggregate the orders read came from the one bulk read"
    assert writer.stock_level("SH01", "TEA-001").available == 1
    assert writer.get_order("O-3").store == "SH01"
    writer.close()
    grouped.close()


def test_an_aggregate_a_decision_reads_without_naming_it_is_still_loaded_and_checked(
    database_url: str,
) -> None:
    writer = MultiStore(Settings(database_url=database_url))
    build_chain(writer, stock=5)
    grouped = MultiStore(Settings(database_url=database_url, group_commit=True))
    single_reads = _counting_single_reads(grouped)
    committer = grouped._committer
    assert committer is not None
    execute = committer.execute
    # Orders that name none of their reads: each aggregate is loaded when first asked for.
    committer.execute = lambda command, attempt, reads=(): execute(command, attempt)  # type: ignore[method-assign]

    placed, refused = run_as_one_batch(
        grouped,
        [
            lambda ref=ref: grouped.place_order(
                PlaceOrder(
                    order_id=ref,
                    store="SH01",
                    fulfilment="pickup",
                    lines=[OrderLine(sku="TEA-001", quantity=4)],
                )
            )
            for ref in ("O-1", "O-2")
        ],
    )

    assert isinstance(placed, OrderSummary) and not isinstance(refused, OrderSummary)
    expected = {order_id("O-1"), order_id("O-2"), store_id("SH01"), catalog_item_id("TEA-001")}
    assert set(single_reads) == expected | {stock_item_id("SH01", "TEA-001")}
    assert writer.stock_level("SH01", "TEA-001").available == 1
    writer.close()
    grouped.close()
