"""The view-backed stock source agrees with the write side once the views have caught up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from multistore_core import MultiStore, Settings
from multistore_core import commands as c
from multistore_core.routing import StoreStock
from projections.database import ViewStore
from projections.runner import Runner
from projections.stock_source import ViewStockSource
from routing_support import EVERYWHERE_CITY, build_city


@pytest.fixture
def followed(database_url: str) -> Iterator[tuple[MultiStore, Runner, ViewStore]]:
    app = MultiStore(Settings(database_url=database_url))
    build_city(app, EVERYWHERE_CITY)
    views = ViewStore(database_url)
    yield app, Runner(app, views), views
    views.dispose()
    app.close()


def by_code(stores: list[StoreStock], skus: list[str]) -> dict[str, tuple[object, ...]]:
    """Each store's details and units of ``skus`` (a SKU never stocked counts 0)."""
    return {
        s.code: (s.region, s.kind, s.latitude, s.longitude, s.delivery_radius_km, s.is_open,
                 [s.available.get(sku, 0) for sku in skus])
        for s in stores
    }  # fmt: skip


def test_the_view_source_answers_what_the_write_side_answers_once_caught_up(
    followed: tuple[MultiStore, Runner, ViewStore],
) -> None:
    app, runner, views = followed
    app.close_store(c.CloseStore(code="MID"))
    app.adjust_stock(c.AdjustStock(store="NEAR", sku="TEA", reason="damage", delta=-4))
    runner.catch_up()

    source = ViewStockSource(views)

    skus = ["TEA", "POT", "CUP"]
    assert by_code(source.stock_for(skus), skus) == by_code(app.stock_for(skus), skus)


def test_the_view_source_lags_the_log_until_the_views_catch_up(
    followed: tuple[MultiStore, Runner, ViewStore],
) -> None:
    app, runner, views = followed
    runner.catch_up()
    source = ViewStockSource(views, directory_seconds=0)
    app.close_store(c.CloseStore(code="NEAR"))
    app.receive_stock(c.ReceiveStock(store="FAR", sku="TEA", quantity=5))

    def far_and_near() -> list[tuple[str, bool, int]]:
        found = {s.code: s for s in source.stock_for(["TEA"])}
        return [
            (code, found[code].is_open, found[code].available["TEA"]) for code in ("FAR", "NEAR")
        ]

    assert far_and_near() == [("FAR", True, 10), ("NEAR", True, 10)]
    runner.catch_up()
    assert far_and_near() == [("FAR", True, 15), ("NEAR", False, 10)]
