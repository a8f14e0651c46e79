"""Order routing: rank the stores that can serve an order, or split it over the fewest stores."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

Policy = Literal["nearest", "most_stock", "priority"]
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class StoreStock:
    """A store as routing sees it, with what it has available of the SKUs asked about."""

    code: str
    region: str
    kind: str
    latitude: float
    longitude: float
    delivery_radius_km: float
    is_open: bool
    available: Mapping[str, int] = field(default_factory=dict)

    def can_serve(self, lines: Mapping[str, int]) -> bool:
        return all(self.available.get(sku, 0) >= quantity for sku, quantity in lines.items())


class StockSource(Protocol):
    """Where routing reads stores and stock; it may be behind the event log."""

    def stock_for(self, skus: Sequence[str]) -> list[StoreStock]:
        """Every store of the chain with its available units of ``skus`` (missing means 0)."""
        ...


@dataclass(frozen=True)
class RouteRequest:
    """An order to route: fulfilment mode, the buyer's location, and units per SKU."""

    fulfilment: str
    latitude: float
    longitude: float
    lines: Mapping[str, int]
    allow_split: bool = False


@dataclass(frozen=True)
class RoutingRules:
    """How candidates are ranked; ``priority`` lists store codes per region, best first."""

    policy: Policy = "nearest"
    priority: Mapping[str, Sequence[str]] = field(default_factory=dict)
    max_split_stores: int = 3


@dataclass(frozen=True)
class Candidate:
    store: StoreStock
    distance_km: float


@dataclass(frozen=True)
class Part:
    """The SKUs of the order that one store serves."""

    store: str
    skus: tuple[str, ...]
    distance_km: float


@dataclass(frozen=True)
class Route:
    """Where an order goes: one part, or several when it is split; ``reason`` says why."""

    parts: tuple[Part, ...]
    reason: str


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def eligible(request: RouteRequest, stores: Sequence[StoreStock]) -> list[Candidate]:
    """Open stores that may serve the fulfilment mode at all, with their distance.

    Pickup and delivery come from shops (never a warehouse); delivery only inside the store's
    radius; ship only from warehouses.
    """
    found = []
    for store in stores:
        if not store.is_open or (store.kind == "warehouse") != (request.fulfilment == "ship"):
            continue
        distance = distance_km(request.latitude, request.longitude, store.latitude, store.longitude)
        if request.fulfilment == "delivery" and distance > store.delivery_radius_km:
            continue
        found.append(Candidate(store, distance))
    return found


def buyer_region(request: RouteRequest, stores: Sequence[StoreStock]) -> str | None:
    """The region of the store nearest to the buyer, which picks the priority list."""
    if not stores:
        return None
    nearest = min(
        stores,
        key=lambda s: (distance_km(request.latitude, request.longitude, s.latitude, s.longitude),
                       s.code),
    )  # fmt: skip
    return nearest.region


def rank(
    request: RouteRequest, candidates: Sequence[Candidate], rules: RoutingRules, region: str | None
) -> list[Candidate]:
    """Candidates best first by the policy; ties go to the nearer store, then the code."""
    if rules.policy == "most_stock":
        return sorted(
            candidates, key=lambda c: (-_units(c.store, request.lines), c.distance_km, c.store.code)
        )
    if rules.policy == "priority":
        listed = list(rules.priority.get(region or "", ()))
        order = {code: position for position, code in enumerate(listed)}
        return sorted(
            candidates,
            key=lambda c: (order.get(c.store.code, len(order)), c.distance_km, c.store.code),
        )
    return sorted(candidates, key=lambda c: (c.distance_km, c.store.code))


