"""Views built batch by batch while the log grows equal a rebuild and the write side."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from multistore_core import MultiStore, Settings
from projection_support import SKUS, STORES, add_joint_venture, dump, random_history
from projections.database import ViewStore
from projections.queries import ViewQueries
from projections.rebuild import rebuild
from projections.runner import Runner
from support import FakeClock, build_chain


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    batch_size=st.integers(1, 40),
    chunks=st.lists(st.integers(1, 60), min_size=1, max_size=6),
    steps_between=st.integers(0, 3),
)
def test_live_views_equal_a_rebuild_and_the_write_side_whatever_the_batching(
    seed: int, batch_size: int, chunks: list[int], steps_between: int
) -> None:
    clock = FakeClock()
    app = MultiStore(Settings(database_url="memory://"), clock=clock)
    build_chain(app)
    add_joint_venture(app)
    views = ViewStore("sqlite://")
    runner = Runner(app, views, batch_size=batch_size)
    rng = random.Random(seed)
    for index, steps in enumerate(chunks):
        random_history(app, clock, rng, steps, prefix=f"{index}-")
        for _ in range(steps_between):
            runner.step()
    runner.catch_up()
    live = dump(views)
    queries = ViewQueries(views, app.log_position)
    for store in STORES:
        for sku in SKUS:
            level, row = app.stock_level(store, sku), queries.stock_for(store, sku)
            assert row is not None
            assert (row.on_hand, row.reserved, row.available, row.incoming, row.shortage) == (
                level.on_hand,
                level.reserved,
                level.available,
                level.incoming,
                level.shortage,
            )
    rebuild(app, views, show_progress=False)
    assert dump(views) == live
    views.dispose()
