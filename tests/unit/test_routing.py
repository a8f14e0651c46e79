"""Routing as a pure function: which stores are eligible, how they rank, and how orders split."""

from __future__ import annotations

import pytest

from multistore_core.routing import (
    RouteRequest,
    RoutingRules,
    StoreStock,
    choose,
    distance_km,
    eligible,
    rank,
)

BUYER = (31.2000, 121.4000)


def store(
    code: str,
    km_east: float,
    stock: dict[str, int],
    kind: str = "direct",
    is_open: bool = True,
    radius: float = 5.0,
    region: str = "east",
) -> StoreStock:
    """A store ``km_east`` kilometres east of the buyer (about 95 km per degree here)."""
    return StoreStock(
        code=code,
        region=region,
        kind=kind,
        latitude=BUYER[0],
        longitude=BUYER[1] + km_east / 95.2,
        delivery_radius_km=radius,
        is_open=is_open,
        available=stock,
    )


def request(fulfilment: str = "pickup", split: bool = False, **lines: int) -> RouteRequest:
    return RouteRequest(fulfilment, BUYER[0], BUYER[1], lines or {"TEA": 1}, split)


def served_by(route: object) -> list[tuple[str, tuple[str, ...]]]:
    assert route is not None
    return [(part.store, part.skus) for part in route.parts]  # type: ignore[attr-defined]


def test_haversine_gives_the_known_distance_from_shanghai_to_hangzhou() -> None:
    assert distance_km(31.2304, 121.4737, 30.2741, 120.1551) == pytest.approx(164.0, abs=2)
    assert distance_km(*BUYER, *BUYER) == 0


def test_the_nearest_store_that_can_serve_every_line_wins() -> None:
    stores = [store("FAR", 9, {"TEA": 5}), store("NEAR", 2, {"TEA": 5}), store("MID", 4, {})]
    route = choose(request(TEA=2), stores, RoutingRules())
    assert served_by(route) == [("NEAR", ("TEA",))]
    assert route is not None and "nearest open store" in route.reason


def test_a_store_without_every_line_is_passed_over_for_a_farther_one() -> None:
    stores = [store("NEAR", 1, {"TEA": 5, "CUP": 0}), store("FAR", 8, {"TEA": 5, "CUP": 3})]
    assert served_by(choose(request(TEA=1, CUP=1), stores, RoutingRules())) == [
        ("FAR", ("TEA", "CUP"))
    ]


def test_delivery_only_comes_from_stores_whose_radius_covers_the_buyer() -> None:
    stores = [store("NEAR", 3, {"TEA": 5}, radius=2), store("FAR", 6, {"TEA": 5}, radius=10)]
    assert served_by(choose(request("delivery"), stores, RoutingRules())) == [("FAR", ("TEA",))]
    assert choose(request("delivery"), stores[:1], RoutingRules()) is None


def test_closed_stores_are_skipped() -> None:
    stores = [store("NEAR", 1, {"TEA": 5}, is_open=False), store("FAR", 7, {"TEA": 5})]
    assert served_by(choose(request(), stores, RoutingRules())) == [("FAR", ("TEA",))]


def test_a_warehouse_is_never_offered_for_pickup_or_delivery() -> None:
    stores = [store("HQ", 0.5, {"TEA": 99}, kind="warehouse", radius=50)]
    assert choose(request("pickup"), stores, RoutingRules()) is None
    assert choose(request("delivery"), stores, RoutingRules()) is None


def test_ship_orders_go_to_the_nearest_warehouse_that_can_serve_and_never_to_a_shop() -> None:
    stores = [
        store("SHOP", 1, {"TEA": 99}),
        store("WH-NEAR", 50, {"TEA": 0}, kind="warehouse"),
        store("WH-MID", 300, {"TEA": 9}, kind="warehouse"),
        store("WH-FAR", 900, {"TEA": 9}, kind="warehouse"),
    ]
    assert served_by(choose(request("ship"), stores, RoutingRules())) == [("WH-MID", ("TEA",))]
    ranked = rank(request("ship"), eligible(request("ship"), stores), RoutingRules(), None)
    assert [c.store.code for c in ranked] == ["WH-NEAR", "WH-MID", "WH-FAR"]


