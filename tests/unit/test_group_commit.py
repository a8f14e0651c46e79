"""The group committer decides queued commands in order and saves each batch once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from multistore_core import MultiStore, Settings
from multistore_core.commands import OrderLine, PlaceOrder
from multistore_core.errors import InsufficientStock
from multistore_core.results import OrderSummary
from support import FakeClock, build_chain
from support_group_commit import run_as_one_batch


@pytest.fixture
def grouped(clock: FakeClock) -> MultiStore:
    app = MultiStore(Settings(database_url="memory://", group_commit=True), clock=clock)
    build_chain(app)
    return app


def _order(app: MultiStore, ref: str, **quantities: int) -> Any:
    lines = [OrderLine(sku=sku.replace("_", "-"), quantity=q) for sku, q in quantities.items()]
    return lambda: app.place_order(
        PlaceOrder(order_id=ref, store="SH01", fulfilment="pickup", lines=lines)
    )


def test_a_refused_order_in_a_batch_leaves_no_trace_and_the_others_are_saved_in_one_call(
    grouped: MultiStore,
) -> None:
    saves: list[int] = []
    save = grouped.save
    grouped.save = lambda *objs, **kw: saves.append(len(objs)) or save(*objs, **kw)  # type: ignore[method-assign]
    before = grouped.log_position()

    outcomes = run_as_one_batch(
        grouped,
        [
            _order(grouped, "O-1", TEA_001=4),
            _order(grouped, "O-2", CUP_002=3, TEA_001=7),
            _order(grouped, "O-3", TEA_001=6, CUP_002=2),
            _order(grouped, "O-4", TEA_001=1),
        ],
    )

    first, refused, third, sold_out = outcomes
    assert isinstance(refused, InsufficientStock) and isinstance(sold_out, InsufficientStock)
    assert isinstance(first, OrderSummary) and isinstance(third, OrderSummary)
    assert saves == [5], "two orders and their three reservations, in one save"
    assert grouped.log_position() == before + 5
    assert before < first.position < third.position == grouped.log_position()
    assert grouped.stock_level("SH01", "TEA-001").available == 0
    assert grouped.stock_level("SH01", "CUP-002").reserved == 2
    assert set(grouped.get_stock_item("SH01", "CUP-002").reservations) == {"O-3"}


def test_batched_orders_are_served_first_come_first_served(grouped: MultiStore) -> None:
    outcomes = run_as_one_batch(grouped, [_order(grouped, f"O-{n}", TEA_001=3) for n in range(5)])

    accepted = [isinstance(outcome, OrderSummary) for outcome in outcomes]
    assert accepted == [True, True, True, False, False]


def test_repeating_an_order_placed_earlier_in_the_batch_returns_it_after_its_save(
    grouped: MultiStore,
) -> None:
    placed, repeated = run_as_one_batch(
        grouped, [_order(grouped, "O-1", TEA_001=2), _order(grouped, "O-1", TEA_001=2)]
    )

    assert repeated.created is False and repeated.order_id == placed.order_id
    assert repeated.position >= placed.position
    assert grouped.stock_level("SH01", "TEA-001").reserved == 2


def test_a_batch_refused_at_save_is_decided_again_on_the_aggregates_as_saved(
    grouped: MultiStore,
) -> None:
    saves: list[int] = []
    save = grouped.save

    def conflict_once(*objs: Any, **kwargs: Any) -> Any:
        saves.append(len(objs))
        if len(saves) == 1:
            raise IntegrityError("another writer took this version")
        return save(*objs, **kwargs)

    grouped.save = conflict_once  # type: ignore[method-assign]
    committer = grouped._committer
    assert committer is not None
    decided: list[int] = []
    decide_all = committer._decide_all
    committer._decide_all = lambda batch, state: (
        decided.append(len(batch))
        or decide_all(  # type: ignore[method-assign]
            batch, state
        )
    )
    placed = run_as_one_batch(
        grouped, [_order(grouped, "O-1", TEA_001=2), _order(grouped, "O-2", TEA_001=3)]
    )

    assert all(isinstance(outcome, OrderSummary) for outcome in placed)
    assert saves == [4, 4], "the whole batch again, not on top of its unsaved first decision"
    assert decided == [1, 2, 2], "the holding batch, then ours decided again once, as saved"
    item = grouped.get_stock_item("SH01", "TEA-001")
    assert item.reservations == {"O-1": 2, "O-2": 3} and item.version == 4
    assert grouped.stock_level("SH01", "TEA-001").reserved == 5


def test_a_database_failure_while_deciding_again_after_a_conflict_reaches_the_caller(
    grouped: MultiStore,
) -> None:
    saves: list[int] = []

    def failing_save(*objs: Any, **kwargs: Any) -> Any:
        saves.append(len(objs))
        if len(saves) == 1:
            raise IntegrityError("another writer took this version")
        raise RuntimeError("database down")

    grouped.save = failing_save  # type: ignore[method-assign]
    outcome: list[Any] = []
    caller = threading.Thread(
        target=lambda: outcome.append(
            run_as_one_batch(grouped, [_order(grouped, "O-1", TEA_001=1)])
        )
    )
    caller.start()
    caller.join(timeout=30)

    assert not caller.is_alive(), "the caller was left waiting"
    assert [type(error) for error in outcome[0]] == [RuntimeError]
    assert len(saves) == 2
    assert grouped.stock_level("SH01", "TEA-001").reserved == 0
