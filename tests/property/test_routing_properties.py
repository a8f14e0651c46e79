"""Routing never reserves where the stock items could not serve, never splits when one store
could serve, and splits over the fewest stores; with exact and with stale stock sources."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import combinations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from multistore_core import MultiStore, Settings
from multistore_core import commands as c
from multistore_core.errors import NoStoreCanServe
from multistore_core.results import OrderSummary
from multistore_core.routing import RouteRequest, StoreStock, eligible
from routing_support import BUYER, FrozenSource, events_since

SKUS = ("A", "B", "C")
MAX_SPLIT = 3


@dataclass(frozen=True)
class Shop:
    code: str
    kind: str
    north: float
    east: float
    radius: float
    is_open: bool
    stock: dict[str, int]


def mostly_one_sku(main: str) -> st.SearchStrategy[dict[str, int]]:
    """Stock of one SKU, and sometimes of others: orders of several SKUs often need a split."""
    return st.fixed_dictionaries(
        {sku: st.integers(1, 4) if sku == main else st.sampled_from([0, 0, 0, 2]) for sku in SKUS}
    )


shops = st.builds(
    Shop,
    code=st.just(""),
    kind=st.sampled_from(["direct", "direct", "franchise", "warehouse"]),
    north=st.floats(-0.05, 0.05),
    east=st.floats(-0.05, 0.05),
    radius=st.sampled_from([2.0, 10.0, 20.0]),
    is_open=st.sampled_from([True, True, True, False]),
    stock=st.sampled_from(SKUS).flatmap(mostly_one_sku),
)
chains = st.lists(shops, min_size=3, max_size=8).map(
    lambda found: [replace(shop, code=f"S{i}") for i, shop in enumerate(found)]
)
orders = st.dictionaries(st.sampled_from(SKUS), st.integers(1, 2), min_size=2, max_size=3)
fulfilments = st.sampled_from(["pickup", "pickup", "delivery", "ship"])


def build(chain: list[Shop]) -> MultiStore:
    app = MultiStore(Settings(database_url="memory://", routing_max_split_stores=MAX_SPLIT))
    for shop in chain:
        app.register_store(
            c.RegisterStore(
                code=shop.code,
                name=shop.code,
                region="east",
                kind=shop.kind,  # type: ignore[arg-type]
                latitude=BUYER.latitude + shop.north,
                longitude=BUYER.longitude + shop.east,
                delivery_radius_km=shop.radius,
            )
        )
        if not shop.is_open:
            app.close_store(c.CloseStore(code=shop.code))
    for sku in SKUS:
        app.register_sku(c.RegisterSku(sku=sku, name=sku, base_price=Decimal("1.00")))
    for shop in chain:
        for sku, quantity in shop.stock.items():
            if quantity:
                app.receive_stock(c.ReceiveStock(store=shop.code, sku=sku, quantity=quantity))
    return app


def place(app: MultiStore, lines: dict[str, int], fulfilment: str, split: bool) -> OrderSummary:
    return app.place_order(
        c.PlaceOrder(
            order_id="P1",
            fulfilment=fulfilment,  # type: ignore[arg-type]
            buyer_location=BUYER,
            allow_split=split,
            lines=[c.OrderLine(sku=sku, quantity=q) for sku, q in lines.items()],
        )
    )


def fewest_covering(truth: list[StoreStock], request: RouteRequest) -> int | None:
    """The fewest eligible stores that have every line whole between them (brute force)."""
    able = [candidate.store for candidate in eligible(request, truth)]
    for size in range(1, MAX_SPLIT + 1):
        for group in combinations(able, size):
            if all(
                any(s.available.get(sku, 0) >= q for s in group) for sku, q in request.lines.items()
            ):
                return size
    return None


def check_placement(
    app: MultiStore, truth: list[StoreStock], request: RouteRequest, placed: OrderSummary
) -> None:
    """Every part went to a store that was eligible and had its lines; the parts are the order."""
    by_code = {candidate.store.code: candidate.store for candidate in eligible(request, truth)}
    parts = placed.parts or (placed,)
    served: dict[str, int] = {}
    for part in parts:
        assert part.store in by_code, f"{part.store} could not serve {request.fulfilment}"
        for line in part.lines:
            assert by_code[part.store].available.get(line.sku, 0) >= line.quantity
            assert app.stock_level(part.store, line.sku).reserved == line.quantity
            served[line.sku] = served.get(line.sku, 0) + line.quantity
    assert served == dict(request.lines)


@settings(max_examples=120, deadline=None)
@given(
    chain=chains, lines=orders, fulfilment=fulfilments, split=st.sampled_from([True, True, False])
)
def test_with_exact_stock_routing_serves_whenever_possible_and_splits_over_the_fewest_stores(
    chain: list[Shop], lines: dict[str, int], fulfilment: str, split: bool
) -> None:
    app = build(chain)
    truth = app.stock_for(SKUS)
    request = RouteRequest(fulfilment, BUYER.latitude, BUYER.longitude, lines, split)
    fewest = fewest_covering(truth, request)
    before = app.log_position()
    try:
        placed = place(app, lines, fulfilment, split)
    except NoStoreCanServe:
        event("no store can serve")
        assert fewest is None or (fewest > 1 and not split)
        assert app.log_position() == before
        return
    check_placement(app, truth, request, placed)
    event(f"served by {len(placed.parts or (placed,))} store(s)")
    assert fewest is not None
    assert len(placed.parts or (placed,)) == fewest


@st.composite
def stale_views(draw: st.DrawFn, chain: list[Shop], over_only: bool) -> list[StoreStock]:
    """What a lagging view might show: more units, closed stores open, and (unless
    ``over_only``) fewer units or open stores closed."""
    shown = []
    for shop in chain:
        low = 0 if over_only else -4
        stock = {sku: max(0, q + draw(st.integers(low, 4))) for sku, q in shop.stock.items()}
        is_open = shop.is_open or draw(st.booleans())
        if not over_only and draw(st.booleans()):
            is_open = not shop.is_open
        shown.append((shop, stock, is_open))
    return [
        StoreStock(
            shop.code,
            "east",
            shop.kind,
            BUYER.latitude + shop.north,
            BUYER.longitude + shop.east,
            shop.radius,
            is_open,
            stock,
        )
        for shop, stock, is_open in shown
    ]


@settings(max_examples=120, deadline=None)
@given(
    data=st.data(),
    chain=chains,
    lines=orders,
    fulfilment=fulfilments,
    split=st.sampled_from([True, True, False]),
)
def test_with_a_stale_view_routing_never_reserves_where_the_stock_items_could_not_serve(
    data: st.DataObject, chain: list[Shop], lines: dict[str, int], fulfilment: str, split: bool
) -> None:
    app = build(chain)
    truth = app.stock_for(SKUS)
    over_only = data.draw(st.booleans(), label="view only over-reports")
    app.stock_source = FrozenSource(data.draw(stale_views(chain, over_only), label="view"))
    request = RouteRequest(fulfilment, BUYER.latitude, BUYER.longitude, lines, split)
    before = app.log_position()
    try:
        placed = place(app, lines, fulfilment, split)
    except NoStoreCanServe:
        assert app.log_position() == before
        return
    check_placement(app, truth, request, placed)
    assert placed.routing is not None
    event(f"placed after {len(placed.routing.tried) - len(placed.parts or (placed,))} refusal(s)")
    reserved = [
        e for e in events_since(app, before) if type(e).__qualname__ == "StockItem.Reserved"
    ]
    assert len(reserved) == len(lines)
    if over_only and len(placed.parts) > 1:
        # A view that only over-reports is corrected store by store, so it never hides a store
        # that could serve the whole order.
        assert fewest_covering(truth, request) == len(placed.parts)