def test_the_most_stock_policy_prefers_the_store_with_most_units_of_the_ordered_skus() -> None:
    stores = [store("NEAR", 1, {"TEA": 3}), store("FAR", 8, {"TEA": 40}), store("MID", 4, {})]
    route = choose(request(TEA=2), stores, RoutingRules(policy="most_stock"))
    assert served_by(route) == [("FAR", ("TEA",))]
    assert route is not None and "most units" in route.reason


def test_the_priority_policy_follows_the_buyers_region_list_then_distance() -> None:
    stores = [
        store("A", 1, {"TEA": 5}),
        store("B", 3, {"TEA": 5}),
        store("C", 6, {"TEA": 5}),
        store("W1", 2, {"TEA": 5}, region="west"),
    ]
    rules = RoutingRules(policy="priority", priority={"east": ["C", "B"], "west": ["W1"]})
    route = choose(request(), stores, rules)
    assert served_by(route) == [("C", ("TEA",))]
    assert route is not None and "region east's priority list (position 1)" in route.reason
    stores[2] = store("C", 6, {"TEA": 0})
    assert served_by(choose(request(), stores, rules)) == [("B", ("TEA",))]
    unlisted = RoutingRules(policy="priority", priority={"east": ["Z"]})
    assert served_by(choose(request(), stores, unlisted)) == [("A", ("TEA",))]


def test_no_split_unless_the_caller_allows_it() -> None:
    stores = [store("A", 1, {"TEA": 1}), store("B", 2, {"CUP": 1})]
    assert choose(request(TEA=1, CUP=1), stores, RoutingRules()) is None
    assert served_by(choose(request(split=True, TEA=1, CUP=1), stores, RoutingRules())) == [
        ("A", ("TEA",)),
        ("B", ("CUP",)),
    ]


def test_one_store_with_every_line_beats_a_nearer_split() -> None:
    stores = [
        store("A", 1, {"TEA": 1}),
        store("B", 2, {"CUP": 1}),
        store("C", 20, {"TEA": 1, "CUP": 1}),
    ]
    assert served_by(choose(request(split=True, TEA=1, CUP=1), stores, RoutingRules())) == [
        ("C", ("TEA", "CUP"))
    ]


def test_a_split_uses_the_fewest_stores_even_when_nearest_first_greed_would_use_more() -> None:
    # Taking the nearest store for each missing line uses A, B, C and then E: four stores.
    # D and E together have everything: two stores.
    stores = [
        store("A", 1, {"TEA": 1}),
        store("B", 2, {"CUP": 1}),
        store("C", 3, {"POT": 1}),
        store("D", 10, {"TEA": 1, "CUP": 1}),
        store("E", 11, {"POT": 1, "JAR": 1}),
    ]
    route = choose(request(split=True, TEA=1, CUP=1, POT=1, JAR=1), stores, RoutingRules())
    assert served_by(route) == [("D", ("TEA", "CUP")), ("E", ("POT", "JAR"))]
    assert route is not None and "fewest stores (2)" in route.reason


def test_among_splits_of_the_same_size_the_nearest_stores_are_chosen() -> None:
    stores = [
        store("FAR-TEA", 9, {"TEA": 1}),
        store("NEAR-TEA", 1, {"TEA": 1}),
        store("FAR-CUP", 8, {"CUP": 1}),
        store("NEAR-CUP", 2, {"CUP": 1}),
    ]
    assert served_by(choose(request(split=True, TEA=1, CUP=1), stores, RoutingRules())) == [
        ("NEAR-TEA", ("TEA",)),
        ("NEAR-CUP", ("CUP",)),
    ]


def test_a_split_needing_more_stores_than_allowed_is_no_route() -> None:
    stores = [store(f"S{i}", i + 1, {sku: 1}) for i, sku in enumerate(["A", "B", "C", "D"])]
    lines = {"A": 1, "B": 1, "C": 1, "D": 1}
    assert choose(request(split=True, **lines), stores, RoutingRules(max_split_stores=3)) is None
    assert len(served_by(choose(request(split=True, **lines), stores,
                                RoutingRules(max_split_stores=4)))) == 4  # fmt: skip


def test_a_line_is_never_split_across_stores() -> None:
    stores = [store("A", 1, {"TEA": 2}), store("B", 2, {"TEA": 2})]
    assert choose(request(split=True, TEA=3, CUP=1), stores, RoutingRules()) is None