def choose(
    request: RouteRequest, stores: Sequence[StoreStock], rules: RoutingRules
) -> Route | None:
    """The best route for the order by what ``stores`` say, or None if none can serve it.

    A single store that can serve every line always wins over a split; a split (when allowed)
    uses the fewest stores, and among those the ones ranked first; each line goes whole to
    the first of them that has it.
    """
    region = buyer_region(request, stores) if rules.policy == "priority" else None
    ranked = rank(request, eligible(request, stores), rules, region)
    for candidate in ranked:
        if candidate.store.can_serve(request.lines):
            part = Part(candidate.store.code, tuple(request.lines), candidate.distance_km)
            return Route((part,), _reason(request, candidate, rules, region))
    if not request.allow_split or len(request.lines) < 2:
        return None
    chosen = fewest_stores(request.lines, ranked, rules.max_split_stores)
    if chosen is None:
        return None
    parts = []
    left = dict(request.lines)
    for candidate in chosen:
        skus = tuple(s for s, q in left.items() if candidate.store.available.get(s, 0) >= q)
        parts.append(Part(candidate.store.code, skus, candidate.distance_km))
        for sku in skus:
            del left[sku]
    reason = (
        f"no single {_place(request)} has every line: split over the fewest stores "
        f"({len(parts)}), taking stores in {_policy_words(rules)} order"
    )
    return Route(tuple(parts), reason)


def fewest_stores(
    lines: Mapping[str, int], ranked: Sequence[Candidate], most: int
) -> tuple[Candidate, ...] | None:
    """The fewest candidates (at most ``most``) that together have every line whole.

    Among sets of that size the one whose ranks, sorted, come first wins. A candidate whose
    lines an earlier-ranked one also has is never needed, so it is left out of the search.
    """
    skus = list(lines)
    full = (1 << len(skus)) - 1
    pool: list[tuple[int, Candidate]] = []
    for candidate in ranked:
        mask = sum(
            1 << i
            for i, sku in enumerate(skus)
            if candidate.store.available.get(sku, 0) >= lines[sku]
        )
        if mask and not any(mask | kept == kept for kept, _ in pool):
            pool.append((mask, candidate))
    best: tuple[int, ...] | None = None
    for size in range(2, most + 1):
        best = _first_cover(pool, full, size)
        if best is not None:
            return tuple(pool[i][1] for i in best)
    return None


def _first_cover(pool: list[tuple[int, Candidate]], full: int, size: int) -> tuple[int, ...] | None:
    """Indexes of ``size`` pool entries covering ``full``, lexicographically first (DFS)."""
    reach = [0] * (len(pool) + 1)
    for i in range(len(pool) - 1, -1, -1):
        reach[i] = reach[i + 1] | pool[i][0]

    def search(start: int, covered: int, left: int) -> tuple[int, ...] | None:
        if covered == full:
            return ()
        if left == 0 or covered | reach[start] != full:
            return None
        for i in range(start, len(pool) - left + 1):
            mask = pool[i][0]
            if mask | covered == covered:
                continue
            rest = search(i + 1, covered | mask, left - 1)
            if rest is not None:
                return (i, *rest)
        return None

    return search(0, 0, size)


def with_truth(
    stores: Sequence[StoreStock], code: str, is_open: bool, available: Mapping[str, int]
) -> list[StoreStock]:
    """``stores`` with one store's open state and available units replaced by exact ones."""
    return [
        replace(s, is_open=is_open, available={**s.available, **available}) if s.code == code else s
        for s in stores
    ]


def _units(store: StoreStock, lines: Mapping[str, int]) -> int:
    return sum(max(store.available.get(sku, 0), 0) for sku in lines)


def _place(request: RouteRequest) -> str:
    if request.fulfilment == "ship":
        return "open warehouse"
    if request.fulfilment == "delivery":
        return "open store delivering to the buyer"
    return "open store"


def _policy_words(rules: RoutingRules) -> str:
    return {"nearest": "nearest-first", "most_stock": "most-stock-first"}.get(
        rules.policy, "priority-list"
    )


def _reason(
    request: RouteRequest, chosen: Candidate, rules: RoutingRules, region: str | None
) -> str:
    where = f"{chosen.distance_km:.1f} km from the buyer"
    if rules.policy == "most_stock":
        units = _units(chosen.store, request.lines)
        return f"the {_place(request)} with the most units of the ordered SKUs ({units}), {where}"
    listed = list(rules.priority.get(region or "", ()))
    if rules.policy == "priority" and chosen.store.code in listed:
        position = listed.index(chosen.store.code) + 1
        return (
            f"the first {_place(request)} with every line in region {region}'s priority list "
            f"(position {position}), {where}"
        )
    return f"the nearest {_place(request)} with every line, {where}"
