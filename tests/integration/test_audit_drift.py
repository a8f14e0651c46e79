"""Drift: views kept by the projections equal a fresh replay; a tampered row is reported."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, update

from audit_support import random_history
from multistore_core import MultiStore, Settings
from multistore_core.audit.drift import Difference, drift
from projections.database import ViewStore
from projections.runner import Runner
from projections.sales import orders
from projections.stock import stock_levels
from support import FakeClock


@pytest.fixture
def views(database_url: str) -> Iterator[ViewStore]:
    store = ViewStore(database_url)
    yield store
    store.dispose()


def test_views_that_followed_the_log_show_no_drift_and_tampered_rows_are_listed(
    database_url: str, views: ViewStore
) -> None:
    clock = FakeClock()
    app = MultiStore(Settings(database_url=database_url), clock=clock)
    history = random_history(app, clock, seed=8, steps=60)
    Runner(app, views).catch_up()
    clean = drift(app, views)
    assert clean.ok, clean.differences
    assert clean.rows_compared["stock"] == 4
    assert clean.rows_compared["sales"] == len(history.orders) > 5
    assert set(clean.positions.values()) == {app.log_position()}

    with views.transaction() as connection:
        connection.execute(
            update(stock_levels)
            .where(stock_levels.c.store == "SH01", stock_levels.c.sku == "TEA-001")
            .values(on_hand=stock_levels.c.on_hand + 1)
        )
        connection.execute(delete(orders).where(orders.c.order_ref == sorted(history.orders)[0]))
    level = app.stock_level("SH01", "TEA-001")
    report = drift(app, views)
    assert report.differences == [
        Difference("sales", orders.name, sorted(history.orders)[0], "(row)", None, "present"),
        Difference(
            "stock", stock_levels.name, "SH01/TEA-001", "on_hand", level.on_hand + 1, level.on_hand
        ),
    ]
